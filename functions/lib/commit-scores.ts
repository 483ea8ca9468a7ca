/**
 * The commit step of a scoring run, the only step that changes what a partition means. Score-shard
 * children stage their parts under `<output>_staging/<runId>/`, where readers never look; this reads
 * the Distributed Map's ResultWriter output (SPEC §7.3), checks that every shard's staged part
 * exists, and then, in this order:
 *
 * 1. copies each verified part into the partition under a name new to this run
 *    (`dt=<dt>/part-<shard>-<run tag>.csv`), so the committed manifest's parts stay untouched;
 * 2. writes `dt=<dt>/_manifest.json` listing exactly those parts (the consistent snapshot readers take);
 * 3. writes `_SUCCESS` when every planned shard succeeded (removes it otherwise);
 * 4. removes every other `part-*` of the partition (the replaced run's, or leftovers of a killed commit);
 * 5. removes this run's staging prefix.
 *
 * A run that fails or is killed before step 2 leaves the previous commit exactly as it was; one
 * killed between 2 and 4 leaves a consistent manifest plus extra parts, which the next commit removes.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type ChildExecutionRecord,
  checkDt,
  committedPartKey,
  isShardId,
  parseResultFile,
  parseResultWriterManifest,
  partitionFileKey,
  type RunManifest,
  type ShardResult,
  shardId,
  stagingPrefixKey,
} from '../../shared/partitions';
import {
  copyObject,
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
  const resultBucket = manifest.destinationBucket || request.resultWriter.bucket;

  const expected =
    typeof request.shards === 'number'
      ? Array.from({ length: request.shards }, (_, i) => shardId(i))
      : [...request.shards];
  const succeeded = new Map<string, ShardResult>();
  for (const record of await readRecords(s3, resultBucket, manifest.succeeded, 'SUCCEEDED')) {
    if (record.status !== 'SUCCEEDED') continue;
    for (const shard of shardResults(record.output)) succeeded.set(shard.shardId, shard);
  }
  const reportedFailed = new Set<string>();
  for (const record of await readRecords(
    s3,
    resultBucket,
    [...manifest.failed, ...manifest.pending],
    'FAILED',
  )) {
    for (const id of inputShardIds(record)) reportedFailed.add(id);
  }

  // A shard counts only if its part is really there: staged, or already copied into place by an
  // earlier attempt of this commit (a retried commit finds its staging partly removed). A child may
  // have reported and then lost its output to an overwrite by an older retry; the part must exist now.
  const verified: ShardResult[] = [];
  const alreadyCommitted = new Set<string>();
  for (const id of expected) {
    const shard = succeeded.get(id);
    if (shard === undefined || reportedFailed.has(id)) continue;
    if ((await headObject(s3, { bucket: request.output.bucket, key: shard.outputKey })) !== undefined) {
      verified.push(shard);
      continue;
    }
    const target = committedPartKey(request.output.key, request.runId, dt, id);
    if ((await headObject(s3, { bucket: request.output.bucket, key: target })) !== undefined) {
      verified.push(shard);
      alreadyCommitted.add(id);
    }
  }
  const verifiedIds = new Set(verified.map((s) => s.shardId));
  const failedShards = expected.filter((id) => !verifiedIds.has(id));
  const status = failedShards.length === 0 ? 'COMPLETE' : 'PARTIAL';
  const rows = verified.reduce((sum, s) => sum + s.rows, 0);

  const bucket = request.output.bucket;
  const manifestLocation = { bucket, key: partitionFileKey(request.output.key, dt, '_manifest.json') };
  const successLocation = { bucket, key: partitionFileKey(request.output.key, dt, '_SUCCESS') };

  // 1. Copy the staged parts into the partition under names no committed manifest lists.
  const committed: ShardResult[] = verified.map((shard) => ({
    ...shard,
    outputKey: committedPartKey(request.output.key, request.runId, dt, shard.shardId),
  }));
  await inBatches(verified, 8, async (shard, i) => {
    if (alreadyCommitted.has(shard.shardId)) return;
    await copyObject(
      s3,
      { bucket, key: shard.outputKey },
      { bucket, key: (committed[i] as ShardResult).outputKey },
    );
  });

  // 2. The manifest: from here on, readers of the manifest see this run.
  const runManifest: RunManifest = {
    runId: request.runId,
    dt,
    status,
    rows,
    shards: committed,
    failedShards,
    committedAt: new Date().toISOString(),
  };
  await putJson(s3, manifestLocation, runManifest);

  // 3. The completion marker.
  if (status === 'COMPLETE') await putObject(s3, successLocation, '');
  else if ((await headObject(s3, successLocation)) !== undefined) {
    // A marker from an earlier commit would tell readers the partition is complete.
    await deleteObject(s3, successLocation);
  }

  // 4. Every part the manifest does not list: the replaced run's, or a killed commit's copies.
  const keep = new Set(committed.map((s) => s.outputKey));
  const partitionPrefix = manifestLocation.key.slice(0, -'_manifest.json'.length);
  const stale: string[] = [];
  for await (const object of listObjects(s3, { bucket, key: `${partitionPrefix}part-` })) {
    if (!object.key.slice(partitionPrefix.length).includes('/') && !keep.has(object.key))
      stale.push(object.key);
  }
  await inBatches(stale, 8, (key) => deleteObject(s3, { bucket, key }));

  // 5. This run's staging area.
  const staged: string[] = [];
  for await (const object of listObjects(s3, {
    bucket,
    key: stagingPrefixKey(request.output.key, request.runId),
  })) {
    staged.push(object.key);
  }
  await inBatches(staged, 8, (key) => deleteObject(s3, { bucket, key }));

  return { status, rows, failedShards, manifestUri: formatS3Uri(manifestLocation) };
}

/** Runs `task` over `items`, at most `width` at a time. */
async function inBatches<T>(
  items: readonly T[],
  width: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}
