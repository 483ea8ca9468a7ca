/**
 * The offline stand-in for the EMR Serverless feature job: runs `jobs/features/features.sql` with
 * DuckDB under the Spark job's argument contract (docs/contracts.md), against buckets kept as plain
 * directories (`s3://b/k` → `<s3Root>/b/k`). It writes the same layout as `jobs/features/main.py`:
 * train: `<output>/split=<split>/dt=<dt>/part-*.parquet`; score: `<output>/dt=<dt>/part-*.parquet`;
 * then `<output>/_SUCCESS`.
 *
 * @example
 * ```ts
 * const result = await runFeatureJob({
 *   s3Root: '.sparkmaker/s3',
 *   entryPointArguments: ['--input', 's3://sparkmaker-data/incoming/', '--input-format', 'csv',
 *     '--output', 's3://sparkmaker-data/features/train-1/', '--run-id', 'train-1', '--mode', 'train'],
 * });
 * ```
 */
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { FeatureJobError, FormatError } from '../../../shared/errors';
import { CsvReader } from '../../../shared/formats/csv';
import { parseS3Uri } from '../../../shared/s3/uri';
import { encodeKey, proveInside } from '../s3/key-path';

/** The feature SQL shipped with the Spark job: the one both engines run. */
export const FEATURE_SQL_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../jobs/features/features.sql',
);

export type FeatureJobMode = 'train' | 'score';
export type FeatureInputFormat = 'csv' | 'parquet' | 'json';

/** The parsed `EntryPointArguments` of the feature job. */
export interface FeatureJobArguments {
  readonly input: string;
  readonly inputFormat: FeatureInputFormat;
  readonly output: string;
  readonly runId: string;
  readonly mode: FeatureJobMode;
}

export interface FeatureJobOptions {
  /** `EntryPointArguments` exactly as the state machine passes them to `startJobRun`. */
  readonly entryPointArguments: readonly string[];
  /** Directory holding one sub-directory per bucket. */
  readonly s3Root: string;
  /** The SQL to run; defaults to {@link FEATURE_SQL_FILE}. */
  readonly sqlFile?: string;
  /** Aborts the query (EMR `cancelJobRun`). */
  readonly signal?: AbortSignal;
}

export interface FeatureJobResult {
  readonly runId: string;
  readonly mode: FeatureJobMode;
  readonly outputUri: string;
  /** Rows written. */
  readonly rows: number;
  /** Partition directories written, relative to the output (`split=train/dt=2026-01-01`). */
  readonly partitions: readonly string[];
  /** The `f_*` feature columns, in SQL order. */
  readonly featureColumns: readonly string[];
}

const FORMATS: readonly FeatureInputFormat[] = ['csv', 'parquet', 'json'];
const MODES: readonly FeatureJobMode[] = ['train', 'score'];

/** Parses `--input … --input-format … --output … --run-id … --mode …` like main.py's argparse. */
export function parseFeatureJobArguments(args: readonly string[]): FeatureJobArguments {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] as string;
    const value = args[i + 1];
    if (!['--input', '--input-format', '--output', '--run-id', '--mode'].includes(flag)) {
      throw new FeatureJobError(`feature job: unknown argument ${JSON.stringify(flag)}`);
    }
    if (value === undefined) throw new FeatureJobError(`feature job: argument ${flag} expects a value`);
    values.set(flag, value);
  }
  const required = (flag: string): string => {
    const value = values.get(flag);
    if (value === undefined || value === '') {
      throw new FeatureJobError(`feature job: the argument ${flag} is required`);
    }
    return value;
  };
  const inputFormat = required('--input-format');
  if (!FORMATS.includes(inputFormat as FeatureInputFormat)) {
    throw new FeatureJobError(
      `feature job: --input-format must be one of ${FORMATS.join(', ')}, got '${inputFormat}'`,
    );
  }
  const mode = required('--mode');
  if (!MODES.includes(mode as FeatureJobMode)) {
    throw new FeatureJobError(`feature job: --mode must be one of ${MODES.join(', ')}, got '${mode}'`);
  }
  const input = required('--input');
  const output = required('--output');
  for (const [flag, uri] of [
    ['--input', input],
    ['--output', output],
  ] as const) {
    if (!uri.startsWith('s3://')) {
      throw new FeatureJobError(`feature job: ${flag} must be an s3:// URI, got '${uri}'`);
    }
    try {
      parseS3Uri(uri, flag, { writable: flag === '--output' });
    } catch (error) {
      throw new FeatureJobError(`feature job: ${(error as Error).message}`, { cause: error });
    }
  }
  return {
    input,
    inputFormat: inputFormat as FeatureInputFormat,
    output,
    runId: required('--run-id'),
    mode: mode as FeatureJobMode,
  };
}

