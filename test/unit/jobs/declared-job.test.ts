import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFeatureJob } from '../../../local/services/emr/feature-job';
import { BadCellsError, FeatureJobError } from '../../../shared/errors';
import {
  buildPlan,
  type FeaturePlan,
  readDeclaration,
  resolveDeclaration,
  sniffCsv,
} from '../../../shared/features';
import { Problems } from '../../../shared/fields';

const TRAIN = [
  'uid,seen,plan,amount,active,y',
  'A1,2024-01-02 10:00:00,gold,1.5,true,1',
  'A2,2024-01-03 11:00:00,silver,,false,0',
  'A3,2024-01-05,gold,7,true,1',
  'A4,,bronze,3,,0',
  'A5,2024-01-06,gold,2,false,1',
].join('\n');

function planFor(csv: string, table: unknown): FeaturePlan {
  const problems = new Problems('training input');
  const declaration = readDeclaration(table, 'table', problems);
  const ir = resolveDeclaration(declaration as never, sniffCsv(csv, { complete: true }).columns, {
    workflow: 'train',
    path: 'table',
    problems,
    source: 't.csv',
  });
  problems.throwIfAny();
  return buildPlan(ir as never);
}

async function rowsOf(dir: string): Promise<Record<string, unknown>[]> {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet'));
  const rows = await Promise.all(
    files.map(async (f) => {
      const dt = /dt=([^/]+)/.exec(f)?.[1];
      const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, f)) });
      return rows.map((row): Record<string, unknown> => ({ ...row, dt }));
    }),
  );
  return rows.flat().sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

describe('the declared DuckDB feature job', () => {
  let root: string;
  const job = (mode: 'train' | 'score', input: string, extra: string[]) =>
    runFeatureJob({
      s3Root: root,
      entryPointArguments: [
        ...['--input', input, '--input-format', 'csv', '--output', `s3://data/features/${mode}/`],
        ...['--run-id', `${mode}-1`, '--mode', mode, '--run-date', '2024-02-01', ...extra],
      ],
    });

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'declared-'));
    mkdirSync(path.join(root, 'data', 'in'), { recursive: true });
    mkdirSync(path.join(root, 'arts'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('learns the vocabulary in training and applies it unchanged at scoring: an unseen category is other', async () => {
    writeFileSync(path.join(root, 'data', 'in', 't.csv'), TRAIN);
    const plan = planFor(TRAIN, {
      id: 'uid',
      label: 'y',
      time: 'seen',
      features: [{ column: 'plan', top: 2 }, 'amount'],
    });
    writeFileSync(path.join(root, 'arts', 'plan.json'), JSON.stringify(plan));
    const trained = await job('train', 's3://data/in/t.csv', [
      '--plan',
      's3://arts/plan.json',
      '--spec-output',
      's3://arts/spec.json',
    ]);
    expect(trained.rows).toBe(5);
    const spec = JSON.parse(readFileSync(path.join(root, 'arts', 'spec.json'), 'utf8')) as FeaturePlan;
    expect(spec.vocabulary).toEqual({ plan: ['gold', 'bronze'] });
    expect(spec.featureColumns).toEqual(['f_plan_1', 'f_plan_2', 'f_plan_other', 'f_amount']);
    const rows = await rowsOf(path.join(root, 'data', 'features', 'train'));
    expect(rows.find((r) => r.id === 'A4')).toMatchObject({
      dt: '2024-02-01',
      f_plan_2: 1,
      f_plan_other: 0,
      f_amount: 3,
    });
    expect(rows.find((r) => r.id === 'A2')).toMatchObject({
      f_plan_1: 0,
      f_plan_2: 0,
      f_plan_other: 1,
      f_amount: null,
    });

    writeFileSync(
      path.join(root, 'data', 'in', 's.csv'),
      'uid,seen,plan,amount,active\nS1,2024-03-01,platinum,4,true\nS2,2024-03-01,gold,5,false\n',
    );
    const scored = await job('score', 's3://data/in/s.csv', ['--plan', 's3://arts/spec.json']);
    expect(scored.featureColumns).toEqual(spec.featureColumns);
    const scoredRows = await rowsOf(path.join(root, 'data', 'features', 'score'));
    expect(scoredRows).toEqual([
      { id: 'S1', dt: '2024-03-01', f_plan_1: 0, f_plan_2: 0, f_plan_other: 1, f_amount: 4 },
      { id: 'S2', dt: '2024-03-01', f_plan_1: 1, f_plan_2: 0, f_plan_other: 0, f_amount: 5 },
    ]);
  });

  it('counts bad cells per column and quarantines their rows with the reason below the threshold', async () => {
    const csv = `${TRAIN}\nA6,2024-01-07,gold,lots,true,1`;
    writeFileSync(path.join(root, 'data', 'in', 't.csv'), csv);
    writeFileSync(
      path.join(root, 'arts', 'plan.json'),
      JSON.stringify(planFor(TRAIN, { id: 'uid', label: 'y', badCellThreshold: 0.5 })),
    );
    const result = await job('train', 's3://data/in/t.csv', ['--plan', 's3://arts/plan.json']);
    expect(result.badCells).toEqual({ y: 0, amount: 1, active: 0, seen: 0 });
    expect(result.quarantineUri).toBe('s3://data/quarantine/features/train/bad-cells.csv');
    expect(
      readFileSync(path.join(root, 'data', 'quarantine', 'features', 'train', 'bad-cells.csv'), 'utf8'),
    ).toBe('uid,seen,plan,amount,active,y,_reason\nA6,2024-01-07,gold,lots,true,1,amount: not a number\n');
  });

  it('stops with BadCellsError above the threshold (default 1 %), naming the column and the share', async () => {
    writeFileSync(path.join(root, 'data', 'in', 't.csv'), `${TRAIN}\nA6,2024-01-07,gold,lots,true,1`);
    writeFileSync(
      path.join(root, 'arts', 'plan.json'),
      JSON.stringify(planFor(TRAIN, { id: 'uid', label: 'y' })),
    );
    const failure = job('train', 's3://data/in/t.csv', ['--plan', 's3://arts/plan.json']);
    await expect(failure).rejects.toThrow(BadCellsError);
    await expect(failure).rejects.toThrow(/threshold 1\.00 %.*'amount' 1 of 6 \(16\.67 %\) not numbers/);
  });

  it('fails naming a declared column the input lacks, with the nearest column', async () => {
    writeFileSync(path.join(root, 'data', 'in', 't.csv'), TRAIN.replace('amount', 'amnt'));
    writeFileSync(
      path.join(root, 'arts', 'plan.json'),
      JSON.stringify(planFor(TRAIN, { id: 'uid', label: 'y' })),
    );
    await expect(job('train', 's3://data/in/t.csv', ['--plan', 's3://arts/plan.json'])).rejects.toThrow(
      /has no column 'amount' \(did you mean 'amnt'\?\)/,
    );
  });

  it('refuses to score with a plan that has not learned a vocabulary', async () => {
    writeFileSync(path.join(root, 'data', 'in', 't.csv'), TRAIN);
    writeFileSync(
      path.join(root, 'arts', 'plan.json'),
      JSON.stringify(planFor(TRAIN, { id: 'uid', label: 'y' })),
    );
    await expect(job('score', 's3://data/in/t.csv', ['--plan', 's3://arts/plan.json'])).rejects.toThrow(
      FeatureJobError,
    );
  });
});
