/**
 * Which InvokeEndpoint failures are worth another try, and how long to wait (SPEC §11.3):
 * throttling (observed as HTTP 400 `ThrottlingException`), `ModelNotReadyException` (429),
 * `ServiceUnavailable` (503), `InternalFailure` (500), `InternalDependencyException` (530), a
 * dropped connection, and a `ModelError` (424) whose container answered 5xx. A `ModelError` with a
 * 4xx original status is the container refusing the request: retrying sends the same bytes, so it
 * fails at once with the container's `OriginalMessage`. Waits are exponential with full jitter.
 */
import { EndpointInvocationError } from '../errors';

/** What a failed call looked like (the SDK's exception fields). */
interface InvokeFailure {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly OriginalStatusCode?: unknown;
  readonly OriginalMessage?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const RETRYABLE_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ModelNotReadyException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalDependencyException',
  'RequestTimeout',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** The verdict on one failure. */
export interface InvokeErrorVerdict {
  readonly retry: boolean;
  /** A short description for messages (`ModelError (container 503)`). */
  readonly reason: string;
}

/** Classifies an InvokeEndpoint failure. */
export function classifyInvokeError(error: unknown): InvokeErrorVerdict {
  const e = (typeof error === 'object' && error !== null ? error : {}) as InvokeFailure;
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (name === 'ModelError') {
    const original = Number(e.OriginalStatusCode);
    return { retry: original >= 500 && original < 600, reason: `ModelError (container ${original})` };
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (RETRYABLE_NAMES.has(name) || RETRYABLE_NAMES.has(code)) {
    return { retry: true, reason: status === undefined ? name : `${name} (HTTP ${status})` };
  }
  return { retry: false, reason: status === undefined ? name : `${name} (HTTP ${status})` };
}

/** The message a permanent failure reports: the container's own words for a ModelError. */
export function invokeErrorMessage(error: unknown): string {
  const e = (typeof error === 'object' && error !== null ? error : {}) as InvokeFailure;
  if (e.name === 'ModelError') {
    const original = typeof e.OriginalMessage === 'string' ? e.OriginalMessage : String(e.message ?? '');
    return `the container answered ${String(e.OriginalStatusCode)}: ${original}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Retry settings. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 8). */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms (default 100); doubles per attempt. */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 20 000). */
  readonly maxDelayMs?: number;
  /** Random source in [0, 1) for the jitter (tests). */
  readonly random?: () => number;
  /** Sleeps `ms` (tests replace it). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Full-jitter backoff before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 100;
  const max = options.maxDelayMs ?? 20_000;
  const ceiling = Math.min(max, base * 2 ** (attempt - 1));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Calls `call` until it succeeds, retrying transient failures with jittered backoff.
 *
 * @returns the result and how many retries it took.
 * @throws {EndpointInvocationError} for a permanent failure or when the attempts run out.
 */
export async function withInvokeRetries<T>(
  call: () => Promise<T>,
  what: string,
  options: RetryOptions = {},
): Promise<{ value: T; retries: number }> {
  const attempts = options.maxAttempts ?? 8;
  const sleep = options.sleep ?? realSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await call(), retries: attempt - 1 };
    } catch (error) {
      if (error instanceof EndpointInvocationError) throw error;
      const verdict = classifyInvokeError(error);
      if (!verdict.retry) {
        throw new EndpointInvocationError(`${what}: ${verdict.reason}: ${invokeErrorMessage(error)}`, {
          cause: error,
        });
      }
      if (attempt >= attempts) {
        throw new EndpointInvocationError(
          `${what}: still failing after ${attempts} attempts (${verdict.reason}): ${invokeErrorMessage(error)}`,
          { cause: error },
        );
      }
      await sleep(backoffDelay(attempt, options));
    }
  }
}
