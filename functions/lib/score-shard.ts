/**
 * A Distributed Map child of the scoring workflow: for each shard of its batch, stream the rows
 * (CSV with a header, JSON Lines, or Parquet; a byte range of a big text object), score them
 * in-process with the XGBoost model, and write `id,score` rows to the run's staging prefix
 * `<output>_staging/<runId>/dt=<dt>/part-<shard>.csv` (commit-scores moves them into the partition).
 * The key depends only on run and shard, and the object is written in one commit, so a retried child
 * overwrites its own part instead of adding a second one.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { parquetMetadataAsync, parquetRead } from 'hyparquet';
import {
  type AlgorithmModel,
  formatCsvResponse,
  loadAlgorithmModel,
  XGBoostAlgorithmModel,
} from '../../shared/algorithms';
import {
  CsvFormatError,
  InputValidationError,
  JsonLinesFormatError,
  ObjectNotFoundError,
  ParquetFormatError,
} from '../../shared/errors';
import { CsvReader, formatCsvField } from '../../shared/formats/csv';
import { PARQUET_COMPRESSORS, parquetColumns } from '../../shared/formats/parquet';
import { formatBatchLine } from '../../shared/model';
import { type ShardEntry, type ShardResult, stagedPartKey } from '../../shared/partitions';
import {
  headObject,
  ObjectWriter,
  parseS3Uri,
  type RangedBuffer,
  readObject,
  readObjectChunks,
  readObjectText,
  type S3Location,
  s3RangedBuffer,
} from '../../shared/s3';
import { nextRecordStart } from './plan-shards';

/** What every shard of a batch shares (the ItemBatcher's BatchInput). */
export interface ScoreBatchInput {
  readonly runId: string;
  readonly modelUri: string;
  readonly featureColumnsUri?: string;
  readonly outputUri: string;
  readonly dt: string;
}

/** Options from the function's configuration. */
export interface ScoreOptions {
  /** The id column copied to the output (default `customer_id`; `id` is tried when it is absent). */
  readonly idColumn: string;
  /** Rows scored per block. */
  readonly blockRows?: number;
}

/** Rows read from a shard: ids and row-major feature values (NaN = missing). */
interface RowBlock {
  readonly ids: string[];
  readonly values: Float64Array;
}

let cachedModel: { key: string; model: AlgorithmModel } | undefined;
let cachedColumns: { uri: string; columns: string[] } | undefined;

/**
 * The model at `uri` (any built-in: XGBoost, KMeans, PCA, Linear Learner), loaded once per ETag and
 * kept across invocations of a warm Lambda.
 */
export async function cachedModelAt(s3: S3Client, uri: string): Promise<AlgorithmModel> {
  const location = parseS3Uri(uri, 'modelUri');
  const head = await headObject(s3, location);
  if (head === undefined) throw new ObjectNotFoundError(`model artifact ${uri} does not exist`);
  const key = `${uri}#${head.etag}`;
  if (cachedModel?.key === key) return cachedModel.model;
  const model = loadAlgorithmModel(await readObject(s3, location), uri);
  cachedModel = { key, model };
  return model;
}

/** Forgets the cached model and feature columns (tests). */
export function clearScoreCaches(): void {
  cachedModel = undefined;
  cachedColumns = undefined;
}

/** The feature column list at `uri`: a JSON array of names, or `{featureColumns: […]}`. */
export async function featureColumnsAt(s3: S3Client, uri: string): Promise<string[]> {
  if (cachedColumns?.uri === uri) return cachedColumns.columns;
  const text = await readObjectText(s3, parseS3Uri(uri, 'featureColumnsUri'));
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new JsonLinesFormatError('feature column list is not JSON', { source: uri }, { cause: error });
  }
  const list = Array.isArray(value) ? value : (value as { featureColumns?: unknown } | null)?.featureColumns;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c !== '')) {
    throw new JsonLinesFormatError('expected a JSON array of column names (or {"featureColumns": [...]})', {
      source: uri,
    });
  }
  cachedColumns = { uri, columns: list as string[] };
  return cachedColumns.columns;
}

