/**
 * The convert step: streams one feature object (or a byte range of a text object) from S3 through
 * shared/formats' conversion API into a SageMaker training format, writes the target only when the
 * whole conversion succeeded (one PutObject, or a multipart upload completed at the end), and writes
 * the rows that could not be converted, with their reasons, to a quarantine object outside the
 * training prefix (a SageMaker channel reads every object under its prefix).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { CsvFormatError, ObjectNotFoundError } from '../../shared/errors';
import {
  CONTENT_TYPES,
  Converter,
  type ConvertOptions,
  type ConvertOutput,
  type ConvertResult,
  convertParquet,
  type InputFormat,
  type OutputFormat,
} from '../../shared/formats/convert';
import {
  type ByteRange,
  formatS3Uri,
  headObject,
  ObjectWriter,
  readObject,
  readObjectChunks,
  type S3Location,
  s3RangedBuffer,
} from '../../shared/s3';
import { nextRecordStart } from './plan-shards';

/** The convert payload, parsed. */
export interface ConvertRequest {
  readonly source: S3Location;
  readonly target: S3Location;
  readonly to: OutputFormat;
  readonly from: InputFormat;
  readonly sparse: boolean;
  readonly label: string;
  readonly features?: readonly string[];
  readonly range?: { readonly start: number; readonly end: number };
  /** Where rejected rows go; default `quarantine/<target key>.jsonl` in the target's bucket. */
  readonly quarantine?: S3Location;
  /** Part size of the multipart upload for big outputs. */
  readonly partSizeBytes?: number;
}

/** The convert result (docs/contracts.md). */
export interface ConvertStepResult {
  readonly rows: number;
  readonly quarantined: number;
  readonly quarantineUri?: string;
  readonly target: string;
  readonly features: readonly string[];
}

/** The input format a key's extension implies (`.parquet`, `.json`/`.jsonl`, else CSV). */
export function inputFormatOf(key: string): InputFormat {
  const lower = key.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return 'csv';
}

/** The default quarantine location of a target. */
export function quarantineLocation(target: S3Location): S3Location {
  return { bucket: target.bucket, key: `quarantine/${target.key}.jsonl` };
}

async function csvHeader(s3: S3Client, source: S3Location): Promise<Uint8Array> {
  const head = await headObject(s3, source);
  if (head === undefined)
    throw new ObjectNotFoundError(`conversion source ${formatS3Uri(source)} does not exist`);
  const end = await nextRecordStart(s3, source, 0, head.size, 64 * 1024);
  if (end === 0) throw new CsvFormatError('no header row', { source: formatS3Uri(source), line: 1 });
  return readObject(s3, source, { start: 0, end: end - 1 });
}

/**
 * Converts one object (or byte range) and commits the target.
 *
 * @throws {ConversionError} when the columns cannot be chosen; FormatError subclasses for input
 *   malformed beyond one row; {@link ObjectNotFoundError} for a missing source.
 */
export async function convertObject(s3: S3Client, request: ConvertRequest): Promise<ConvertStepResult> {
  const sourceUri = formatS3Uri(request.source);
  const options: ConvertOptions = {
    from: request.from,
    to: request.to,
    label: request.label,
    sparse: request.sparse,
    source: sourceUri,
    ...(request.features === undefined ? {} : { features: request.features }),
  };
  const target = new ObjectWriter(s3, request.target, {
    contentType: CONTENT_TYPES[request.to],
    ...(request.partSizeBytes === undefined ? {} : { partSizeBytes: request.partSizeBytes }),
  });
  const quarantineTarget = request.quarantine ?? quarantineLocation(request.target);
  const quarantine = new ObjectWriter(s3, quarantineTarget, { contentType: 'application/x-ndjson' });
  const take = async (out: ConvertOutput): Promise<void> => {
    await target.write(out.output);
    await quarantine.write(out.quarantine);
  };
  let result: ConvertResult;
  try {
    if (request.from === 'parquet') {
      const head = await headObject(s3, request.source);
      if (head === undefined) throw new ObjectNotFoundError(`conversion source ${sourceUri} does not exist`);
      result = await convertParquet(s3RangedBuffer(s3, request.source, head.size), options, take);
    } else {
      const converter = new Converter(options);
      const range: ByteRange | undefined = request.range;
      if (request.from === 'csv' && range !== undefined && range.start > 0) {
        await take(converter.push(await csvHeader(s3, request.source)));
      }
      for await (const chunk of readObjectChunks(s3, request.source, range))
        await take(converter.push(chunk));
      const last = await converter.end();
      await take(last);
      result = last.result;
    }
    await target.close();
  } catch (error) {
    await target.abort();
    await quarantine.abort();
    throw error;
  }
  let quarantineUri: string | undefined;
  if (result.quarantined > 0) quarantineUri = (await quarantine.close()).uri;
  else await quarantine.abort();
  return {
    rows: result.rows,
    quarantined: result.quarantined,
    ...(quarantineUri === undefined ? {} : { quarantineUri }),
    target: formatS3Uri(request.target),
    features: result.features,
  };
}
