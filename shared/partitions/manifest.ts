/**
 * The shard manifest (JSON Lines, one shard per line; the Distributed Map reads it with
 * `ItemReader` `InputType: JSONL`) and the run manifest written beside a scoring run's output.
 */
import { JsonLinesFormatError } from '../errors';
import { isShardId } from './paths';

/** Input formats a shard can hold. */
export type ShardFormat = 'csv' | 'json' | 'parquet';

/** One line of the shard manifest. */
export interface ShardEntry {
  /** Five-digit id, also the part file's name. */
  readonly shardId: string;
  /** The object to read, `s3://…`. */
  readonly source: string;
  readonly format: ShardFormat;
  /** Bytes to read (inclusive), aligned to record boundaries; absent = the whole object. */
  readonly range?: { readonly start: number; readonly end: number };
  /** Parquet only: the row groups to read (0-based, inclusive); absent = every row group. */
  readonly rowGroups?: { readonly start: number; readonly end: number };
}

/** A shard's result, as score-shard reports it and the run manifest lists it. */
export interface ShardResult {
  readonly shardId: string;
  readonly rows: number;
  readonly outputKey: string;
}

/** The `_manifest.json` of a scoring run's partition. */
export interface RunManifest {
  readonly runId: string;
  readonly dt: string;
  readonly status: 'COMPLETE' | 'PARTIAL';
  readonly rows: number;
  readonly shards: readonly ShardResult[];
  readonly failedShards: readonly string[];
  readonly committedAt: string;
}

/** Encodes shard entries as JSON Lines (final newline included). */
export function encodeShardManifest(entries: readonly ShardEntry[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}

const FORMATS: readonly string[] = ['csv', 'json', 'parquet'];

/**
 * Checks one shard entry (from the manifest or from a Distributed Map item).
 *
 * @throws {JsonLinesFormatError} naming the field and `where` (e.g. `Items[3]`).
 */
export function checkShardEntry(
  value: unknown,
  where: { source?: string; line?: number; field?: string },
): ShardEntry {
  const fail = (message: string, field: string): never => {
    throw new JsonLinesFormatError(message, {
      ...where,
      field: where.field === undefined ? field : `${where.field}.${field}`,
    });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('a shard must be a JSON object', 'shard');
  const v = value as Record<string, unknown>;
  if (!isShardId(v.shardId))
    fail(`shardId must be a five-digit string, got ${JSON.stringify(v.shardId)}`, 'shardId');
  if (typeof v.source !== 'string' || !v.source.startsWith('s3://')) {
    fail(`source must be an s3:// URI, got ${JSON.stringify(v.source)}`, 'source');
  }
  if (typeof v.format !== 'string' || !FORMATS.includes(v.format)) {
    fail(`format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(v.format)}`, 'format');
  }
  const entry: ShardEntry = {
    shardId: v.shardId as string,
    source: v.source as string,
    format: v.format as ShardFormat,
  };
  const interval = (name: 'range' | 'rowGroups'): { start: number; end: number } | undefined => {
    if (v[name] === undefined || v[name] === null) return undefined;
    const r = v[name] as Record<string, unknown>;
    if (
      typeof r !== 'object' ||
      !Number.isSafeInteger(r.start) ||
      !Number.isSafeInteger(r.end) ||
      (r.start as number) < 0 ||
      (r.end as number) < (r.start as number)
    ) {
      fail(`${name} must be {start, end} with 0 ≤ start ≤ end, got ${JSON.stringify(v[name])}`, name);
    }
    return { start: r.start as number, end: r.end as number };
  };
  const range = interval('range');
  const rowGroups = interval('rowGroups');
  if (rowGroups !== undefined && entry.format !== 'parquet')
    fail('rowGroups is only for parquet shards', 'rowGroups');
  return {
    ...entry,
    ...(range === undefined ? {} : { range }),
    ...(rowGroups === undefined ? {} : { rowGroups }),
  };
}

/** Parses a shard manifest; errors name the manifest and the line. */
export function parseShardManifest(text: string, source: string): ShardEntry[] {
  const entries: ShardEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim() ?? '';
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new JsonLinesFormatError(
        'a shard manifest line must be JSON',
        { source, line: i + 1 },
        { cause: error },
      );
    }
    entries.push(checkShardEntry(value, { source, line: i + 1 }));
  }
  return entries;
}
