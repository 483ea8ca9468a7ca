/**
 * The endpoint scoring mode's shared code: per-algorithm serialisers ({@link endpointCodec}), the
 * size-capped request batcher ({@link planRequests}), the retry policy of InvokeEndpoint
 * ({@link withInvokeRetries}) and the whole round trip ({@link invokeRows}).
 */

export {
  DEFAULT_MAX_REQUEST_BYTES,
  INVOKE_ENDPOINT_MAX_BODY_BYTES,
  type PlanOptions,
  planRequests,
  type RequestSpan,
} from './batcher';
export {
  concatBytes,
  csvResponseColumns,
  type EndpointCodec,
  type EndpointCodecFactory,
  endpointAlgorithms,
  endpointCodec,
  registerEndpointCodec,
} from './codec';
export { type InvokeOptions, type InvokeResult, invokeRows, type RowBlock } from './invoke';
export {
  backoffDelay,
  classifyInvokeError,
  type InvokeErrorVerdict,
  invokeErrorMessage,
  type RetryOptions,
  withInvokeRetries,
} from './retry';
