/**
 * Task tokens of `.waitForTaskToken` tasks waiting for SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat. Process-wide, as task tokens are in Step Functions.
 */
import { StatesError } from './errors';

interface Waiter {
  resolve(output: unknown): void;
  reject(error: StatesError): void;
  heartbeat(): void;
}

const waiters = new Map<string, Waiter>();

/** Registers `token` and returns the promise its callback settles. */
export function waitForToken(
  token: string,
  heartbeat: () => void,
): { promise: Promise<unknown>; cancel(): void } {
  let waiter!: Waiter;
  const promise = new Promise<unknown>((resolve, reject) => {
    waiter = { resolve, reject, heartbeat };
  });
  promise.catch(() => undefined);
  waiters.set(token, waiter);
  return { promise, cancel: () => waiters.delete(token) };
}

function take(token: string): Waiter {
  const waiter = waiters.get(token);
  if (waiter === undefined) {
    throw new StatesError(
      'TaskDoesNotExist',
      `No task is waiting for the task token '${token}' (invalid, or the task has ended).`,
    );
  }
  return waiter;
}

/** SendTaskSuccess: completes the waiting task with `output`. Throws `TaskDoesNotExist` for an unknown token. */
export function sendTaskSuccess(token: string, output: unknown): void {
  take(token).resolve(output);
  waiters.delete(token);
}

/** SendTaskFailure: fails the waiting task with `error` / `cause`. */
export function sendTaskFailure(token: string, error?: string, cause?: string): void {
  take(token).reject(new StatesError(error ?? '', cause));
  waiters.delete(token);
}

/** SendTaskHeartbeat: resets the waiting task's HeartbeatSeconds timer. */
export function sendTaskHeartbeat(token: string): void {
  take(token).heartbeat();
}
