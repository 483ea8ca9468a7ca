/**
 * The offline Amazon States Language interpreter: every state type, JSONPath and JSONata, variables,
 * Retry/Catch, Map and Distributed Map, and GetExecutionHistory-shaped history. Services plug in
 * through the {@link ResourceRegistry}; the interpreter itself knows none.
 */
export { StateEvaluationError, StatesError } from './errors';
export {
  type LambdaInvokeOptions,
  type LambdaInvokeResult,
  LOG_TAIL_BYTES,
  logTail,
  registerLambda,
} from './integrations/lambda';
export type {
  ChoiceState,
  FailState,
  MapState,
  ParallelState,
  PassState,
  Program,
  QueryLanguage,
  State,
  SucceedState,
  TaskState,
  WaitState,
} from './model';
export { ResourceRegistry } from './registry';
export { checkDistributedMapScopes, type ScopeFinding } from './scope-check';
export { StateMachine } from './state-machine';
export { sendTaskFailure, sendTaskHeartbeat, sendTaskSuccess } from './task-tokens';
export type {
  Execution,
  ExecutionResult,
  ExecutionStatus,
  HistoryEvent,
  StateMachineOptions,
  TaskHandler,
  TaskRequest,
} from './types';
export { parseDefinition, validateDefinition } from './validate';