function pickIdColumn(
  names: readonly string[],
  wanted: string,
  source: string,
  format: 'csv' | 'json' | 'parquet',
) {
  if (names.includes(wanted)) return wanted;
  if (names.includes('id')) return 'id';
  const message = `no id column '${wanted}' (or 'id') among the columns ${names.join(', ')}`;
  if (format === 'parquet') throw new ParquetFormatError(message, { source, field: wanted });
  if (format === 'json') throw new JsonLinesFormatError(message, { source, field: wanted });
  throw new CsvFormatError(message, { source, line: 1, field: wanted });
}

function defaultFeatures(names: readonly string[]): string[] {
  return names.filter((n) => n.startsWith('f_'));
}

function featureValue(text: string, source: string, line: number, field: string): number {
  if (text === '') return Number.NaN;
  // Number() skips surrounding whitespace itself; only a blank field (which it reads as 0) and an
  // invalid one need the slower look.
  const value = Number(text);
  if (value !== 0 && !Number.isNaN(value)) return value;
  const trimmed = text.trim();
  if (trimmed === '') return Number.NaN;
  if (Number.isNaN(value)) {
    // The cell itself stays out of the message: it is customer data, and messages reach logs,
    // the execution's Cause and the failure event.
    throw new CsvFormatError(`expected a number in feature column '${field}' (the value is not shown)`, {
      source,
      line,
      field,
    });
  }
  return value;
}

async function* csvBlocks(
  s3: S3Client,
  shard: ShardEntry,
  location: S3Location,
  features: string[] | undefined,
  options: ScoreOptions,
  resolved: (features: string[]) => void,
): AsyncGenerator<RowBlock> {
  const source =
    shard.range === undefined
      ? shard.source
      : `${shard.source} (bytes ${shard.range.start}-${shard.range.end})`;
  let header: string[] | undefined;
  if (shard.range !== undefined && shard.range.start > 0) {
    const size = (await headObject(s3, location))?.size ?? 0;
    const end = await nextRecordStart(s3, location, 0, size, 64 * 1024);
    const reader = new CsvReader({ source: shard.source });
    header = [...reader.push(await readObject(s3, location, { start: 0, end: end - 1 })), ...reader.end()][0]
      ?.fields;
    if (header === undefined) throw new CsvFormatError('no header row', { source: shard.source, line: 1 });
  }
  const reader = new CsvReader({ source });
  let idIndex = -1;
  let featureIndex: number[] = [];
  const blockRows = options.blockRows ?? 4096;
  let ids: string[] = [];
  let values: number[] = [];
  const setHeader = (names: string[]): void => {
    const id = pickIdColumn(names, options.idColumn, source, 'csv');
    idIndex = names.indexOf(id);
    const chosen = features ?? defaultFeatures(names);
    featureIndex = chosen.map((name) => {
      const index = names.indexOf(name);
      if (index < 0)
        throw new CsvFormatError(`no feature column '${name}' in the header`, {
          source,
          line: 1,
          field: name,
        });
      return index;
    });
    resolved(chosen);
  };
  if (header !== undefined) setHeader(header);
  const take = (records: { fields: string[]; line: number }[]): void => {
    for (const record of records) {
      if (header === undefined) {
        header = record.fields;
        setHeader(header);
        continue;
      }
      ids.push(record.fields[idIndex] ?? '');
      for (let j = 0; j < featureIndex.length; j++) {
        const index = featureIndex[j] as number;
        values.push(
          featureValue(record.fields[index] ?? '', source, record.line, header[index] ?? String(index)),
        );
      }
    }
  };
  // Blocks stay at most `blockRows` rows however big a chunk the stream hands over.
  for await (const chunk of readObjectChunks(s3, location, shard.range)) {
    const records = reader.push(chunk);
    for (let i = 0; i < records.length; i += blockRows) {
      take(records.slice(i, i + blockRows));
      if (ids.length >= blockRows) {
        yield { ids, values: Float64Array.from(values) };
        ids = [];
        values = [];
      }
    }
  }
  take(reader.end());
  if (header === undefined) throw new CsvFormatError('empty shard: no header row', { source, line: 1 });
  if (ids.length > 0) yield { ids, values: Float64Array.from(values) };
}

