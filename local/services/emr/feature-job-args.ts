/** The feature job's arguments (its `EntryPointArguments`, as main.py's argparse reads them), options and result. */
import { FeatureJobError } from '../../../shared/errors';
import { parseS3Uri } from '../../../shared/s3/uri';

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
