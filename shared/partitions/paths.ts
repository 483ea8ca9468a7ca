/**
 * Names of partitioned outputs: `dt=YYYY-MM-DD/` partitions, `part-<shard>.<ext>` files, shard ids.
 * Every name is a pure function of the run's inputs, so a retried shard overwrites its own output.
 */
import { createHash } from 'node:crypto';
import { InputValidationError } from '../errors';

const DT = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Checks a partition date `YYYY-MM-DD` (a real calendar date) and returns it.
 *
 * @throws {InputValidationError} naming `field` otherwise.
 */
export function checkDt(dt: string, field = 'dt'): string {
  const match = DT.exec(dt);
  if (match !== null) {
    const date = new Date(`${dt}T00:00:00Z`);
    if (!Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === dt) return dt;
  }
  throw new InputValidationError(`${field} must be a date YYYY-MM-DD, got ${JSON.stringify(dt)}`, field);
}

/** The partition directory name `dt=YYYY-MM-DD`. */
export function dtPartition(dt: string): string {
  return `dt=${checkDt(dt)}`;
}

/** The shard id of the `index`-th shard (0-based): five digits, zero-padded (`00007`). */
export function shardId(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`shard index must be ≥ 0, got ${index}`);
  return String(index).padStart(5, '0');
}

const SHARD_ID = /^[0-9]{5,}$/;

/** True for an id {@link shardId} makes. */
export function isShardId(id: unknown): id is string {
  return typeof id === 'string' && SHARD_ID.test(id);
}

/** A part file name: `part-00007.csv`. */
export function partFileName(shard: string, extension: string): string {
  if (!isShardId(shard)) throw new RangeError(`not a shard id: ${JSON.stringify(shard)}`);
  return `part-${shard}.${extension.replace(/^\./, '')}`;
}

/** The key of a shard's scores under an output prefix: `<prefix>dt=<dt>/part-<shard>.csv`. */
export function scoreOutputKey(outputPrefixKey: string, dt: string, shard: string): string {
  return `${withSlash(outputPrefixKey)}${dtPartition(dt)}/${partFileName(shard, 'csv')}`;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;

function checkRunIdForKey(runId: string): string {
  if (!RUN_ID.test(runId)) throw new RangeError(`not a run id: ${JSON.stringify(runId)}`);
  return runId;
}

/**
 * The prefix where a scoring run stages its parts before the commit: `<prefix>_staging/<runId>/`.
 * Readers of the partitions never look there (Hive-style readers skip `_`-prefixed folders, and the
 * committed partition's manifest never lists it), so a run that fails or is killed before its commit
 * leaves the partition as the last commit left it.
 */
export function stagingPrefixKey(outputPrefixKey: string, runId: string): string {
  return `${withSlash(outputPrefixKey)}_staging/${checkRunIdForKey(runId)}/`;
}

/** A shard's staged part: `<prefix>_staging/<runId>/dt=<dt>/part-<shard>.csv`. */
export function stagedPartKey(outputPrefixKey: string, runId: string, dt: string, shard: string): string {
  return `${stagingPrefixKey(outputPrefixKey, runId)}${dtPartition(dt)}/${partFileName(shard, 'csv')}`;
}

/**
 * A shard's committed part: `<prefix>dt=<dt>/part-<shard>-<run tag>.csv`, where the tag is 8 hex
 * digits of the run id's SHA-256. The name is new for every run, so copying a run's parts into the
 * partition never touches a part the current manifest lists.
 */
export function committedPartKey(outputPrefixKey: string, runId: string, dt: string, shard: string): string {
  if (!isShardId(shard)) throw new RangeError(`not a shard id: ${JSON.stringify(shard)}`);
  return `${withSlash(outputPrefixKey)}${dtPartition(dt)}/part-${shard}-${runTag(checkRunIdForKey(runId))}.csv`;
}

/** 8 hex digits of the SHA-256 of a run id. */
export function runTag(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 8);
}

/** The key of a run's partition marker files (`_manifest.json`, `_SUCCESS`) under an output prefix. */
export function partitionFileKey(
  outputPrefixKey: string,
  dt: string,
  name: '_manifest.json' | '_SUCCESS',
): string {
  return `${withSlash(outputPrefixKey)}${dtPartition(dt)}/${name}`;
}

function withSlash(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

/**
 * True for keys that hold data, false for markers and folders that writers leave beside data:
 * `_SUCCESS`, `_manifest.json`, `_temporary/…`, `.crc` / hidden files, `…/` folder objects and
 * `$folder$` placeholders.
 */
export function isDataKey(key: string): boolean {
  if (key === '' || key.endsWith('/') || key.endsWith('$folder$')) return false;
  return !key.split('/').some((segment) => segment.startsWith('_') || segment.startsWith('.'));
}
