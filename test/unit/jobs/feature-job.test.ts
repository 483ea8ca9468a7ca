import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  localPathOf,
  parseFeatureJobArguments,
  runFeatureJob,
} from '../../../local/services/emr/feature-job';
import { FeatureJobError } from '../../../shared/errors';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/features');

/** The split features.sql assigns: the first two hex digits of md5(customer_id). */
function expectedSplit(customerId: string): string {
  const prefix = createHash('md5').update(customerId).digest('hex').slice(0, 2);
  return prefix < 'b3' ? 'train' : prefix < 'da' ? 'validation' : 'test';
}

function csvRows(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path.join(fixtures, file), 'utf8').trim().split('\n');
  const names = (header as string).split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [names[i], value])));
}

function args(input: string, output: string, mode: 'train' | 'score', format = 'csv'): string[] {
  return [
    '--input',
    input,
    '--input-format',
    format,
    '--output',
    output,
    '--run-id',
    `${mode}-1`,
    '--mode',
    mode,
  ];
}

async function readPartition(file: string): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({ file: await asyncBufferFromFile(file) });
}

describe('the DuckDB feature job', () => {
  let s3Root: string;

  beforeEach(() => {
    s3Root = mkdtempSync(path.join(tmpdir(), 'sparkmaker-features-'));
    mkdirSync(path.join(s3Root, 'sparkmaker-data/incoming'), { recursive: true });
    copyFileSync(path.join(fixtures, 'raw.csv'), path.join(s3Root, 'sparkmaker-data/incoming/raw.csv'));
    copyFileSync(path.join(fixtures, 'score.csv'), path.join(s3Root, 'sparkmaker-data/incoming/score.csv'));
  });

  afterEach(() => {
    rmSync(s3Root, { recursive: true, force: true });
  });

  it('writes train features partitioned by split and dt, then _SUCCESS', async () => {
    // Prepare
    const labelled = csvRows('raw.csv').filter(
      (row) => row.customer_id !== '' && /^\d{4}-\d\d-\d\d$/.test(row.event_date ?? '') && row.churned !== '',
    );
    const expectedPartitions = [
      ...new Set(
        labelled.map((row) => `split=${expectedSplit(row.customer_id as string)}/dt=${row.event_date}`),
      ),
    ].sort();

    // Act
    const result = await runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/raw.csv',
        's3://sparkmaker-data/features/t1/',
        'train',
      ),
    });

    // Assess
    const output = path.join(s3Root, 'sparkmaker-data/features/t1');
    expect(result.rows).toBe(labelled.length);
    expect(result.partitions).toEqual(expectedPartitions);
    expect(new Set(result.partitions.map((p) => p.split('/')[0]))).toEqual(
      new Set(['split=train', 'split=validation', 'split=test']),
    );
    expect(existsSync(path.join(output, '_SUCCESS'))).toBe(true);
    expect(result.featureColumns[0]).toBe('f_tenure_months');
    expect(result.featureColumns.every((column) => column.startsWith('f_'))).toBe(true);
  });

  it('writes one object per partition, as the Spark job does after repartitioning', async () => {
    // Act
    const result = await runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/raw.csv',
        's3://sparkmaker-data/features/t1/',
        'train',
      ),
    });

    // Assess
    const output = path.join(s3Root, 'sparkmaker-data/features/t1');
    const objects = (readdirSync(output, { recursive: true }) as string[]).filter((p) =>
      p.endsWith('.parquet'),
    );
    expect(result.partitions.length).toBeGreaterThan(3);
    expect(objects.map((p) => path.dirname(p)).sort()).toEqual(result.partitions);
  });

  it('computes each feature from the raw row, with NULL for a missing value', async () => {
    // Prepare
    const raw = csvRows('raw.csv');
    await runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/raw.csv',
        's3://sparkmaker-data/features/t1/',
        'train',
      ),
    });
    const output = path.join(s3Root, 'sparkmaker-data/features/t1');

    // Act
    const rows: Record<string, unknown>[] = [];
    for (const partition of readdirSync(output, { recursive: true }) as string[]) {
      if (partition.endsWith('.parquet')) rows.push(...(await readPartition(path.join(output, partition))));
    }

    // Assess
    expect(rows.length).toBeGreaterThan(50);
    for (const row of rows) {
      const source = raw.find((r) => r.customer_id === row.customer_id) as Record<string, string>;
      expect(row).not.toHaveProperty('split');
      expect(row).not.toHaveProperty('dt');
      expect(row.label).toBe(Number(source.churned));
      expect(row.f_tenure_months).toBe(Number(source.tenure_months));
      expect(row.f_total_charges).toBe(source.total_charges === '' ? null : Number(source.total_charges));
      expect(row.f_age).toBe(source.age === '' ? null : Number(source.age));
      const tenure = Number(source.tenure_months);
      expect(row.f_avg_monthly_total).toBe(
        tenure > 0 && source.total_charges !== '' ? Number(source.total_charges) / tenure : null,
      );
      expect(row.f_contract_monthly).toBe(source.contract === 'month-to-month' ? 1 : 0);
      expect(row.f_event_month).toBe(1);
    }
  });

  it('writes score features partitioned by dt only, without split or label', async () => {
    // Prepare
    const dates = [...new Set(csvRows('score.csv').map((row) => `dt=${row.event_date}`))].sort();

    // Act
    const result = await runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/score.csv',
        's3://sparkmaker-data/features/s1/',
        'score',
      ),
    });

    // Assess
    const output = path.join(s3Root, 'sparkmaker-data/features/s1');
    expect(result.rows).toBe(20);
    expect(result.partitions).toEqual(dates);
    const first = await readPartition(path.join(output, dates[0] as string, 'part-0.parquet'));
    expect(Object.keys(first[0] as object)).toEqual(['customer_id', ...result.featureColumns]);
    expect(existsSync(path.join(output, '_SUCCESS'))).toBe(true);
  });

  it('reads every object under a prefix except markers, and replaces a previous output', async () => {
    // Prepare
    writeFileSync(path.join(s3Root, 'sparkmaker-data/incoming/_SUCCESS'), '');
    const stale = path.join(s3Root, 'sparkmaker-data/features/p1/split=train/dt=1999-01-01');
    mkdirSync(stale, { recursive: true });
    writeFileSync(path.join(stale, 'part-0.parquet'), 'stale');

    // Act
    const result = await runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/',
        's3://sparkmaker-data/features/p1/',
        'score',
      ),
    });

    // Assess
    expect(result.rows).toBe(20 + 61);
    expect(existsSync(stale)).toBe(false);
  });

  it('writes byte-identical output when run twice on the same input', async () => {
    // Prepare
    const options = {
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/raw.csv',
        's3://sparkmaker-data/features/d1/',
        'train',
      ),
    };
    const digest = (partitions: readonly string[]) =>
      partitions.map((p) =>
        createHash('sha256')
          .update(readFileSync(path.join(s3Root, 'sparkmaker-data/features/d1', p, 'part-0.parquet')))
          .digest('hex'),
      );

    // Act
    const first = await runFeatureJob(options);
    const firstDigests = digest(first.partitions);
    const second = await runFeatureJob(options);

    // Assess
    expect(second.partitions).toEqual(first.partitions);
    expect(digest(second.partitions)).toEqual(firstDigests);
  });

  it('fails with the DuckDB error and the SQL file name when the SQL is wrong', async () => {
    // Prepare
    const sqlFile = path.join(s3Root, 'broken.sql');
    writeFileSync(sqlFile, 'SELECT customer_id, no_such_column AS dt FROM raw');

    // Act
    const run = runFeatureJob({
      s3Root,
      sqlFile,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/raw.csv',
        's3://sparkmaker-data/features/x/',
        'train',
      ),
    });

    // Assess
    await expect(run).rejects.toThrow(FeatureJobError);
    await expect(run).rejects.toThrow(/broken\.sql failed in DuckDB: .*no_such_column/);
  });

  it.each([
    ['an unterminated quote', 'C9999999,2026-01-01,"unterminated,12.5', /unterminated quoted field.*line 8/],
    ['a row with too few fields', 'C9999999,2026-01-01,3', /line 8: 3 fields where the header has 11/],
  ])('refuses a raw CSV with %s, naming the object and the line', async (_, row, message) => {
    // Prepare
    const lines = readFileSync(path.join(fixtures, 'raw.csv'), 'utf8').split('\n');
    lines.splice(7, 0, row);
    writeFileSync(path.join(s3Root, 'sparkmaker-data/incoming/broken.csv'), lines.join('\n'));

    // Act
    const run = runFeatureJob({
      s3Root,
      entryPointArguments: args(
        's3://sparkmaker-data/incoming/broken.csv',
        's3://sparkmaker-data/features/x/',
        'train',
      ),
    });

    // Assess
    await expect(run).rejects.toThrow(FeatureJobError);
    await expect(run).rejects.toThrow('s3://sparkmaker-data/incoming/broken.csv');
    await expect(run).rejects.toThrow(message);
    expect(existsSync(path.join(s3Root, 'sparkmaker-data/features/x/_SUCCESS'))).toBe(false);
  });

  it('fails naming the input when there is nothing to read', async () => {
    // Act
    const run = runFeatureJob({
      s3Root,
      entryPointArguments: args('s3://sparkmaker-data/nothing/', 's3://sparkmaker-data/features/x/', 'train'),
    });

    // Assess
    await expect(run).rejects.toThrow('feature job: no input objects at s3://sparkmaker-data/nothing/');
  });
});

