/**
 * The XGBoost 1.7-1 inference container as batch transform calls it (`SAGEMAKER_BATCH` set,
 * SPEC §2–3): parse one request body in its content type (`text/csv` without a label, empty field
 * = missing; `text/libsvm` with 0-based indices, label token ignored; RecordIO-protobuf `values`
 * tensors), predict with `best_ntree_limit`, answer `"\n".join(str(p)) + "\n"` whatever Accept is.
 */
import {
  formatBatchTransform,
  normalizeContentType,
  type ScoringContentType,
  scoringRows,
  type XGBoostModel,
} from '../../../shared/model';

/** The container refused a request (HTTP 4xx): unsupported content type, unparsable body, too many features. */
export class InvocationError extends Error {
  constructor(
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'InvocationError';
  }
}

/** The container's `MAX_CONTENT_LENGTH`: 6 MiB. */
export const MAX_CONTENT_LENGTH = 6291456;

/**
 * Parses a request body into dense float32 rows of the model's width, with the scorer's readers
 * (`shared/model`), and answers as the container does: 415 for an unsupported content type or an
 * unparsable body, 400 for rows wider than the model. (The container sniffs the CSV delimiter;
 * here it is always a comma.)
 */
export function parseRequest(
  body: Uint8Array,
  contentType: string,
  numFeature: number,
): { x: Float32Array; rows: number } {
  let type: ScoringContentType;
  try {
    type = normalizeContentType(contentType);
  } catch {
    throw new InvocationError(`Content type ${contentType} is not supported by the XGBoost container`, 415);
  }
  try {
    return scoringRows(body, type, numFeature, 'request body');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('number of features in booster')) {
      throw new InvocationError(`Feature size of the request is larger than the model's: ${message}`);
    }
    const format = type === 'text/csv' ? 'csv' : type === 'text/libsvm' ? 'libsvm' : 'recordio-protobuf';
    throw new InvocationError(
      `Loading ${format} data failed with Exception, please ensure data is in ${format} format:\n ${message}`,
      415,
    );
  }
}

/** One batch-transform invocation: the response body the container returns. */
export function invokeBatch(model: XGBoostModel, body: Uint8Array, contentType: string): string {
  if (body.length > MAX_CONTENT_LENGTH) {
    throw new InvocationError(
      `request body of ${body.length} bytes exceeds the container's limit of ${MAX_CONTENT_LENGTH}`,
      413,
    );
  }
  const { x, rows } = parseRequest(body, contentType, model.numFeature);
  if (rows === 0) return '';
  return formatBatchTransform(model.predict(x, rows));
}
