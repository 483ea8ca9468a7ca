/**
 * Scores rows through an endpoint: serialise each row with the algorithm's codec, cut requests under
 * the cap ({@link planRequests}), send them with InvokeEndpoint (a few in flight, each retried on
 * transient failures), and put the answers back in input order.
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { planRequests } from './batcher';
import type { EndpointCodec } from './codec';
import { type RetryOptions, withInvokeRetries } from './retry';

/** Where and how to send rows. */
export interface InvokeOptions {
  readonly endpointName: string;
  readonly codec: EndpointCodec;
  /** The request body cap in bytes. */
  readonly maxRequestBytes: number;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
  /** Names row `i` of the block in errors (default `row <i+1>`). */
  readonly describeRow?: (index: number) => string;
}

/** Rows to score: `rows × width` values, row-major, NaN = missing. */
export interface RowBlock {
  readonly values: ArrayLike<number>;
  readonly rows: number;
  readonly width: number;
}

/** The answers, one list of output columns per input row, and what it took. */
export interface InvokeResult {
  readonly columns: string[][];
  readonly requests: number;
  readonly retries: number;
  readonly bytes: number;
}

/**
 * Scores a block of rows on an endpoint.
 *
 * @throws {EndpointPayloadError} when one row alone is over the cap (nothing is sent).
 * @throws {EndpointInvocationError} when a request fails for good.
 *
 * @example
 * const result = await invokeRows(client, { endpointName: 'sm-run', codec: endpointCodec('xgboost'),
 *   maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES }, { values, rows: 2, width: 3 });
 * result.columns; // [['0.53…'], ['0.12…']]
 */
export async function invokeRows(
  client: SageMakerRuntimeClient,
  options: InvokeOptions,
  block: RowBlock,
): Promise<InvokeResult> {
  const { codec } = options;
  const encoded: Uint8Array[] = new Array(block.rows);
  const sizes = new Int32Array(block.rows);
  for (let r = 0; r < block.rows; r++) {
    encoded[r] = codec.encodeRow(block.values, r * block.width, block.width);
    sizes[r] = (encoded[r] as Uint8Array).length;
  }
  const spans = planRequests(sizes, {
    maxBytes: options.maxRequestBytes,
    overheadBytes: codec.overheadBytes,
    ...(options.describeRow === undefined ? {} : { describeRow: options.describeRow }),
  });
  const columns: string[][] = new Array(block.rows);
  let retries = 0;
  let bytes = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < spans.length) {
      const span = spans[next++]!;
      const body = codec.joinRows(encoded.slice(span.start, span.end));
      bytes += body.length;
      const first = options.describeRow?.(span.start) ?? `row ${span.start + 1}`;
      const { value, retries: tried } = await withInvokeRetries(
        () =>
          client.send(
            new InvokeEndpointCommand({
              EndpointName: options.endpointName,
              Body: body,
              ContentType: codec.contentType,
              Accept: codec.accept,
            }),
          ),
        `endpoint ${options.endpointName}, request of ${span.end - span.start} rows from ${first}`,
        options.retry,
      );
      retries += tried;
      const answer = codec.decodeResponse(value.Body ?? new Uint8Array(), span.end - span.start);
      for (let i = 0; i < answer.length; i++) columns[span.start + i] = answer[i] as string[];
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency ?? 4, spans.length));
  await Promise.all(Array.from({ length: lanes }, worker));
  return { columns, requests: spans.length, retries, bytes };
}