describe('the feature job arguments', () => {
  it('parse the contract arguments', () => {
    // Act
    const parsed = parseFeatureJobArguments(args('s3://bkt/in/', 's3://bkt/out/', 'score', 'json'));

    // Assess
    expect(parsed).toEqual({
      input: 's3://bkt/in/',
      inputFormat: 'json',
      output: 's3://bkt/out/',
      runId: 'score-1',
      mode: 'score',
    });
  });

  it.each([
    [['--input', 's3://bkt/in/'], /--input-format is required/],
    [[...args('s3://bkt/in/', 's3://bkt/out/', 'train'), '--extra', 'x'], /unknown argument "--extra"/],
    [
      args('s3://bkt/in/', 's3://bkt/out/', 'train', 'avro'),
      /--input-format must be one of csv, parquet, json, got 'avro'/,
    ],
    [args('/tmp/in', 's3://bkt/out/', 'train'), /--input must be an s3:\/\/ URI/],
  ])('reject %j', (argv, message) => {
    // Assess
    expect(() => parseFeatureJobArguments(argv)).toThrow(message);
  });

  it('map s3:// URIs into the bucket directories and refuse keys that leave the bucket', () => {
    // Assess
    expect(localPathOf('/data', 's3://bkt/k/x.csv')).toBe(path.resolve('/data/bkt/k/x.csv'));
    // S3 keys are opaque: '..' is a key segment, kept (escaped) inside the bucket's folder.
    expect(localPathOf('/data', 's3://bkt/../other/x')).toBe(path.resolve('/data/bkt/%e%2E%2E/other/x'));
  });
});