function cellValue(value: unknown, source: string, where: { line?: number; field: string }): number {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return featureValue(value, source, where.line ?? 0, where.field);
  const kind = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : typeof value;
  throw new JsonLinesFormatError(
    `expected a number in feature column '${where.field}', got ${kind} (the value is not shown)`,
    { source, ...where },
  );
}

async function* jsonBlocks(
  s3: S3Client,
  shard: ShardEntry,
  location: S3Location,
  features: string[] | undefined,
  options: ScoreOptions,
  resolved: (features: string[]) => void,
): AsyncGenerator<RowBlock> {
  const source =
    shard.range === undefined
      ? shard.source
      : `${shard.source} (bytes ${shard.range.start}-${shard.range.end})`;
  const decoder = new TextDecoder();
  let carry = '';
  let line = 0;
  let chosen = features;
  let idColumn: string | undefined;
  let ids: string[] = [];
  let values: number[] = [];
  const takeLine = (text: string): void => {
    line++;
    if (text.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch (error) {
      throw new JsonLinesFormatError('a line must be a JSON object', { source, line }, { cause: error });
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      throw new JsonLinesFormatError('a line must be a JSON object', { source, line });
    }
    const record = row as Record<string, unknown>;
    if (chosen === undefined) chosen = defaultFeatures(Object.keys(record));
    if (idColumn === undefined) {
      idColumn = pickIdColumn(Object.keys(record), options.idColumn, source, 'json');
      resolved(chosen);
    }
    ids.push(String(record[idColumn] ?? ''));
    for (const name of chosen) values.push(cellValue(record[name], source, { line, field: name }));
  };
  for await (const chunk of readObjectChunks(s3, location, shard.range)) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines) {
      takeLine(l);
      if (ids.length >= (options.blockRows ?? 4096)) {
        yield { ids, values: Float64Array.from(values) };
        ids = [];
        values = [];
      }
    }
  }
  takeLine(carry + decoder.decode());
  if (ids.length > 0) yield { ids, values: Float64Array.from(values) };
}

/** Values of one column over consecutive rows, as hyparquet decodes them page by page. */
interface ColumnChunk {
  readonly rowStart: number;
  readonly data: ArrayLike<unknown>;
}

/** Rows `from`..`to` (absolute, exclusive end) of a column held as page chunks, as one array. */
function columnRows(chunks: readonly ColumnChunk[], from: number, to: number): unknown[] {
  const out: unknown[] = new Array(to - from);
  for (const chunk of chunks) {
    const lo = Math.max(from, chunk.rowStart);
    const hi = Math.min(to, chunk.rowStart + chunk.data.length);
    for (let r = lo; r < hi; r++) out[r - from] = chunk.data[r - chunk.rowStart];
  }
  return out;
}

/**
 * Reads row groups `groups` (inclusive; all of them when absent) of a Parquet file and hands them on
 * in slices of at most `sliceRows` rows. Each group is decoded once, column by column (typed arrays
 * for numbers, no row objects: hyparquet's `onChunk` without row assembly), and only the current
 * slice is turned into per-row values.
 */
async function* readRowSlices(
  file: RangedBuffer,
  columns: string[],
  groups: { start: number; end: number } | undefined,
  sliceRows: number,
  source: string,
): AsyncGenerator<{ rows: number; columns: ReadonlyMap<string, ArrayLike<unknown>> }> {
  const metadata = await parquetMetadataAsync(file);
  const last = groups?.end ?? metadata.row_groups.length - 1;
  if (last >= metadata.row_groups.length) {
    throw new ParquetFormatError(
      `row groups ${groups?.start}-${last} asked, the file has ${metadata.row_groups.length}`,
      { source },
    );
  }
  const first = groups?.start ?? 0;
  let groupStart = 0;
  for (let g = 0; g < first; g++) groupStart += Number(metadata.row_groups[g]?.num_rows ?? 0);
  for (let g = first; g <= last; g++) {
    const rows = Number(metadata.row_groups[g]?.num_rows ?? 0);
    const chunks = new Map<string, ColumnChunk[]>(columns.map((name) => [name, []]));
    try {
      await parquetRead({
        file,
        metadata,
        compressors: PARQUET_COMPRESSORS,
        columns,
        rowStart: groupStart,
        rowEnd: groupStart + rows,
        onChunk: (chunk) => {
          chunks.get(chunk.columnName)?.push({ rowStart: chunk.rowStart, data: chunk.columnData });
        },
      });
    } catch (error) {
      throw new ParquetFormatError(
        `unreadable Parquet row group ${g}: ${(error as Error).message}`,
        { source },
        { cause: error },
      );
    }
    for (let from = groupStart; from < groupStart + rows; from += sliceRows) {
      const to = Math.min(from + sliceRows, groupStart + rows);
      yield {
        rows: to - from,
        columns: new Map(columns.map((name) => [name, columnRows(chunks.get(name) ?? [], from, to)])),
      };
    }
    groupStart += rows;
  }
}

