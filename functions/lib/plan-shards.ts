/**
 * The shard planner of a scoring run: lists the input, splits big text objects into byte ranges that
 * start and end on record (line) boundaries — found with small ranged GETs around each cut, never by
 * reading the object — and writes the JSONL shard manifest the Distributed Map reads.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { parquetMetadataAsync } from 'hyparquet';
import { ObjectNotFoundError, ParquetFormatError, SparkmakerError } from '../../shared/errors';
import {
  encodeShardManifest,
  isDataKey,
  type ShardEntry,
  type ShardFormat,
  shardId,
} from '../../shared/partitions';
import {
  formatS3Uri,
  headObject,
  isPrefix,
  type ListedObject,
  listObjects,
  putObject,
  readObject,
  type S3Location,
  s3RangedBuffer,
} from '../../shared/s3';

/** The plan-shards payload, parsed. */
export interface PlanShardsRequest {
  readonly input: S3Location;
  readonly format: ShardFormat;
  readonly shardSizeBytes: number;
  readonly manifest: S3Location;
  /** Bytes fetched per probe when looking for the next newline (default 64 KiB; doubles as needed). */
  readonly probeBytes?: number;
}

/** The plan-shards result (docs/contracts.md); `bucket`/`key` locate the manifest for ItemReader. */
export interface PlanShardsResult {
  readonly manifestUri: string;
  readonly bucket: string;
  readonly key: string;
  readonly shards: number;
  readonly bytes: number;
}

const NEWLINE = 0x0a;

/**
 * The offset just after the first `\n` at or after `from`, or `size` when there is none: the start
 * of the first record that begins at or after `from`. Reads `probe` bytes at a time.
 */
export async function nextRecordStart(
  s3: S3Client,
  location: S3Location,
  from: number,
  size: number,
  probe: number,
): Promise<number> {
  let start = from;
  let length = probe;
  while (start < size) {
    const end = Math.min(start + length, size) - 1;
    const bytes = await readObject(s3, location, { start, end });
    const at = bytes.indexOf(NEWLINE);
    if (at >= 0) return start + at + 1;
    start = end + 1;
    length *= 2;
  }
  return size;
}

/**
 * Byte ranges of about `shardSize` bytes covering an object, each beginning at a record start. The
 * byte before each cut is examined too, so a cut that falls exactly after a newline stays there.
 */
export async function splitObject(
  s3: S3Client,
  location: S3Location,
  size: number,
  shardSize: number,
  probe: number,
): Promise<{ start: number; end: number }[]> {
  const ranges: { start: number; end: number }[] = [];
  let start = 0;
  while (start < size) {
    const cut = start + shardSize;
    const next = cut >= size ? size : await nextRecordStart(s3, location, cut - 1, size, probe);
    ranges.push({ start, end: next - 1 });
    start = next;
  }
  return ranges;
}

/**
 * Consecutive row groups of a Parquet object gathered into shards of about `shardSize` compressed
 * bytes (read from the footer with ranged GETs; a row group is never split).
 */
export async function rowGroupShards(
  s3: S3Client,
  location: S3Location,
  size: number,
  shardSize: number,
): Promise<{ start: number; end: number }[]> {
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    metadata = await parquetMetadataAsync(s3RangedBuffer(s3, location, size));
  } catch (error) {
    if (error instanceof SparkmakerError) throw error;
    throw new ParquetFormatError(
      `cannot read the Parquet footer: ${(error as Error).message}`,
      {
        source: formatS3Uri(location),
      },
      { cause: error },
    );
  }
  const shards: { start: number; end: number }[] = [];
  let start = 0;
  let bytes = 0;
  metadata.row_groups.forEach((group, i) => {
    bytes += Number(group.total_compressed_size ?? group.total_byte_size);
    if (bytes >= shardSize) {
      shards.push({ start, end: i });
      start = i + 1;
      bytes = 0;
    }
  });
  if (start < metadata.row_groups.length || shards.length === 0) {
    shards.push({ start, end: Math.max(start, metadata.row_groups.length - 1) });
  }
  return shards;
}

async function inputObjects(s3: S3Client, input: S3Location): Promise<ListedObject[]> {
  if (!isPrefix(input)) {
    const head = await headObject(s3, input);
    if (head === undefined)
      throw new ObjectNotFoundError(`scoring input ${formatS3Uri(input)} does not exist`);
    return [{ key: input.key, size: head.size, etag: head.etag }];
  }
  const objects: ListedObject[] = [];
  for await (const object of listObjects(s3, input)) {
    if (isDataKey(object.key.slice(input.key.length)) && object.size > 0) objects.push(object);
  }
  return objects;
}

/**
 * Plans the shards of a scoring input and writes the manifest.
 *
 * @throws {ObjectNotFoundError} when the input holds no data objects.
 */
export async function planShards(s3: S3Client, request: PlanShardsRequest): Promise<PlanShardsResult> {
  const probe = request.probeBytes ?? 64 * 1024;
  const objects = await inputObjects(s3, request.input);
  const entries: ShardEntry[] = [];
  let bytes = 0;
  for (const object of objects) {
    const location = { bucket: request.input.bucket, key: object.key };
    const source = formatS3Uri(location);
    bytes += object.size;
    if (request.format === 'parquet' && object.size > request.shardSizeBytes) {
      const groups = await rowGroupShards(s3, location, object.size, request.shardSizeBytes);
      for (const rowGroups of groups) {
        entries.push({
          shardId: shardId(entries.length),
          source,
          format: 'parquet',
          ...(groups.length > 1 ? { rowGroups } : {}),
        });
      }
      continue;
    }
    if (request.format === 'parquet' || object.size <= request.shardSizeBytes) {
      entries.push({ shardId: shardId(entries.length), source, format: request.format });
      continue;
    }
    for (const range of await splitObject(s3, location, object.size, request.shardSizeBytes, probe)) {
      entries.push({ shardId: shardId(entries.length), source, format: request.format, range });
    }
  }
  if (entries.length === 0) {
    throw new ObjectNotFoundError(`no data objects to score under ${formatS3Uri(request.input)}`);
  }
  await putObject(s3, request.manifest, encodeShardManifest(entries), 'application/x-ndjson');
  return {
    manifestUri: formatS3Uri(request.manifest),
    bucket: request.manifest.bucket,
    key: request.manifest.key,
    shards: entries.length,
    bytes,
  };
}
