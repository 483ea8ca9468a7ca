/** Task: calls the handler registered for its Resource, with timeouts, heartbeats, task tokens and history. */
import { randomUUID } from 'node:crypto';
import { StatesError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { TaskState } from '../model';
import { toJson } from '../payload';
import { asStatesError, childController, Interruption, raceSignal } from '../runtime';
import { waitForToken } from '../task-tokens';
import { exit, MAX_PAYLOAD_BYTES, NOT_TRUNCATED } from './common';
import { withCatch, withRetry } from './retry-catch';

const LAMBDA_ARN = /^arn:[^:]+:lambda:/;

/** `resourceType` and `resource` as TaskScheduled shows them (`lambda` / `invoke`). */
export function splitResource(resource: string): { resourceType: string; resource: string } {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(resource);
  if (!m) return { resourceType: 'unknown', resource };
  const parts = m[1]!.split(':');
  const last = parts.pop() ?? '';
  return { resourceType: parts.join(':'), resource: last };
}

/** One call of a task's handler, as evaluated before its retries. */
interface Call {
  readonly resource: string;
  readonly parameters: unknown;
  readonly timeoutSeconds?: number;
  readonly heartbeatSeconds?: number;
  readonly credentials?: unknown;
}

export async function runTask(run: StateRun<TaskState>): Promise<Outcome> {
  const { state, flow } = run;
  return withCatch(run, async () => {
    if (state.Resource.endsWith('.waitForTaskToken')) run.context.Task = { Token: randomUUID() };
    const effective = flow.effectiveInput(run);
    const parameters = await flow.parameters(run, effective, state);
    // A literal ARN, or (JSONata) an expression giving one.
    const resource = String((await flow.field(run, state, 'Resource', effective))?.value);
    const timeout = await flow.field(run, state, 'TimeoutSeconds', effective);
    const heartbeat = await flow.field(run, state, 'HeartbeatSeconds', effective);
    const credentials =
      state.Credentials === undefined
        ? undefined
        : await flow.evaluate(run, state.Credentials, 'Credentials', effective);
    const call: Call = {
      resource,
      parameters,
      ...(timeout !== undefined ? { timeoutSeconds: timeout.value as number } : {}),
      ...(heartbeat !== undefined ? { heartbeatSeconds: heartbeat.value as number } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
    };
    const result = await withRetry(run, (retryCount) => invokeTask(run, call, retryCount));
    return exit(run, await flow.finishWithResult(run, result));
  });
}

function emitScheduled(run: StateRun<TaskState>, call: Call, isLambda: boolean): void {
  const frame = run.frame;
  if (isLambda) {
    const d: Record<string, unknown> = {
      input: frame.record ? toJson(call.parameters) : '',
      inputDetails: NOT_TRUNCATED,
      resource: call.resource,
    };
    if (call.timeoutSeconds !== undefined) d.timeoutInSeconds = call.timeoutSeconds;
    frame.run.emit(frame, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', d);
    frame.run.emit(frame, 'LambdaFunctionStarted');
    return;
  }
  const split = splitResource(call.resource);
  const d: Record<string, unknown> = {
    resourceType: split.resourceType,
    resource: split.resource,
    region: frame.run.config.region,
    parameters: frame.record ? toJson(call.parameters) : '',
  };
  if (call.timeoutSeconds !== undefined) d.timeoutInSeconds = call.timeoutSeconds;
  if (call.heartbeatSeconds !== undefined) d.heartbeatInSeconds = call.heartbeatSeconds;
  frame.run.emit(frame, 'TaskScheduled', 'taskScheduledEventDetails', d);
  frame.run.emit(frame, 'TaskStarted', 'taskStartedEventDetails', split);
}

function emitEnded(
  run: StateRun<TaskState>,
  call: Call,
  isLambda: boolean,
  outcome: { output: string } | StatesError,
) {
  const frame = run.frame;
  const split = splitResource(call.resource);
  const d: Record<string, unknown> = isLambda
    ? {}
    : { resourceType: split.resourceType, resource: split.resource };
  let kind = 'Succeeded';
  if (outcome instanceof StatesError) {
    const timedOut = outcome.error === 'States.Timeout' || outcome.error === 'States.HeartbeatTimeout';
    kind = timedOut ? 'TimedOut' : 'Failed';
    d.error = outcome.error;
    if (outcome.cause !== undefined) d.cause = outcome.cause;
  } else {
    d.output = frame.record ? outcome.output : '';
    d.outputDetails = NOT_TRUNCATED;
  }
  const type = isLambda ? `LambdaFunction${kind}` : `Task${kind}`;
  frame.run.emit(frame, type, `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`, d);
}

async function invokeTask(run: StateRun<TaskState>, call: Call, retryCount: number): Promise<unknown> {
  const frame = run.frame;
  const cfg = frame.run.config;
  const { resource } = call;
  const isLambda = LAMBDA_ARN.test(resource);
  const taskToken = resource.endsWith('.waitForTaskToken')
    ? ((run.context.Task as { Token?: string } | undefined)?.Token ?? randomUUID())
    : undefined;
  const state = run.context.State as Record<string, unknown>;
  const context: Record<string, unknown> = { ...run.context, State: { ...state, RetryCount: retryCount } };
  if (taskToken !== undefined) context.Task = { Token: taskToken };
  emitScheduled(run, call, isLambda);
  const handler = cfg.registry.resolve(resource);
  const controller = childController(frame.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const armHeartbeat = () => {
    if (call.heartbeatSeconds === undefined || settled) return;
    if (heartbeatTimer !== undefined) clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(
      () => controller.abort(new StatesError('States.HeartbeatTimeout')),
      call.heartbeatSeconds * 1000 * cfg.timeScale,
    );
  };
  try {
    if (handler === undefined) {
      throw new StatesError('States.TaskFailed', `No handler is registered for the resource '${resource}'.`);
    }
    if (call.timeoutSeconds !== undefined) {
      timer = setTimeout(
        () => controller.abort(new StatesError('States.Timeout')),
        call.timeoutSeconds * 1000 * cfg.timeScale,
      );
    }
    armHeartbeat();
    const request = {
      resource,
      input: call.parameters,
      signal: controller.signal,
      heartbeat: armHeartbeat,
      context,
      ...(taskToken !== undefined ? { taskToken } : {}),
      ...(call.credentials !== undefined ? { credentials: call.credentials } : {}),
    };
    let result: unknown;
    if (taskToken !== undefined) {
      const callback = waitForToken(taskToken, armHeartbeat);
      try {
        await raceSignal(handler(request), controller.signal);
        result = await raceSignal(callback.promise, controller.signal);
      } finally {
        callback.cancel();
      }
    } else {
      result = await raceSignal(handler(request), controller.signal);
    }
    const text = JSON.stringify(result ?? null);
    if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
      const split = splitResource(resource);
      throw new StatesError(
        'States.DataLimitExceeded',
        `The state/task '${isLambda || split.resourceType === 'unknown' ? run.state.name : split.resourceType}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    emitEnded(run, call, isLambda, { output: text });
    return result === undefined ? null : result;
  } catch (thrown) {
    if (thrown instanceof Interruption) throw thrown;
    if (frame.signal.aborted) throw frame.signal.reason;
    const error = asStatesError(thrown);
    emitEnded(run, call, isLambda, error);
    throw error;
  } finally {
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    if (heartbeatTimer !== undefined) clearTimeout(heartbeatTimer);
    if (!controller.signal.aborted) controller.abort(new Interruption('CANCELLED'));
  }
}