async function* parquetBlocks(
  s3: S3Client,
  shard: ShardEntry,
  location: S3Location,
  features: string[] | undefined,
  options: ScoreOptions,
  resolved: (features: string[]) => void,
): AsyncGenerator<RowBlock> {
  const head = await headObject(s3, location);
  if (head === undefined)
    throw new ObjectNotFoundError(`shard ${shard.shardId}: ${shard.source} does not exist`);
  const file = s3RangedBuffer(s3, location, head.size);
  const names = (await parquetColumns(file, { source: shard.source })).map((c) => c.name);
  const idColumn = pickIdColumn(names, options.idColumn, shard.source, 'parquet');
  const chosen = features ?? defaultFeatures(names);
  for (const name of chosen) {
    if (!names.includes(name)) {
      throw new ParquetFormatError(
        `no feature column '${name}' in the Parquet file (columns: ${names.join(', ')})`,
        { source: shard.source, field: name },
      );
    }
  }
  resolved(chosen);
  const batches = readRowSlices(
    file,
    [idColumn, ...chosen],
    shard.rowGroups,
    options.blockRows ?? 4096,
    shard.source,
  );
  for await (const batch of batches) {
    const idValues = batch.columns.get(idColumn) ?? [];
    const columns = chosen.map((name) => batch.columns.get(name) ?? []);
    const ids: string[] = [];
    const values = new Float64Array(batch.rows * chosen.length);
    for (let r = 0; r < batch.rows; r++) {
      ids.push(String(idValues[r] ?? ''));
      for (let j = 0; j < chosen.length; j++) {
        values[r * chosen.length + j] = cellValue((columns[j] as ArrayLike<unknown>)[r], shard.source, {
          field: chosen[j] as string,
        });
      }
    }
    yield { ids, values };
  }
}

