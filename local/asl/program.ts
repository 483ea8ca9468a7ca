/**
 * The program runner: runs a program's states from StartAt to an end state, one state module per
 * state type, with the entered event, the context object and the error handling every state shares.
 */
import { flowFor } from './data-flow';
import { StatesError } from './errors';
import type { Engine, Outcome, StateRun } from './exec';
import type { Program, State } from './model';
import { toJson } from './payload';
import type { Frame } from './runtime';
import { runChoice } from './states/choice';
import { NOT_TRUNCATED } from './states/common';
import { runMap } from './states/map';
import { runParallel } from './states/parallel';
import { prefixed } from './states/retry-catch';
import { runFail, runPass, runSucceed } from './states/simple';
import { runTask } from './states/task';
import { runWait } from './states/wait';

/** Runs a program's states from StartAt to an end state; returns the last output. */
export async function runProgram(program: Program, input: unknown, frame: Frame): Promise<unknown> {
  let name = program.startAt;
  let current = input;
  for (;;) {
    const state = program.states.get(name);
    if (state === undefined) {
      throw new StatesError('States.Runtime', `The state '${name}' does not exist in the state machine.`);
    }
    const outcome = await runState(state, current, frame);
    if (outcome.next === undefined) return outcome.output;
    name = outcome.next;
    current = outcome.output;
  }
}

const engine: Engine = { runProgram };

/** Hands a state to its module. */
function dispatch(run: StateRun): Promise<Outcome> {
  const state = run.state;
  switch (state.Type) {
    case 'Pass':
      return runPass(run as StateRun<typeof state>);
    case 'Task':
      return runTask(run as StateRun<typeof state>);
    case 'Choice':
      return runChoice(run as StateRun<typeof state>);
    case 'Wait':
      return runWait(run as StateRun<typeof state>);
    case 'Succeed':
      return runSucceed(run as StateRun<typeof state>);
    case 'Fail':
      return runFail(run as StateRun<typeof state>);
    case 'Parallel':
      return runParallel(run as StateRun<typeof state>);
    case 'Map':
      return runMap(run as StateRun<typeof state>);
  }
}

async function runState(state: State, input: unknown, frame: Frame): Promise<Outcome> {
  if (frame.signal.aborted) throw frame.signal.reason;
  const inputJson = frame.record ? toJson(input) : '';
  const enteredId = frame.run.emit(frame, `${state.Type}StateEntered`, 'stateEnteredEventDetails', {
    name: state.name,
    input: inputJson,
    inputDetails: NOT_TRUNCATED,
  });
  const enteredTime = new Date().toISOString();
  const context: Record<string, unknown> = {
    ...frame.context,
    State:
      state.Type === 'Task'
        ? { EnteredTime: enteredTime, Name: state.name, RetryCount: 0 }
        : { EnteredTime: enteredTime, Name: state.name },
  };
  const flow = flowFor(state.language);
  const run: StateRun = { state, frame, input, inputJson, enteredId, context, flow, engine };
  try {
    return await dispatch(run);
  } catch (error) {
    const failure = prefixed(error, run);
    if (failure instanceof StatesError && failure.exitEvent !== undefined) {
      frame.run.emit(frame, failure.exitEvent);
      failure.exitEvent = undefined;
    }
    throw failure;
  }
}
