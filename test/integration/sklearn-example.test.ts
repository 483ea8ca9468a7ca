/**
 * The worked example of docs/declarations.md: scikit-learn's breast-cancer table, written to CSV by
 * scripts/fixtures/make-sklearn-table.py, declared by `sparkmaker init` and trained offline. Skipped
 * (with the reason printed) where python3-sklearn is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { command as initCommand } from '../../local/cli/commands/init';
import { type Runtime, startRuntime } from '../../local/runtime';

const root = join(import.meta.dirname, '..', '..');
/** The first Python that has scikit-learn (Debian's python3-sklearn is under /usr/bin). */
const python = ['python3', '/usr/bin/python3'].find(
  (candidate) => spawnSync(candidate, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0,
);
const sklearn = python !== undefined;
if (!sklearn) console.log('skipping the scikit-learn worked example: python3-sklearn is not installed');

describe.skipIf(!sklearn)('the worked example on scikit-learn breast-cancer', () => {
  let dir: string;
  let runtime: Runtime;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sparkmaker-sklearn-'));
    const made = spawnSync(
      python as string,
      [join(root, 'scripts/fixtures/make-sklearn-table.py'), 'breast-cancer', join(dir, 'breast-cancer.csv')],
      {
        encoding: 'utf8',
      },
    );
    expect(made.status, made.stderr).toBe(0);
  });
  afterAll(async () => {
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('trains a model that passes an AUC gate of 0.9 from the declaration init proposes', async () => {
    const write = process.stdout.write;
    process.stdout.write = (() => true) as never;
    try {
      await initCommand.run([
        join(dir, 'breast-cancer.csv'),
        '--label',
        'target',
        '--out',
        dir,
        '--state-dir',
        join(dir, 'state'),
      ]);
    } finally {
      process.stdout.write = write;
    }
    const input = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as Record<string, unknown>;
    expect(input.table).toMatchObject({ id: 'id', label: 'target' });
    runtime = await startRuntime({ root, stateDir: join(dir, 'state'), timeScale: 0.001 });
    const record = await runtime.run(
      'training',
      { ...input, gate: { metric: 'auc', threshold: 0.9 } },
      'train-breast-cancer',
    );
    expect(record.error ?? '', record.cause).toBe('');
    expect(record.status).toBe('SUCCEEDED');
    const metrics = (JSON.parse(record.output ?? '{}') as { metrics: { auc: number } }).metrics;
    expect(metrics.auc).toBeGreaterThan(0.9);
  });
});
