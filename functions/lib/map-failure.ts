/**
 * The first real error of a failed Distributed Map. When a Map Run fails on its tolerated failure
 * threshold, Step Functions reports `States.ExceedToleratedFailureThreshold`; the children's own
 * errors are only in the ResultWriter's `FAILED_<n>.json` files. This reads the first entry of the
 * first of those files (never the whole file: it can be far larger than a state's 256 KiB payload)
 * and returns its `Error` and `Cause`, the Lambda error envelope unwrapped to its message (no stack
 * trace) and the cause cut to {@link MAX_CAUSE_CHARS}. Without such a file it returns the Map's
 * own error unchanged.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { FirstArrayElement } from '../../shared/formats/json-array';
import { formatS3Uri, listObjects, readObjectChunks, type S3Location } from '../../shared/s3';

/** An ASL error: what a Catch's `$states.errorOutput` holds and a Fail state raises. */
export interface StateError {
  readonly Error: string;
  readonly Cause: string;
}

/** The request: where the Map wrote its results, and the error it failed with. */
export interface MapFailureRequest {
  /** The ResultWriter location: its bucket and `Prefix` (the Map Run's folder is below it). */
  readonly resultWriter: S3Location;
  /** The Map state's own error, returned when no failed child can be found. */
  readonly mapError: StateError;
}

/** The error to fail the run with, and where it was found. */
export interface MapFailure extends StateError {
  /** The `FAILED_<n>.json` the error was read from; absent when it is the Map's own error. */
  readonly source?: string;
}

/** The longest cause passed on (Step Functions allows 32,768 characters; events and terminals want less). */
export const MAX_CAUSE_CHARS = 4096;

const FAILED_FILE = /(?:^|\/)FAILED_(\d+)\.json$/;

/**
 * Cuts `text` to at most `max` characters, saying how much was cut.
 *
 * @example
 * ```ts
 * cut('x'.repeat(10), 8); // 'x… [2 more characters cut]' (at most 8 + the note)
 * ```
 */
export function cut(text: string, max = MAX_CAUSE_CHARS): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

/**
 * A child's cause as a person wants it: a Lambda error envelope (`{"errorType", "errorMessage",
 * "trace"}`) becomes its message, without the stack trace; anything else is kept, cut to size.
 */
export function readableCause(cause: string): string {
  if (cause.startsWith('{')) {
    try {
      const envelope = JSON.parse(cause) as { errorMessage?: unknown };
      if (typeof envelope.errorMessage === 'string') return cut(envelope.errorMessage);
    } catch {
      // not an envelope: keep the text
    }
  }
  return cut(cause);
}

/** The FAILED_<n>.json files under the ResultWriter prefix, lowest n first. */
async function failedFiles(s3: S3Client, prefix: S3Location): Promise<string[]> {
  const found: { key: string; index: number }[] = [];
  for await (const object of listObjects(s3, prefix)) {
    const match = FAILED_FILE.exec(object.key);
    if (match !== null && object.size > 0) found.push({ key: object.key, index: Number(match[1]) });
  }
  found.sort((a, b) => a.index - b.index || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return found.map((f) => f.key);
}

/** The first entry of a ResultWriter file, read from its leading bytes only. */
async function firstEntry(s3: S3Client, location: S3Location): Promise<unknown> {
  const scanner = new FirstArrayElement({ source: formatS3Uri(location) });
  const chunks = readObjectChunks(s3, location);
  for await (const chunk of chunks) {
    if (scanner.push(chunk)) {
      await chunks.return(undefined);
      break;
    }
  }
  return scanner.value();
}

/**
 * Finds the first failed child of a Map Run and returns its error, or the Map's own error.
 *
 * @throws the S3 errors of listing and reading ({@link TransientError} on throttling), and
 *   {@link JsonLinesFormatError} for a result file that is not a JSON array.
 */
export async function firstMapFailure(s3: S3Client, request: MapFailureRequest): Promise<MapFailure> {
  for (const key of await failedFiles(s3, request.resultWriter)) {
    const location = { bucket: request.resultWriter.bucket, key };
    const entry = (await firstEntry(s3, location)) as { Error?: unknown; Cause?: unknown } | undefined;
    if (entry === undefined || typeof entry.Error !== 'string' || entry.Error === '') continue;
    return {
      Error: entry.Error,
      Cause: typeof entry.Cause === 'string' ? readableCause(entry.Cause) : '',
      source: formatS3Uri(location),
    };
  }
  return { Error: request.mapError.Error, Cause: cut(request.mapError.Cause) };
}
