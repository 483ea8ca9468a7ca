import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';
import { customersCsv } from '../../scripts/make-examples';

const root = join(import.meta.dirname, '..', '..');
const DATA = 'sparkmaker-data';

/** Every file under a directory, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join((e as { parentPath?: string; path?: string }).parentPath ?? e.path, e.name).slice(dir.length + 1),
    )
    .sort();
}

describe('a run input that climbs out of its prefix', () => {
  let stateDir: string;
  let runtime: Runtime;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-paths-'));
    runtime = await startRuntime({ root, stateDir, timeScale: 0.001 });
    await runtime.store.putObject(
      DATA,
      'incoming/customers.csv',
      customersCsv({ rows: 200, seed: 3, dates: ['2024-06-01'], labelled: true }),
    );
    await runtime.store.putObject(DATA, 'keep/me.txt', 'precious');
  });

  afterAll(async () => {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  for (const featuresUri of [`s3://${DATA}/features/../`, `s3://${DATA}/features/../incoming/`]) {
    it(`fails validation naming featuresUri for ${featuresUri}, and the data bucket keeps every file`, async () => {
      const before = await files(join(stateDir, 's3', DATA));

      const record = await runtime.run(
        'training',
        {
          input: { uri: `s3://${DATA}/incoming/customers.csv`, format: 'csv' },
          featuresUri,
          hyperparameters: { objective: 'binary:logistic', num_round: '2' },
        },
        `climb-${featuresUri.length}`,
      );

      expect(record.status).toBe('FAILED');
      expect(record.error).toBe('InputValidationError');
      expect(record.cause).toMatch(/featuresUri/);
      expect(await files(join(stateDir, 's3', DATA))).toEqual(before);
    }, 120_000);
  }
});