/** Scores one shard and writes its part file; returns its row count and output key. */
export async function scoreShard(
  s3: S3Client,
  shard: ShardEntry,
  batch: ScoreBatchInput,
  options: ScoreOptions,
): Promise<ShardResult> {
  const loaded = await cachedModelAt(s3, batch.modelUri);
  const xgboost = loaded instanceof XGBoostAlgorithmModel ? loaded.model : undefined;
  const model = loaded;
  const features =
    batch.featureColumnsUri === undefined ? undefined : await featureColumnsAt(s3, batch.featureColumnsUri);
  const location = parseS3Uri(shard.source, 'source');
  const output = parseS3Uri(batch.outputUri, 'outputUri', { writable: true });
  // Staged where readers of the committed partition never look; commit-scores moves it into place.
  const outputKey = stagedPartKey(output.key, batch.runId, batch.dt, shard.shardId);
  const writer = new ObjectWriter(s3, { bucket: output.bucket, key: outputKey }, { contentType: 'text/csv' });
  // XGBoost: `id,score` (softprob: score_0…); the 1P algorithms: their output columns
  // (KMeans closest_cluster,distance_to_cluster; PCA projection_0…; Linear Learner score[,predicted_label]).
  const width = xgboost?.outputWidth ?? 1;
  await writer.write(
    xgboost === undefined
      ? `id,${model.outputColumns.join(',')}\n`
      : width === 1
        ? 'id,score\n'
        : `id,${Array.from({ length: width }, (_, k) => `score_${k}`).join(',')}\n`,
  );
  let numColumns = 0;
  const resolved = (chosen: string[]): void => {
    if (chosen.length === 0) {
      throw new InputValidationError(
        `shard ${shard.shardId}: no feature columns (f_*) in ${shard.source}`,
        'featureColumnsUri',
      );
    }
    if (features === undefined && chosen.length !== model.numFeature) {
      // Without a column list the f_* columns are taken in input order; a different count means
      // they cannot be matched to the model's features (fewer would be scored against padding).
      throw new InputValidationError(
        `shard ${shard.shardId}: ${chosen.length} f_* columns in ${shard.source} but the model ${batch.modelUri} has ${model.numFeature} features; give model.featureColumnsUri (the training run's feature-columns.json) to say which column is which`,
        'featureColumnsUri',
      );
    }
    if (chosen.length > model.numFeature) {
      throw new InputValidationError(
        `shard ${shard.shardId}: ${chosen.length} feature columns but the model ${batch.modelUri} has ${model.numFeature} features`,
        'featureColumnsUri',
      );
    }
    numColumns = chosen.length;
  };
  const blocks =
    shard.format === 'csv'
      ? csvBlocks(s3, shard, location, features, options, resolved)
      : shard.format === 'json'
        ? jsonBlocks(s3, shard, location, features, options, resolved)
        : parquetBlocks(s3, shard, location, features, options, resolved);
  let rows = 0;
  try {
    for await (const block of blocks) {
      const n = block.ids.length;
      const x = new Float32Array(n * model.numFeature).fill(Number.NaN);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < numColumns; j++)
          x[r * model.numFeature + j] = block.values[r * numColumns + j] as number;
      }
      const lines: string[] = [];
      if (xgboost === undefined) {
        for (let i = 0; i < x.length; i++) if (Number.isNaN(x[i]!)) x[i] = 0;
        const answers = formatCsvResponse(model.score(x, n)).split('\n');
        for (let r = 0; r < n; r++) lines.push(`${formatCsvField(block.ids[r] ?? '')},${answers[r]}\n`);
        await writer.write(lines.join(''));
        rows += n;
        continue;
      }
      const predictions = xgboost.predict(x, n);
      for (let r = 0; r < n; r++) {
        const score = formatBatchLine(predictions, r);
        lines.push(
          `${formatCsvField(block.ids[r] ?? '')},${width === 1 ? score : score.slice(1, -1).replace(/, /g, ',')}\n`,
        );
      }
      await writer.write(lines.join(''));
      rows += n;
    }
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { shardId: shard.shardId, rows, outputKey };
}

/**
 * Scores every shard of a batch in order, staging each part under the run's own prefix: nothing a
 * reader of the committed partition sees changes until commit-scores.
 */
export async function scoreBatch(
  s3: S3Client,
  items: readonly ShardEntry[],
  batch: ScoreBatchInput,
  options: ScoreOptions,
): Promise<{ shards: ShardResult[] }> {
  const shards: ShardResult[] = [];
  for (const item of items) shards.push(await scoreShard(s3, item, batch, options));
  return { shards };
}

/**
 * The rows of a shard in blocks (ids and row-major feature values, NaN = missing), whatever its
 * format: the endpoint mode (`invoke-shard`) reads shards with the same readers. `resolved` is
 * called once with the feature columns chosen (the given list, else the `f_*` columns in order).
 */
export function shardRowBlocks(
  s3: S3Client,
  shard: ShardEntry,
  features: string[] | undefined,
  options: ScoreOptions,
  resolved: (features: string[]) => void,
): AsyncGenerator<{ readonly ids: string[]; readonly values: Float64Array }> {
  const location = parseS3Uri(shard.source, 'source');
  if (shard.format === 'csv') return csvBlocks(s3, shard, location, features, options, resolved);
  if (shard.format === 'json') return jsonBlocks(s3, shard, location, features, options, resolved);
  return parquetBlocks(s3, shard, location, features, options, resolved);
}