/**
 * `s3://bucket/key` → the local file or folder the local S3 store keeps it in (`<s3Root>/bucket/key`
 * for plain keys; `.`/`..` and other odd segments escaped, so the result is always inside the bucket).
 */
export function localPathOf(s3Root: string, uri: string): string {
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(uri, 'uri');
  } catch (error) {
    throw new FeatureJobError(`feature job: not an s3:// URI: '${uri}'`, { cause: error });
  }
  const bucketDir = path.resolve(s3Root, location.bucket);
  if (location.key === '') return bucketDir;
  return path.join(bucketDir, ...encodeKey(location.key).map((s) => s.name));
}

/** Runs the feature job. Throws {@link FeatureJobError} carrying DuckDB's message when the SQL fails. */
export async function runFeatureJob(options: FeatureJobOptions): Promise<FeatureJobResult> {
  const args = parseFeatureJobArguments(options.entryPointArguments);
  const sqlFile = options.sqlFile ?? FEATURE_SQL_FILE;
  const sql = (await readFile(sqlFile, 'utf8')).trim().replace(/;\s*$/, '');
  const inputs = await inputFiles(options.s3Root, args.input, args.inputFormat);
  if (args.inputFormat === 'csv') {
    for (const file of inputs) await validateCsv(file, uriOf(options.s3Root, file), options.signal);
  }
  const outputDir = localPathOf(options.s3Root, args.output);

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const abort = (): void => connection.interrupt();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    options.signal?.throwIfAborted();
    await connection.run(`CREATE VIEW source AS SELECT * FROM ${reader(args.inputFormat, inputs)}`);
    const columns = (await connection.runAndReadAll('DESCRIBE source'))
      .getRowObjectsJS()
      .map((row) => String(row.column_name));
    const churned = columns.includes('churned') ? '' : ', CAST(NULL AS VARCHAR) AS churned';
    await connection.run(`CREATE VIEW raw AS SELECT *${churned} FROM source`);

    try {
      await connection.run(`CREATE TABLE features AS ${sql}`);
    } catch (error) {
      throw new FeatureJobError(
        `feature job ${args.runId}: ${path.basename(sqlFile)} failed in DuckDB: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const featureColumns = (await connection.runAndReadAll('DESCRIBE features'))
      .getRowObjectsJS()
      .map((row) => String(row.column_name));
    for (const required of ['customer_id', 'dt', 'split', 'label']) {
      if (!featureColumns.includes(required)) {
        throw new FeatureJobError(
          `feature job ${args.runId}: ${path.basename(sqlFile)} must yield a column '${required}'`,
        );
      }
    }

    const partitionBy = args.mode === 'train' ? ['split', 'dt'] : ['dt'];
    const kept = featureColumns.filter(
      (column) => args.mode === 'train' || !['split', 'label'].includes(column),
    );
    const where = args.mode === 'train' ? 'WHERE label IS NOT NULL' : '';
    const select = `SELECT ${kept.map(quote).join(', ')} FROM features ${where} ORDER BY dt, customer_id`;
    const rows = Number(
      (await connection.runAndReadAll(`SELECT count(*) AS n FROM (${select})`)).getRowObjectsJS()[0]?.n ?? 0,
    );

    // Prove the folder is strictly inside its bucket before emptying it (never the bucket itself).
    const bucketDir = path.resolve(options.s3Root, parseS3Uri(args.output, '--output').bucket);
    await proveInside(bucketDir, outputDir, `the output folder of ${args.output}`).catch((error: Error) => {
      throw new FeatureJobError(`feature job ${args.runId}: ${error.message}`, { cause: error });
    });
    await rm(outputDir, { recursive: true, force: true });
    await mkdir(outputDir, { recursive: true });
    if (rows > 0) {
      await connection.run(
        `COPY (${select}) TO ${literal(outputDir)} (FORMAT PARQUET, PARTITION_BY (${partitionBy.join(', ')}), ` +
          `FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
      );
    }
    await writeFile(path.join(outputDir, '_SUCCESS'), '');
    return {
      runId: args.runId,
      mode: args.mode,
      outputUri: args.output,
      rows,
      partitions: await partitionsOf(outputDir),
      featureColumns: featureColumns.filter((column) => column.startsWith('f_')),
    };
  } catch (error) {
    if (error instanceof FeatureJobError) throw error;
    if (options.signal?.aborted)
      throw new FeatureJobError(`feature job ${args.runId}: cancelled`, { cause: error });
    throw new FeatureJobError(`feature job ${args.runId}: ${(error as Error).message}`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', abort);
    connection.closeSync();
    instance.closeSync();
  }
}

/** `<s3Root>/bucket/key` → `s3://bucket/key`. */
function uriOf(s3Root: string, file: string): string {
  return `s3://${path.relative(path.resolve(s3Root), file).split(path.sep).join('/')}`;
}

/**
 * Checks a raw CSV object the way Spark's FAILFAST reader would refuse it, before DuckDB's sniffer
 * guesses around it: RFC 4180 syntax and one field per header column on every row. The error names
 * the object and the line.
 */
async function validateCsv(file: string, uri: string, signal?: AbortSignal): Promise<void> {
  const reader = new CsvReader({ source: uri });
  let columns: number | undefined;
  const check = (records: { fields: string[]; line: number }[]): void => {
    for (const record of records) {
      if (columns === undefined) {
        columns = record.fields.length;
      } else if (record.fields.length !== columns) {
        throw new FeatureJobError(
          `feature job: malformed CSV ${uri}, line ${record.line}: ${record.fields.length} fields where the header has ${columns}`,
        );
      }
    }
  };
  try {
    for await (const chunk of createReadStream(file, signal ? { signal } : {}))
      check(reader.push(chunk as Buffer));
    check(reader.end());
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FeatureJobError(`feature job: malformed CSV ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** The data files an input URI names: the object itself, or every object under the prefix. */
async function inputFiles(s3Root: string, uri: string, format: FeatureInputFormat): Promise<string[]> {
  const local = localPathOf(s3Root, uri);
  const info = await stat(local).catch(() => undefined);
  if (info?.isFile()) return [local];
  // A prefix: a directory, or the start of key names inside the parent directory.
  const directory = info?.isDirectory() ? local : path.dirname(local);
  const prefix = info?.isDirectory() ? '' : path.basename(local);
  const files = (await listFiles(directory).catch(() => []))
    .filter((file) => path.relative(directory, file).startsWith(prefix))
    .filter((file) => !path.basename(file).startsWith('_') && !path.basename(file).startsWith('.'))
    .filter((file) => format !== 'parquet' || file.endsWith('.parquet'))
    .sort();
  if (files.length === 0) throw new FeatureJobError(`feature job: no input objects at ${uri}`);
  return files;
}

async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : listFiles(full);
      return entry.isFile() ? [full] : [];
    }),
  );
  return nested.flat();
}

async function partitionsOf(outputDir: string): Promise<string[]> {
  const files = await listFiles(outputDir);
  const directories = new Set(
    files
      .filter((file) => file.endsWith('.parquet'))
      .map((file) => path.relative(outputDir, path.dirname(file))),
  );
  return [...directories].map((directory) => directory.split(path.sep).join('/')).sort();
}

/** The DuckDB table function reading the input like Spark's reader in main.py. */
function reader(format: FeatureInputFormat, files: readonly string[]): string {
  const list = `[${files.map(literal).join(', ')}]`;
  switch (format) {
    case 'csv':
      // Spark: header row, every column a string (inferSchema false), empty field = NULL.
      return `read_csv(${list}, header = true, all_varchar = true, union_by_name = true)`;
    case 'parquet':
      return `read_parquet(${list}, union_by_name = true, hive_partitioning = true)`;
    case 'json':
      return `read_json(${list}, format = 'newline_delimited', union_by_name = true)`;
  }
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
