/**
 * The XGBoost 1.7-1 inference container as batch transform calls it (`SAGEMAKER_BATCH` set,
 * SPEC §2–3): parse one request body in its content type (`text/csv` without a label, empty field
 * = missing; `text/libsvm` with 0-based indices, label token ignored; RecordIO-protobuf `values`
 * tensors), predict with `best_ntree_limit`, answer `"\n".join(str(p)) + "\n"` whatever Accept is.
 */
import {
  decodeRecordIO,
  LibSvmReader,
  NumericCsvReader,
  recordFeatures,
  utf8Text,
} from '../../../shared/formats';
import { formatBatchTransform, type XGBoostModel } from '../../../shared/model';

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

/** Parses a request body into dense float32 rows of the model's width. */
export function parseRequest(
  body: Uint8Array,
  contentType: string,
  numFeature: number,
): { x: Float32Array; rows: number } {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  const rows: Array<(x: Float32Array, offset: number) => void> = [];
  const check = (width: number, line: number): void => {
    if (width > numFeature) {
      throw new InvocationError(
        `Feature size of the request (${width} at record ${line}) is larger than the model's number of features (${numFeature})`,
      );
    }
  };
  if (type === 'text/csv' || type === 'csv') {
    const text = utf8Text(body);
    const first = text.split('\n', 1)[0] ?? '';
    const delimiter = first.includes(',')
      ? ','
      : first.includes('\t')
        ? '\t'
        : first.includes(';')
          ? ';'
          : ',';
    let batch: ReturnType<NumericCsvReader['push']>;
    try {
      const reader = new NumericCsvReader({ delimiter, source: 'request body' });
      const a = reader.push(body);
      const b = reader.end();
      batch = a.rows === 0 ? b : b.rows === 0 ? a : mergeBatches(a, b);
    } catch (error) {
      throw new InvocationError(
        `Loading csv data failed with Exception, please ensure data is in csv format:\n ${(error as Error).message}`,
        415,
      );
    }
    const { width, values } = batch;
    check(width, 1);
    for (let r = 0; r < batch.rows; r++) {
      rows.push((x, offset) => {
        for (let c = 0; c < width; c++) x[offset + c] = values[r * width + c]!;
      });
    }
  } else if (type === 'text/libsvm' || type === 'text/x-libsvm' || type === 'libsvm') {
    try {
      const reader = new LibSvmReader({ indexBase: 0, hasLabel: false, source: 'request body' });
      for (const row of [...reader.push(body), ...reader.end()]) {
        const max = row.indices.reduce((m, i) => Math.max(m, i + 1), 0);
        check(max, row.line);
        rows.push((x, offset) => {
          row.indices.forEach((i, k) => {
            x[offset + i] = row.values[k]!;
          });
        });
      }
    } catch (error) {
      if (error instanceof InvocationError) throw error;
      throw new InvocationError(
        `Loading libsvm data failed with Exception, please ensure data is in libsvm format:\n ${(error as Error).message}`,
        415,
      );
    }
  } else if (type === 'application/x-recordio-protobuf' || type === 'recordio-protobuf') {
    try {
      decodeRecordIO(body, { source: 'request body' }).forEach((record, i) => {
        const features = recordFeatures(record);
        if (features.kind === 'dense') {
          check(features.values.length, i + 1);
          rows.push((x, offset) => {
            for (let c = 0; c < features.values.length; c++) x[offset + c] = features.values[c]!;
          });
        } else {
          check(features.size, i + 1);
          rows.push((x, offset) => {
            features.indices.forEach((idx, k) => {
              x[offset + idx] = features.values[k]!;
            });
          });
        }
      });
    } catch (error) {
      if (error instanceof InvocationError) throw error;
      throw new InvocationError(
        `Loading recordio-protobuf data failed with Exception:\n ${(error as Error).message}`,
        415,
      );
    }
  } else {
    throw new InvocationError(`Content type ${contentType} is not supported by the XGBoost container`, 415);
  }
  const x = new Float32Array(rows.length * numFeature).fill(Number.NaN);
  rows.forEach((fill, r) => {
    fill(x, r * numFeature);
  });
  return { x, rows: rows.length };
}

function mergeBatches(
  a: ReturnType<NumericCsvReader['push']>,
  b: ReturnType<NumericCsvReader['push']>,
): ReturnType<NumericCsvReader['push']> {
  const values = new Float64Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  const lines = new Int32Array(a.rows + b.rows);
  lines.set(a.lines);
  lines.set(b.lines, a.rows);
  return { rows: a.rows + b.rows, width: a.width, values, lines, rejected: [] };
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
