/**
 * One generator, two engines: for every declaration of the tests, the Spark SQL (run by
 * jobs/features/main.py on a local PySpark) and the DuckDB SQL (the offline job) give identical
 * feature tables on the same data. Runs wherever PySpark is installed; skipped with the reason
 * printed elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, describe, expect, it } from 'vitest';
import { digestRows, duckdbFeatures, TABLES } from '../../scripts/fixtures/make-declared-tables';
import { CHURN_TABLE, customersCsv } from '../../scripts/make-examples';
import { buildPlan, readDeclaration, resolveDeclaration, sniffCsv } from '../../shared/features';
import { Problems } from '../../shared/fields';

const root = join(import.meta.dirname, '..', '..');
const pyspark = spawnSync('python3', ['-c', 'import pyspark'], { encoding: 'utf8' }).status === 0;
if (!pyspark)
  console.log(
    'skipping the Spark SQL vs DuckDB SQL comparison: PySpark is not installed (pip install pyspark==3.5.*)',
  );

const CASES = [
  ...TABLES.map((table) => ({
    table,
    data: readFileSync(join(root, 'test', 'fixtures', 'declared', `${table.name}.csv`), 'utf8'),
  })),
  {
    table: { name: 'churn-sample', table: CHURN_TABLE as Record<string, unknown> } as (typeof TABLES)[number],
    data: customersCsv({ rows: 500, seed: 9, dates: ['2024-06-01', '2024-06-02'], labelled: true }),
  },
];

async function sparkFeatures(
  name: string,
  tableDeclaration: unknown,
  data: string,
  dir: string,
): Promise<Record<string, unknown>[]> {
  const problems = new Problems('training input');
  const declaration = readDeclaration(tableDeclaration, 'table', problems);
  const ir = resolveDeclaration(declaration as never, sniffCsv(data, { complete: true }).columns, {
    workflow: 'train',
    path: 'table',
    problems,
    source: name,
  });
  problems.throwIfAny();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'data.csv'), data);
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(buildPlan(ir as never)));
  const run = spawnSync(
    'python3',
    [
      join(root, 'jobs', 'features', 'main.py'),
      ...['--input', `file://${dir}/data.csv`, '--input-format', 'csv', '--output', `file://${dir}/out`],
      ...[
        '--run-id',
        'parity',
        '--mode',
        'train',
        '--plan',
        `file://${dir}/plan.json`,
        '--run-date',
        '2024-01-01',
      ],
      ...['--spec-output', `file://${dir}/spec.json`],
    ],
    { encoding: 'utf8', env: { ...process.env, PYSPARK_PYTHON: 'python3' } },
  );
  expect(run.status, run.stderr.slice(-4000)).toBe(0);
  const rows: Record<string, unknown>[] = [];
  for (const file of readdirSync(join(dir, 'out'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.parquet'),
  )) {
    const split = /split=([^/]+)/.exec(file)?.[1];
    const dt = /dt=([^/]+)/.exec(file)?.[1];
    for (const row of await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, 'out', file)) })) {
      rows.push({ ...row, split, dt });
    }
  }
  return rows;
}

describe.skipIf(!pyspark)('Spark SQL and DuckDB SQL of a declaration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkmaker-parity-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const { table, data } of CASES) {
    it(`give identical feature tables for the ${table.name} table`, async () => {
      const spark = await sparkFeatures(table.name, table.table, data, join(dir, table.name));
      const duckdb = await duckdbFeatures(table, data);
      expect(spark.length).toBe(duckdb.length);
      expect(digestRows(table, spark)).toBe(digestRows(table, duckdb));
    }, 300_000);
  }
});
