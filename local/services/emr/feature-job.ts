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
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { BadCellsError, FeatureJobError, FormatError } from '../../../shared/errors';
import {
  type FeaturePlan,
  parsePlan,
  requiredColumns,
  specOf,
  type Vocabulary,
  vocabularyOf,
  vocabularyRows,
} from '../../../shared/features';
import { closest } from '../../../shared/fields';
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
  /** A compiled declaration (training) or a model's feature spec (scoring): `--plan`. */
  readonly plan?: string;
  /** Hand-written SQL to run instead of the shipped features.sql: `--sql`. */
  readonly sql?: string;
  /** Where training writes the feature spec it learned: `--spec-output` (default `<output>_feature-spec.json`). */
  readonly specOutput?: string;
  /** Where rows with bad cells go: `--quarantine` (default `s3://<bucket>/quarantine/<output key>`). */
  readonly quarantine?: string;
  /** `dt` of rows without a time column: `--run-date` (default today, UTC). */
  readonly runDate?: string;
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
  /** Declared jobs: cells per checked column that did not parse as its type. */
  readonly badCells?: Readonly<Record<string, number>>;
  /** Declared jobs with bad cells: where the rows went. */
  readonly quarantineUri?: string;
  /** Declared training jobs: where the learned feature spec went. */
  readonly specUri?: string;
}

const FORMATS: readonly FeatureInputFormat[] = ['csv', 'parquet', 'json'];
const MODES: readonly FeatureJobMode[] = ['train', 'score'];
const ARGUMENTS = [
  '--input',
  '--input-format',
  '--output',
  '--run-id',
  '--mode',
  '--plan',
  '--sql',
  '--spec-output',
  '--quarantine',
  '--run-date',
];

