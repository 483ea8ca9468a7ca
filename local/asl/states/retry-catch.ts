/** Retry and Catch: matching error names, retry back-off, catchers and deferred failure events. */
import { type PendingFailedEvent, StateEvaluationError, StatesError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { MapState, ParallelState, TaskState } from '../model';
import { asStatesError, Interruption, sleep } from '../runtime';
import { exit } from './common';

/**
 * Whether a Retry/Catch ErrorEquals list matches `error`. `States.Runtime` is terminal: no retrier
 * or catcher matches it, not even one naming it, so the execution fails (AWS: a runtime error such
 * as an OutputPath that selects nothing cannot be caught). `States.TaskFailed` matches task errors
 * except `States.Timeout`; `States.BranchFailed` matches the error of a failed Parallel branch.
 */
export function errorMatches(errorEquals: readonly string[], error: StatesError | string): boolean {
  const name = typeof error === 'string' ? error : error.error;
  if (name === 'States.Runtime') return false;
  const fromBranch = typeof error !== 'string' && error.fromBranch;
  for (const candidate of errorEquals) {
    if (candidate === name) return true;
    if (candidate === 'States.ALL') return true;
    if (candidate === 'States.BranchFailed' && fromBranch) return true;
    if (candidate === 'States.TaskFailed' && name !== 'States.Timeout' && !name.startsWith('States.'))
      return true;
  }
  return false;
}

type Retryable = StateRun<TaskState | ParallelState | MapState>;

/** Runs `attempt` with the state's Retry policy; `attempt` receives the retry count. */
export async function withRetry<T>(run: Retryable, attempt: (retryCount: number) => Promise<T>): Promise<T> {
  const retriers = run.state.Retry;
  const counts = retriers.map(() => 0);
  const cfg = run.frame.run.config;
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await attempt(retryCount);
    } catch (thrown) {
      if (thrown instanceof Interruption || run.frame.signal.aborted) throw thrown;
      const error = asStatesError(thrown);
      const index = retriers.findIndex((r) => errorMatches(r.ErrorEquals, error));
      const retrier = retriers[index];
      if (retrier === undefined) throw error;
      const maxAttempts = retrier.MaxAttempts ?? 3;
      const done = counts[index]!;
      if (done >= maxAttempts) throw error;
      counts[index] = done + 1;
      const interval = retrier.IntervalSeconds ?? 1;
      const backoff = retrier.BackoffRate ?? 2;
      let delay = interval * backoff ** done;
      if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
      if (retrier.JitterStrategy === 'FULL') delay = cfg.random() * delay;
      await sleep(delay * 1000 * cfg.timeScale, run.frame.signal);
    }
  }
}

/** Marks a composite failure whose `<Type>StateFailed` event is due once retries are exhausted. */
export function withPendingEvent(error: unknown, event: PendingFailedEvent): unknown {
  if (error instanceof StatesError) error.pendingEvent = event;
  return error;
}

/** Runs a retried composite body; emits its deferred `<Type>StateFailed` event on final failure. */
export async function afterRetries<T>(run: StateRun, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof StatesError && error.pendingEvent !== undefined && !run.frame.signal.aborted) {
      run.frame.run.emit(run.frame, error.pendingEvent);
      error.pendingEvent = undefined;
    }
    throw error;
  }
}

/**
 * Adds AWS's "An error occurred while executing the state …" prefix to interpreter errors; a
 * States.QueryEvaluationError also records its EvaluationFailed event.
 */
export function prefixed(error: unknown, run: StateRun): unknown {
  if (!(error instanceof StateEvaluationError) || error.state !== undefined) return error;
  const wrapped = error.prefixedWith({ name: run.state.name, enteredId: run.enteredId });
  if (error.error === 'States.QueryEvaluationError') {
    const d: Record<string, unknown> = { cause: wrapped.cause, error: error.error };
    if (error.location !== undefined) d.location = error.location;
    d.state = run.state.name;
    const frame = run.frame;
    // AWS links EvaluationFailed to the event before the state was entered (Wait: to the entry).
    if (run.state.Type !== 'Wait' && frame.record && frame.prev === run.enteredId) {
      frame.prev = (frame.run.events[run.enteredId - 1]?.previousEventId as number | undefined) ?? frame.prev;
    }
    frame.run.emit(frame, 'EvaluationFailed', 'evaluationFailedEventDetails', d);
  }
  return wrapped;
}

/** Applies the first matching catcher, or rethrows. */
export async function withCatch(run: Retryable, body: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await body();
  } catch (thrown) {
    if (thrown instanceof Interruption || run.frame.signal.aborted) throw thrown;
    const error = asStatesError(prefixed(thrown, run));
    const catcher = run.state.Catch.find((c) => errorMatches(c.ErrorEquals, error));
    if (catcher === undefined) throw error;
    const finished = await run.flow.caught(run, catcher, { Error: error.error, Cause: error.cause ?? '' });
    return exit(run, finished, catcher.Next);
  }
}
