/**
 * Serialisers and deserialisers of the endpoint scoring mode, keyed by algorithm, as
 * sagemaker-spark pairs a `RequestRowSerializer` with a `ResponseRowDeserializer` per algorithm:
 * a codec turns feature rows into request bytes (one byte string per row, so a batcher can cut
 * requests between rows) and a response body back into one list of output columns per row.
 *
 * XGBoost 1.7-1 (SPEC §2–3): `text/csv` rows without a label (an empty field is missing), or
 * `text/libsvm` with 0-based indices; the realtime `text/csv` answer is one line per row, its values
 * joined by `,` (softprob: `p0,p1,p2`). Other algorithms plug in with {@link registerEndpointCodec}.
 */
import { EndpointInvocationError, InputValidationError } from '../errors';
import { concatBytes } from '../formats/bytes';
import { formatNumber } from '../formats/number';

/** Serialises rows for one algorithm and reads the endpoint's answers back. */
export interface EndpointCodec {
  /** The algorithm (`xgboost`, `kmeans`, …). */
  readonly algorithm: string;
  /** The request `Content-Type`. */
  readonly contentType: string;
  /** The request `Accept`. */
  readonly accept: string;
  /** Bytes a request adds around its rows (a JSON envelope; 0 for CSV, LibSVM and RecordIO). */
  readonly overheadBytes: number;
  /** One row (`width` values from `offset`, NaN = missing) as request bytes, its separator included. */
  encodeRow(values: ArrayLike<number>, offset: number, width: number): Uint8Array;
  /** The request body of consecutive encoded rows. */
  joinRows(rows: readonly Uint8Array[]): Uint8Array;
  /**
   * The output columns of each row of a response to `rows` rows, as text.
   *
   * @throws {EndpointInvocationError} when the answer does not hold one prediction per row.
   */
  decodeResponse(body: Uint8Array, rows: number): string[][];
  /** The output column names for predictions `width` columns wide. */
  columns(width: number): string[];
}

/** Builds a codec for a content type the algorithm accepts. */
export type EndpointCodecFactory = (contentType: string) => EndpointCodec;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Concatenates byte strings (the formats' own join). */
export { concatBytes };

/**
 * Splits a `text/csv` answer into lines of fields: one line per row, `\n`-terminated (the last
 * line break is optional).
 */
export function csvResponseColumns(body: Uint8Array, rows: number, algorithm: string): string[][] {
  const text = decoder.decode(body);
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  const lines = trimmed === '' ? [] : trimmed.split('\n');
  if (lines.length !== rows) {
    throw new EndpointInvocationError(
      `the ${algorithm} endpoint answered ${lines.length} predictions for ${rows} rows; cannot match them to the rows`,
    );
  }
  return lines.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line).split(','));
}

function scoreColumns(width: number): string[] {
  return width === 1 ? ['score'] : Array.from({ length: width }, (_, k) => `score_${k}`);
}

/** XGBoost `text/csv`: `v0,v1,…\n`, NaN as an empty field; shortest round-trip number text. */
function xgboostCsv(): EndpointCodec {
  return {
    algorithm: 'xgboost',
    contentType: 'text/csv',
    accept: 'text/csv',
    overheadBytes: 0,
    encodeRow(values, offset, width) {
      let line = '';
      for (let j = 0; j < width; j++) {
        if (j > 0) line += ',';
        line += formatNumber(values[offset + j] as number);
      }
      return encoder.encode(`${line}\n`);
    },
    joinRows: concatBytes,
    decodeResponse: (body, rows) => csvResponseColumns(body, rows, 'xgboost'),
    columns: scoreColumns,
  };
}

/** XGBoost `text/libsvm`: `0 i:v …\n` with 0-based indices, missing values left out (label ignored). */
function xgboostLibsvm(): EndpointCodec {
  return {
    ...xgboostCsv(),
    contentType: 'text/libsvm',
    encodeRow(values, offset, width) {
      let line = '0';
      for (let j = 0; j < width; j++) {
        const v = values[offset + j] as number;
        if (!Number.isNaN(v)) line += ` ${j}:${formatNumber(v)}`;
      }
      return encoder.encode(`${line}\n`);
    },
  };
}

const codecs = new Map<string, EndpointCodecFactory>();

/** Registers (or replaces) the codec factory of an algorithm. */
export function registerEndpointCodec(algorithm: string, factory: EndpointCodecFactory): void {
  codecs.set(algorithm, factory);
}

/** The algorithms with a registered codec. */
export function endpointAlgorithms(): string[] {
  return [...codecs.keys()].sort();
}

/**
 * The codec of `algorithm` for `contentType` (the algorithm's default when absent).
 *
 * @throws {InputValidationError} for an algorithm without a codec or a content type it does not take.
 *
 * @example
 * const codec = endpointCodec('xgboost', 'text/csv');
 * const body = codec.joinRows([codec.encodeRow([1, Number.NaN, 0.5], 0, 3)]); // '1,,0.5\n'
 */
export function endpointCodec(algorithm: string, contentType?: string): EndpointCodec {
  const factory = codecs.get(algorithm);
  if (factory === undefined) {
    throw new InputValidationError(
      `no endpoint serializer for algorithm '${algorithm}'; known: ${endpointAlgorithms().join(', ')}`,
      'endpoint.algorithm',
    );
  }
  return factory(contentType ?? '');
}

registerEndpointCodec('xgboost', (contentType) => {
  const base = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (base === '' || base === 'text/csv' || base === 'csv') return xgboostCsv();
  if (base === 'text/libsvm' || base === 'text/x-libsvm' || base === 'libsvm') return xgboostLibsvm();
  throw new InputValidationError(
    `content type '${contentType}' is not one the XGBoost endpoint codec sends: expected text/csv or text/libsvm`,
    'endpoint.contentType',
  );
});
