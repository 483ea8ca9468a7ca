/**
 * The files a Distributed Map's `ResultWriter` leaves in S3 (SPEC §7.3): `manifest.json`
 * `{DestinationBucket, MapRunArn, ResultFiles:{SUCCEEDED|FAILED|PENDING:[{Key, Size}]}}` and result
 * files `SUCCEEDED_n.json` / `FAILED_n.json` / `PENDING_n.json`, each a JSON array of child execution
 * records whose `Input` and `Output` are JSON-encoded strings (`Transformation: NONE`), or of bare
 * outputs (`COMPACT`).
 */
import { JsonLinesFormatError } from '../errors';

/** One result file listed by the manifest. */
export interface ResultFileRef {
  readonly key: string;
  readonly size: number;
}

/** The parsed `manifest.json`. */
export interface ResultWriterManifest {
  readonly destinationBucket: string;
  readonly mapRunArn: string;
  readonly succeeded: readonly ResultFileRef[];
  readonly failed: readonly ResultFileRef[];
  readonly pending: readonly ResultFileRef[];
}

/** One child execution in a result file. */
export interface ChildExecutionRecord {
  readonly status: string;
  /** The child's input, decoded from JSON when it was a string. */
  readonly input: unknown;
  /** The child's output, decoded from JSON when it was a string. */
  readonly output: unknown;
  readonly error?: string;
  readonly cause?: string;
}

function fail(message: string, source: string, field?: string): never {
  throw new JsonLinesFormatError(message, field === undefined ? { source } : { source, field });
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonLinesFormatError('expected a JSON document', { source }, { cause: error });
  }
}

function refs(value: unknown, source: string, field: string): ResultFileRef[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail('expected an array of {Key, Size}', source, field);
  return value.map((item, i) => {
    const r = item as { Key?: unknown; Size?: unknown } | null;
    if (typeof r?.Key !== 'string') fail('expected {Key: string, Size: number}', source, `${field}[${i}]`);
    return { key: r.Key as string, size: typeof r.Size === 'number' ? r.Size : 0 };
  });
}

/** Parses a ResultWriter `manifest.json`. */
export function parseResultWriterManifest(text: string, source: string): ResultWriterManifest {
  const value = parseJson(text, source) as Record<string, unknown> | null;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('expected a JSON object', source);
  const files = (value.ResultFiles ?? {}) as Record<string, unknown>;
  if (typeof files !== 'object' || files === null) fail('expected an object', source, 'ResultFiles');
  return {
    destinationBucket: typeof value.DestinationBucket === 'string' ? value.DestinationBucket : '',
    mapRunArn: typeof value.MapRunArn === 'string' ? value.MapRunArn : '',
    succeeded: refs(files.SUCCEEDED, source, 'ResultFiles.SUCCEEDED'),
    failed: refs(files.FAILED, source, 'ResultFiles.FAILED'),
    pending: refs(files.PENDING, source, 'ResultFiles.PENDING'),
  };
}

function decoded(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * Parses a result file. `status` is what the file's records say, or `fallbackStatus` (from the file's
 * name: SUCCEEDED / FAILED / PENDING) for COMPACT files whose records are bare outputs.
 */
export function parseResultFile(
  text: string,
  source: string,
  fallbackStatus: string,
): ChildExecutionRecord[] {
  const value = parseJson(text, source);
  if (!Array.isArray(value)) fail('expected a JSON array of child execution records', source);
  return value.map((item) => {
    const record = item as Record<string, unknown> | null;
    const isExecution =
      typeof record === 'object' && record !== null && ('ExecutionArn' in record || 'Status' in record);
    if (!isExecution) return { status: fallbackStatus, input: undefined, output: item };
    const base = {
      status: typeof record.Status === 'string' ? record.Status : fallbackStatus,
      input: decoded(record.Input),
      output: decoded(record.Output),
    };
    return {
      ...base,
      ...(typeof record.Error === 'string' ? { error: record.Error } : {}),
      ...(typeof record.Cause === 'string' ? { cause: record.Cause } : {}),
    };
  });
}
