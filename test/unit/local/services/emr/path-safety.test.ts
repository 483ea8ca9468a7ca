import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localPathOf, runFeatureJob } from '../../../../../local/services/emr/feature-job';
import { FileObjectStore } from '../../../../../local/services/s3/file-store';
import { customersCsv } from '../../../../../scripts/make-examples';

const args = (output: string) => [
  '--input',
  's3://sparkmaker-data/incoming/',
  '--input-format',
  'csv',
  '--output',
  output,
  '--run-id',
  'climb',
  '--mode',
  'train',
];

describe('the local feature job deleting its output folder', () => {
  let stateDir: string;
  let store: FileObjectStore;

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-emr-paths-'));
    store = new FileObjectStore(stateDir);
    await store.createBucket('sparkmaker-data');
    await store.putObject(
      'sparkmaker-data',
      'incoming/c.csv',
      customersCsv({ rows: 50, seed: 1, dates: ['2024-06-01'], labelled: true }),
    );
    await store.putObject('sparkmaker-data', 'keep/me.txt', 'precious');
  });

  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  for (const output of [
    's3://sparkmaker-data/features/../',
    's3://sparkmaker-data/features/%2e%2e/',
    's3://sparkmaker-data/features/../incoming/',
  ]) {
    it(`refuses --output ${output} and deletes nothing`, async () => {
      const before = await readdir(join(stateDir, 's3', 'sparkmaker-data'), { recursive: true });

      await expect(
        runFeatureJob({ s3Root: join(stateDir, 's3'), entryPointArguments: args(output) }),
      ).rejects.toThrow(/--output must not have a '\.' or '\.\.' path segment/);
      expect(await readdir(join(stateDir, 's3', 'sparkmaker-data'), { recursive: true })).toEqual(before);
    });
  }

  it('refuses to empty the bucket folder itself (an output of s3://bucket/)', async () => {
    await expect(
      runFeatureJob({ s3Root: join(stateDir, 's3'), entryPointArguments: args('s3://sparkmaker-data/') }),
    ).rejects.toThrow(/not inside the folder it belongs to/);
    expect(await store.getObject('sparkmaker-data', 'keep/me.txt')).toBeDefined();
  });

  it('maps an s3:// URI to the folder the local S3 store keeps it in, never above the bucket', () => {
    const s3 = join(stateDir, 's3');
    expect(localPathOf(s3, 's3://sparkmaker-data/features/t1/')).toBe(
      join(s3, 'sparkmaker-data', 'features', 't1'),
    );
    expect(localPathOf(s3, 's3://sparkmaker-data/features/../')).toBe(
      join(s3, 'sparkmaker-data', 'features', '%e%2E%2E'),
    );
  });
});