/** Parses `--input … --input-format … --output … --run-id … --mode …` like main.py's argparse. */
export function parseFeatureJobArguments(args: readonly string[]): FeatureJobArguments {
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i] as string;
    const value = args[i + 1];
    if (!ARGUMENTS.includes(flag)) {
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
  const optional: Record<string, string> = {};
  for (const [flag, key] of [
    ['--plan', 'plan'],
    ['--sql', 'sql'],
    ['--spec-output', 'specOutput'],
    ['--quarantine', 'quarantine'],
  ] as const) {
    const value = values.get(flag);
    if (value === undefined) continue;
    if (!value.startsWith('s3://')) {
      throw new FeatureJobError(`feature job: ${flag} must be an s3:// URI, got '${value}'`);
    }
    try {
      parseS3Uri(value, flag, { writable: flag === '--spec-output' || flag === '--quarantine' });
    } catch (error) {
      throw new FeatureJobError(`feature job: ${(error as Error).message}`, { cause: error });
    }
    optional[key] = value;
  }
  if (optional.plan !== undefined && optional.sql !== undefined) {
    throw new FeatureJobError(
      'feature job: give --plan (a declaration) or --sql (hand-written SQL), not both',
    );
  }
  const runDate = values.get('--run-date');
  if (runDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(runDate)) {
    throw new FeatureJobError(`feature job: --run-date must be YYYY-MM-DD, got '${runDate}'`);
  }
  return {
    input,
    inputFormat: inputFormat as FeatureInputFormat,
    output,
    runId: required('--run-id'),
    mode: mode as FeatureJobMode,
    ...optional,
    ...(runDate === undefined ? {} : { runDate }),
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
  if (args.plan !== undefined) return runDeclaredJob(options, args);
  const sqlFile =
    args.sql !== undefined ? localPathOf(options.s3Root, args.sql) : (options.sqlFile ?? FEATURE_SQL_FILE);
  if (args.sql !== undefined && !(await stat(sqlFile).catch(() => undefined))?.isFile()) {
    throw new FeatureJobError(`feature job: no SQL object at ${args.sql} (--sql)`);
  }
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
    for (const required of ['dt', 'split', 'label']) {
      if (!featureColumns.includes(required)) {
        throw new FeatureJobError(
          `feature job ${args.runId}: ${path.basename(sqlFile)} must yield a column '${required}'`,
        );
      }
    }
    const idColumn = ['customer_id', 'id'].find((c) => featureColumns.includes(c));
    if (idColumn === undefined) {
      throw new FeatureJobError(
        `feature job ${args.runId}: ${path.basename(sqlFile)} must yield an id column ('customer_id' or 'id')`,
      );
    }
    const rows = await writeFeatureTable(
      connection,
      options.s3Root,
      args,
      outputDir,
      featureColumns,
      idColumn,
    );
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

/**
 * Writes the `features` table as the job's output: train: `split=<split>/dt=<dt>/part-*.parquet`
 * (rows without a label dropped), score: `dt=<dt>/part-*.parquet` (no split, no label), then
 * `_SUCCESS`. Returns the rows written.
 */
async function writeFeatureTable(
  connection: DuckDBConnection,
  s3Root: string,
  args: FeatureJobArguments,
  outputDir: string,
  featureColumns: readonly string[],
  idColumn: string,
): Promise<number> {
  const partitionBy = args.mode === 'train' ? ['split', 'dt'] : ['dt'];
  const kept = featureColumns.filter(
    (column) => args.mode === 'train' || !['split', 'label'].includes(column),
  );
  const where = args.mode === 'train' ? 'WHERE label IS NOT NULL' : '';
  const select = `SELECT ${kept.map(quote).join(', ')} FROM features ${where} ORDER BY dt, ${quote(idColumn)}`;
  const rows = Number(
    (await connection.runAndReadAll(`SELECT count(*) AS n FROM (${select})`)).getRowObjectsJS()[0]?.n ?? 0,
  );
  // Prove the folder is strictly inside its bucket before emptying it (never the bucket itself).
  const bucketDir = path.resolve(s3Root, parseS3Uri(args.output, '--output').bucket);
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
  return rows;
}

/** The default quarantine prefix of an output: `s3://<bucket>/quarantine/<output key>/`. */
export function defaultQuarantineUri(output: string): string {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(output);
  const key = (match?.[2] ?? '').replace(/\/+$/, '');
  return `s3://${match?.[1] ?? ''}/quarantine/${key === '' ? '' : `${key}/`}`;
}

/** The default feature spec location of an output: `<output>/_feature-spec.json`. */
export function defaultSpecUri(output: string): string {
  return `${output.replace(/\/+$/, '')}/_feature-spec.json`;
}

/**
 * Runs a declared feature job: the plan's DuckDB statements (shared/features/compile.ts) over the
 * input with every column read as a string. Counts bad cells per checked column, writes the rows
 * holding them (with `_reason`) to the quarantine prefix and stops with {@link BadCellsError} when a
 * column's share passes the plan's threshold. Training learns the vocabulary and writes the feature
 * spec; scoring applies the vocabulary of the spec it is given.
 */
async function runDeclaredJob(
  options: FeatureJobOptions,
  args: FeatureJobArguments,
): Promise<FeatureJobResult> {
  const planUri = args.plan as string;
  const planFile = localPathOf(options.s3Root, planUri);
  const planText = await readFile(planFile, 'utf8').catch((error: unknown) => {
    throw new FeatureJobError(`feature job ${args.runId}: cannot read the feature plan ${planUri}`, {
      cause: error,
    });
  });
  const plan = parsePlan(planText, planUri);
  const hasCategorical = plan.ir.features.some((f) => f.kind === 'categorical');
  if (args.mode === 'score' && hasCategorical && plan.vocabulary === undefined) {
    throw new FeatureJobError(
      `feature job ${args.runId}: ${planUri} is a plan, not a trained feature spec: scoring needs the vocabulary training learned (the model's feature-spec.json)`,
    );
  }
  const sql = plan.sql.duckdb;
  const inputs = await inputFiles(options.s3Root, args.input, args.inputFormat);
  if (args.inputFormat === 'csv') {
    for (const file of inputs) await validateCsv(file, uriOf(options.s3Root, file), options.signal);
  }
  const outputDir = localPathOf(options.s3Root, args.output);
  const runDate = args.runDate ?? new Date().toISOString().slice(0, 10);

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const abort = (): void => connection.interrupt();
  options.signal?.addEventListener('abort', abort, { once: true });
  const step = async (what: string, statement: string): Promise<void> => {
    try {
      await connection.run(statement);
    } catch (error) {
      throw new FeatureJobError(
        `feature job ${args.runId}: the ${what} statement failed in DuckDB: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };
  try {
    options.signal?.throwIfAborted();
    await connection.run(`CREATE VIEW source AS SELECT * FROM ${reader(args.inputFormat, inputs)}`);
    const present = (await connection.runAndReadAll('DESCRIBE source'))
      .getRowObjectsJS()
      .map((row) => String(row.column_name));
    const required = [
      ...requiredColumns(plan.ir),
      ...(args.mode === 'train' && plan.ir.label ? [plan.ir.label.name] : []),
    ];
    const absent = required.filter((column) => !present.includes(column));
    if (absent.length > 0) {
      const hints = absent.map((column) => {
        const near = closest(column, present);
        return `'${column}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`;
      });
      throw new FeatureJobError(
        `feature job ${args.runId}: the input ${args.input} has no column ${hints.join(', ')}, which ${planUri} needs; its columns: ${present.join(', ')}`,
      );
    }
    // Every column as a string (as Spark reads CSV without inferSchema); absent optional ones NULL.
    const rawColumns = [
      ...present.map((c) => `CAST(${quote(c)} AS VARCHAR) AS ${quote(c)}`),
      ...plan.ir.columns
        .filter((c) => !present.includes(c.name))
        .map((c) => `CAST(NULL AS VARCHAR) AS ${quote(c.name)}`),
    ];
    await connection.run(`CREATE VIEW raw AS SELECT ${rawColumns.join(', ')} FROM source`);
    await connection.run(`CREATE VIEW job AS SELECT ${literal(runDate)} AS run_date`);
    await step('typed', `CREATE TABLE typed AS ${sql.typed}`);

    const badCells = await countBadCells(connection, plan, args, options.s3Root);

    if (args.mode === 'train') {
      await step('vocabulary', `CREATE TABLE vocabulary AS ${sql.vocabulary}`);
    } else {
      await connection.run('CREATE TABLE vocabulary (column_name VARCHAR, code INTEGER, value VARCHAR)');
      const rows = vocabularyRows(plan.vocabulary ?? {});
      if (rows.length > 0) {
        await connection.run(
          `INSERT INTO vocabulary VALUES ${rows.map((r) => `(${literal(r.column_name)}, ${r.code}, ${literal(r.value)})`).join(', ')}`,
        );
      }
    }
    const vocabulary: Vocabulary =
      args.mode === 'train'
        ? vocabularyOf(
            (
              await connection.runAndReadAll('SELECT column_name, code, value FROM vocabulary')
            ).getRowObjectsJS() as {
              column_name: unknown;
              code: unknown;
              value: unknown;
            }[],
            plan.ir,
          )
        : (plan.vocabulary ?? {});

    await step('features', `CREATE TABLE features AS ${sql.features}`);
    const columns = ['id', 'dt', 'split', 'label', ...plan.featureColumns];
    const rows = await writeFeatureTable(connection, options.s3Root, args, outputDir, columns, 'id');

    let specUri: string | undefined;
    if (args.mode === 'train') {
      specUri = args.specOutput ?? defaultSpecUri(args.output);
      const specFile = localPathOf(options.s3Root, specUri);
      await mkdir(path.dirname(specFile), { recursive: true });
      await writeFile(specFile, `${JSON.stringify(specOf(plan, vocabulary, args.runId), null, 2)}\n`);
    }
    return {
      runId: args.runId,
      mode: args.mode,
      outputUri: args.output,
      rows,
      partitions: await partitionsOf(outputDir),
      featureColumns: plan.featureColumns,
      badCells: badCells.counts,
      ...(badCells.quarantineUri === undefined ? {} : { quarantineUri: badCells.quarantineUri }),
      ...(specUri === undefined ? {} : { specUri }),
    };
  } catch (error) {
    if (error instanceof FeatureJobError || error instanceof BadCellsError) throw error;
    if (options.signal?.aborted)
      throw new FeatureJobError(`feature job ${args.runId}: cancelled`, { cause: error });
    throw new FeatureJobError(`feature job ${args.runId}: ${(error as Error).message}`, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', abort);
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Counts the cells of each checked column that do not parse as its type; writes the rows holding
 * any to `<quarantine>bad-cells.csv` with a `_reason` column; throws {@link BadCellsError} when a
 * column's share of bad cells passes the plan's threshold.
 */
async function countBadCells(
  connection: DuckDBConnection,
  plan: FeaturePlan,
  args: FeatureJobArguments,
  s3Root: string,
): Promise<{ counts: Record<string, number>; quarantineUri?: string }> {
  const row = (await connection.runAndReadAll(plan.sql.duckdb.badCells)).getRowObjectsJS()[0] ?? {};
  const total = Number(row.row_count ?? 0);
  const counts: Record<string, number> = {};
  plan.badCellColumns.forEach((c, i) => {
    counts[c.column] = Number(row[`bad_${i}`] ?? 0);
  });
  const bad = Object.values(counts).reduce((a, b) => a + b, 0);
  const quarantinePrefix = args.quarantine ?? defaultQuarantineUri(args.output);
  const quarantineUri = `${quarantinePrefix.replace(/\/?$/, '/')}bad-cells.csv`;
  const quarantineFile = localPathOf(s3Root, quarantineUri);
  await rm(quarantineFile, { force: true });
  if (bad === 0) return { counts };
  await mkdir(path.dirname(quarantineFile), { recursive: true });
  await connection.run(
    `COPY (${plan.sql.duckdb.quarantine}) TO ${literal(quarantineFile)} (FORMAT CSV, HEADER)`,
  );
  const over = Object.entries(counts).filter(([, n]) => total > 0 && n / total > plan.ir.badCellThreshold);
  if (over.length > 0) {
    const list = over
      .map(([column, n]) => {
        const type = plan.badCellColumns.find((c) => c.column === column)?.type ?? 'value';
        return `'${column}' ${n} of ${total} (${((100 * n) / total).toFixed(2)} %) not ${type === 'number' ? 'numbers' : `${type}s`}`;
      })
      .join(', ');
    throw new BadCellsError(
      `BadCellsError: feature job ${args.runId}: too many cells do not parse as their column's type (threshold ${(100 * plan.ir.badCellThreshold).toFixed(2)} %, table.badCellThreshold): ${list}; the rows are in ${quarantineUri} with the reason`,
    );
  }
  return { counts, quarantineUri };
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
