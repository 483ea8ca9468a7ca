/**
 * The commit step of a scoring run: reads the Distributed Map's ResultWriter output (SPEC §7.3),
 * checks that every shard's part file exists, deletes every other `part-*` of the partition (an
 * earlier run's, or a failed shard's), writes `dt=<dt>/_manifest.json` always and `_SUCCESS` only
 * when every planned shard succeeded, and lists the failed shards.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ChildExecutionRecord,
  checkDt,
  isShardId,
  parseResultFile,
  parseResultWriterManifest,
  partitionFileKey,
  type RunManifest,
  type ShardResult,
  shardId,
} from '../../shared/partitions';
import {
  deleteObject,
  formatS3Uri,
  headObject,
  listObjects,
  putJson,
  putObject,
  readObjectText,
  type S3Location,
} from '../../shared/s3';

/** The commit-scores payload, parsed. */
export interface CommitRequest {
  readonly runId: string;
  readonly output: S3Location;
  readonly dt: string;
  readonly resultWriter: S3Location;
  /** Shards planned: a count (ids `00000`…) or the ids themselves. */
  readonly shards: number | readonly string[];
}

/** The commit-scores result (docs/contracts.md). */
export interface CommitResult {
  readonly status: 'COMPLETE' | 'PARTIAL';
  readonly rows: number;
  readonly failedShards: string[];
  readonly manifestUri: string;
}

function shardResults(output: unknown): ShardResult[] {
  const value = (output as { Payload?: unknown } | null)?.Payload ?? output;
  const shards = (value as { shards?: unknown } | null)?.shards;
  if (!Array.isArray(shards)) return [];
  return shards.filter(
    (s): s is ShardResult =>
      typeof s === 'object' &&
      s !== null &&
      isShardId((s as ShardResult).shardId) &&
      typeof (s as ShardResult).outputKey === 'string' &&
      Number.isSafeInteger((s as ShardResult).rows),
  );
}

function inputShardIds(record: ChildExecutionRecord): string[] {
  const items = (record.input as { Items?: unknown } | null)?.Items;
  const list = Array.isArray(items) ? items : [record.input];
  return list.map((item) => (item as { shardId?: unknown } | null)?.shardId).filter(isShardId);
}

async function readRecords(s3: S3Client, bucket: string, keys: readonly { key: string }[], status: string) {
  const records: ChildExecutionRecord[] = [];
  for (const { key } of keys) {
    const location = { bucket, key };
    records.push(...parseResultFile(await readObjectText(s3, location), formatS3Uri(location), status));
  }
  return records;
}

/**
 * Commits a scoring run's partition.
 *
 * @example
 * ```ts
 * await commitScores(s3, { runId, output: parseS3Uri(outputUri), dt, resultWriter: { bucket, key }, shards: 12 });
 * ```
 */
export async function commitScores(s3: S3Client, request: CommitRequest): Promise<CommitResult> {
  const dt = checkDt(request.dt);
  const manifestUriOfMap = formatS3Uri(request.resultWriter);
  const manifest = parseResultWriterManifest(
    await readObjectText(s3, request.resultWriter),
    manifestUriOfMap,
  );
  const bucket = manifest.destinationBucket || request.resultWriter.bucket;

  const expected =
    typeof request.shards === 'number'
      ? Array.from({ length: request.shards }, (_, i) => shardId(i))
      : [...request.shards];
  const succeeded = new Map<string, ShardResult>();
  for (const record of await readRecords(s3, bucket, manifest.succeeded, 'SUCCEEDED')) {
    if (record.status !== 'SUCCEEDED') continue;
    for (const shard of shardResults(record.output)) succeeded.set(shard.shardId, shard);
  }
  const reportedFailed = new Set<string>();
  for (const record of await readRecords(s3, bucket, [...manifest.failed, ...manifest.pending], 'FAILED')) {
    for (const id of inputShardIds(record)) reportedFailed.add(id);
  }

  // A shard counts only if its part file is really there (a child may have reported and then lost
  // its output to an overwrite by an older retry; the part must exist now).
  const verified: ShardResult[] = [];
  for (const id of expected) {
    const shard = succeeded.get(id);
    if (shard === undefined || reportedFailed.has(id)) continue;
    const head = await headObject(s3, { bucket: request.output.bucket, key: shard.outputKey });
    if (head !== undefined) verified.push(shard);
  }
  const verifiedIds = new Set(verified.map((s) => s.shardId));
  const failedShards = expected.filter((id) => !verifiedIds.has(id));
  const status = failedShards.length === 0 ? 'COMPLETE' : 'PARTIAL';
  const rows = verified.reduce((sum, s) => sum + s.rows, 0);

  const manifestLocation = {
    bucket: request.output.bucket,
    key: partitionFileKey(request.output.key, dt, '_manifest.json'),
  };
  const successLocation = {
    bucket: request.output.bucket,
    key: partitionFileKey(request.output.key, dt, '_SUCCESS'),
  };
  // Part files this run did not verify are an earlier run's (shard ids are positional, so a run
  // with fewer shards leaves the tail of a bigger one) or a failed shard's: either way not this
  // run's scores, and readers take every part-* of the partition.
  const keep = new Set(verified.map((s) => s.outputKey));
  const partitionPrefix = partitionFileKey(request.output.key, dt, '_SUCCESS').slice(0, -'_SUCCESS'.length);
  const stale: string[] = [];
  for await (const object of listObjects(s3, {
    bucket: request.output.bucket,
    key: `${partitionPrefix}part-`,
  })) {
    if (!object.key.slice(partitionPrefix.length).includes('/') && !keep.has(object.key))
      stale.push(object.key);
  }
  for (const key of stale) await deleteObject(s3, { bucket: request.output.bucket, key });

  const runManifest: RunManifest = {
    runId: request.runId,
    dt,
    status,
    rows,
    shards: verified,
    failedShards,
    committedAt: new Date().toISOString(),
  };
  await putJson(s3, manifestLocation, runManifest);
  if (status === 'COMPLETE') await putObject(s3, successLocation, '');
  else if ((await headObject(s3, successLocation)) !== undefined) {
    // A stale marker from an earlier commit would tell readers the partition is complete.
    await deleteObject(s3, successLocation);
  }
  return { status, rows, failedShards, manifestUri: formatS3Uri(manifestLocation) };
}
