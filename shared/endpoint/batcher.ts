/**
 * Cuts a run of serialised rows into InvokeEndpoint requests whose bodies stay at or under a byte
 * cap, as sagemaker-spark's `RequestBatchIterator` does (default 5 MiB; the service's own limit is
 * 6 MiB, SPEC §11.3). Rows keep their order; a request never splits a row.
 */
import { EndpointPayloadError } from '../errors';

/** Default request cap: 5 MiB, sagemaker-spark's `RequestBatchIterator` size. */
export const DEFAULT_MAX_REQUEST_BYTES = 5 * 1024 * 1024;

/** InvokeEndpoint's body limit: 6 MiB (botocore `sagemaker-runtime` `BodyBlob.max`). */
export const INVOKE_ENDPOINT_MAX_BODY_BYTES = 6291456;

/** One request: rows `start` (inclusive) to `end` (exclusive), `bytes` long with the overhead. */
export interface RequestSpan {
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
}

/** Options of {@link planRequests}. */
export interface PlanOptions {
  /** The body cap in bytes. */
  readonly maxBytes: number;
  /** Bytes every request adds around its rows (a JSON envelope). */
  readonly overheadBytes?: number;
  /** Names row `i` in an error (e.g. `s3://b/k line 17`); default `row <i+1>`. */
  readonly describeRow?: (index: number) => string;
}

/**
 * Groups rows of the given serialised sizes into consecutive requests of at most `maxBytes`.
 *
 * @throws {EndpointPayloadError} naming the row when one row alone is larger than the cap.
 *
 * @example
 * planRequests([3, 3, 3], { maxBytes: 6 }); // [{start: 0, end: 2, bytes: 6}, {start: 2, end: 3, bytes: 3}]
 */
export function planRequests(sizes: ArrayLike<number>, options: PlanOptions): RequestSpan[] {
  const overhead = options.overheadBytes ?? 0;
  const cap = options.maxBytes;
  if (!(Number.isInteger(cap) && cap > overhead)) {
    throw new RangeError(`the request cap must be an integer above ${overhead} bytes, got ${cap}`);
  }
  const spans: RequestSpan[] = [];
  let start = 0;
  let bytes = overhead;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    if (size + overhead > cap) {
      const row = options.describeRow?.(i) ?? `row ${i + 1}`;
      throw new EndpointPayloadError(
        `${row} serialises to ${size} bytes, more than one InvokeEndpoint request may carry (${cap - overhead} bytes under the ${cap}-byte cap); no request can hold it`,
      );
    }
    if (i > start && bytes + size > cap) {
      spans.push({ start, end: i, bytes });
      start = i;
      bytes = overhead;
    }
    bytes += size;
  }
  if (sizes.length > start) spans.push({ start, end: sizes.length, bytes });
  return spans;
}
