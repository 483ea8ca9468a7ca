/**
 * Declared tables end to end, offline: four tables of different shapes train and score through the
 * real state machines with no hand-written SQL. Tables: scripts/fixtures/make-declared-tables.ts.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as initCommand } from '../../local/cli/commands/init';
import { type Runtime, startRuntime } from '../../local/runtime';
import { runFeatureJob } from '../../local/services/emr/feature-job';
import type { ExecutionRecord } from '../../local/services/sfn';
import { digestRows, TABLES } from '../../scripts/fixtures/make-declared-tables';
import type { FeaturePlan } from '../../shared/features';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'declared');
const DATA = 'sparkmaker-data';

async function parquetRows(dir: string): Promise<Record<string, unknown>[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const rows: Record<string, unknown>[] = [];
  for (const file of entries.filter((f) => f.endsWith('.parquet')).sort()) {
    const split = /split=([^/]+)/.exec(file)?.[1];
    const dt = /dt=([^/]+)/.exec(file)?.[1];
    for (const row of await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, file)) })) {
      rows.push({ ...row, ...(split === undefined ? {} : { split }), dt });
    }
  }
  return rows;
}

function output(record: ExecutionRecord): Record<string, unknown> {
  return JSON.parse(record.output ?? '{}') as Record<string, unknown>;
}

describe('declared tables, trained and scored offline', () => {
  let stateDir: string;
  let runtime: Runtime;
  let s3: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-declared-'));
    s3 = join(stateDir, 's3');
    runtime = await startRuntime({ root, stateDir, timeScale: 0.001 });
    for (const table of TABLES) {
      for (const file of [`${table.name}.csv`, `${table.name}-scoring.csv`]) {
        await runtime.store.putObject(DATA, `tables/${file}`, readFileSync(join(fixtures, file)));
      }
    }
  });

  afterAll(async () => {
    await runtime?.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  for (const table of TABLES) {
    it(`trains and scores the ${table.name} table from its declaration, scores matching the input rows by id`, async () => {
      const training = await runtime.run(
        'training',
        {
          input: { uri: `s3://${DATA}/tables/${table.name}.csv`, format: 'csv' },
          table: table.table,
          hyperparameters: table.hyperparameters,
          gate: table.gate,
          modelPackageGroup: `declared-${table.name}`,
          approvalStatus: 'Approved',
        },
        `train-declared-${table.name}`,
      );
      expect(training.error ?? '', training.cause).toBe('');
      expect(training.status).toBe('SUCCEEDED');

      // The DuckDB feature table is the pinned one (scripts/fixtures/make-declared-tables.ts --pin).
      const pinned = JSON.parse(readFileSync(join(fixtures, `${table.name}.features.json`), 'utf8')) as {
        rows: number;
        sha256: string;
      };
      const features = await parquetRows(join(s3, DATA, 'features', `train-declared-${table.name}`));
      expect(features.length).toBe(pinned.rows);
      expect(digestRows(table, features)).toBe(pinned.sha256);

      // The spec sits beside the model and is registered with the package.
      const specFile = join(
        s3,
        'sparkmaker-artifacts',
        'models',
        `train-declared-${table.name}`,
        'feature-spec.json',
      );
      const spec = JSON.parse(await readFile(specFile, 'utf8')) as FeaturePlan;
      expect(spec.trainedBy).toBe(`train-declared-${table.name}`);
      const described = await runtime.sageMaker.api('DescribeModelPackage', {
        ModelPackageName: output(training).modelPackageArn as string,
      });
      expect(
        (described as { CustomerMetadataProperties: Record<string, string> }).CustomerMetadataProperties
          .featureSpecUri,
      ).toBe(`s3://sparkmaker-artifacts/models/train-declared-${table.name}/feature-spec.json`);

      const scoring = await runtime.run(
        'scoring',
        {
          input: { uri: `s3://${DATA}/tables/${table.name}-scoring.csv`, format: 'csv' },
          table: table.table,
          model: { modelPackageGroup: `declared-${table.name}` },
          dt: '2024-06-03',
          outputUri: `s3://${DATA}/scores/declared-${table.name}/`,
        },
        `score-declared-${table.name}`,
      );
      expect(scoring.error ?? '', scoring.cause).toBe('');
      expect(scoring.status).toBe('SUCCEEDED');
      const scoresDir = join(s3, DATA, 'scores', `declared-${table.name}`, 'dt=2024-06-03');
      const ids: string[] = [];
      for (const file of (await readdir(scoresDir)).filter((f) => f.endsWith('.csv'))) {
        const lines = (await readFile(join(scoresDir, file), 'utf8')).split('\n').filter((l) => l !== '');
        ids.push(...lines.slice(lines[0]?.startsWith('id,') ? 1 : 0).map((l) => l.split(',')[0] as string));
      }
      const input = readFileSync(join(fixtures, `${table.name}-scoring.csv`), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      expect(ids.sort()).toEqual(input.map((line) => line.split(',')[0] as string).sort());
    }, 240_000);
  }

  it('trains from what sparkmaker init wrote, with no other step', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sparkmaker-init-'));
    try {
      await writeFile(join(dir, 'species.csv'), readFileSync(join(fixtures, 'multiclass.csv')));
      const write = process.stdout.write;
      process.stdout.write = (() => true) as never;
      try {
        await initCommand.run([
          join(dir, 'species.csv'),
          '--label',
          'species',
          '--out',
          dir,
          '--state-dir',
          stateDir,
        ]);
      } finally {
        process.stdout.write = write;
      }
      const input = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as Record<string, unknown>;
      expect(input.hyperparameters).toMatchObject({ objective: 'multi:softprob', num_class: '3' });
      const training = await runtime.run('training', input, 'train-from-init');
      expect(training.error ?? '', training.cause).toBe('');
      expect(training.status).toBe('SUCCEEDED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);

  it('maps a category never seen in training to other without shifting any other feature', async () => {
    const specUri = 's3://sparkmaker-artifacts/models/train-declared-mixed/feature-spec.json';
    const spec = JSON.parse(
      await readFile(
        join(s3, 'sparkmaker-artifacts', 'models', 'train-declared-mixed', 'feature-spec.json'),
        'utf8',
      ),
    ) as FeaturePlan;
    expect(spec.vocabulary?.plan).toEqual(expect.arrayContaining(['free', 'pro', 'team']));
    const seen = 'account,seen_at,plan,region,spend,active\nA,2024-03-02 10:15:00,pro,north,120.5,true\n';
    const unseen = seen.replace(',pro,', ',platinum,');
    const score = async (name: string, body: string) => {
      mkdirSync(join(s3, DATA, 'unseen'), { recursive: true });
      await writeFile(join(s3, DATA, 'unseen', `${name}.csv`), body);
      const result = await runFeatureJob({
        s3Root: s3,
        entryPointArguments: [
          ...['--input', `s3://${DATA}/unseen/${name}.csv`, '--input-format', 'csv'],
          ...['--output', `s3://${DATA}/features/unseen-${name}/`, '--run-id', `unseen-${name}`],
          ...['--mode', 'score', '--plan', specUri],
        ],
      });
      expect(result.featureColumns).toEqual(spec.featureColumns);
      return (await parquetRows(join(s3, DATA, 'features', `unseen-${name}`)))[0] as Record<string, unknown>;
    };
    const a = await score('seen', seen);
    const b = await score('unseen', unseen);
    const proSlot = `f_plan_${(spec.vocabulary?.plan ?? []).indexOf('pro') + 1}`;
    expect(a[proSlot]).toBe(1);
    expect(b[proSlot]).toBe(0);
    expect(b.f_plan_other).toBe(1);
    const others = spec.featureColumns.filter((c) => !c.startsWith('f_plan_'));
    expect(Object.fromEntries(others.map((c) => [c, b[c]]))).toEqual(
      Object.fromEntries(others.map((c) => [c, a[c]])),
    );
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  });
});
