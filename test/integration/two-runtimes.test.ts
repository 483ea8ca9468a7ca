import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';

const root = join(import.meta.dirname, '..', '..');
const DATA = 'sparkmaker-data';

describe('two offline runtimes in one process', () => {
  const dirs: string[] = [];
  const runtimes: Runtime[] = [];
  const envBefore = { ...process.env };

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const dir = await mkdtemp(join(tmpdir(), `sparkmaker-two-${i}-`));
      dirs.push(dir);
      runtimes.push(await startRuntime({ root, stateDir: dir, workers: 1 }));
    }
  });

  afterAll(async () => {
    await Promise.all(runtimes.map((r) => r.close()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('leaves process.env untouched and gives each runtime its own endpoints', () => {
    const [a, b] = runtimes;

    expect(process.env).toEqual(envBefore);
    expect(a!.environment.AWS_ENDPOINT_URL_S3).toBe(a!.s3Endpoint.url);
    expect(b!.environment.AWS_ENDPOINT_URL_S3).toBe(b!.s3Endpoint.url);
    expect(a!.s3Endpoint.url).not.toBe(b!.s3Endpoint.url);
    expect(a!.environment.AWS_ENDPOINT_URL_SFN).toBe(a!.apiEndpoint.url);
  });

  it('runs each runtime’s handlers against its own S3: an object only one holds is found only there', async () => {
    const [a, b] = runtimes;
    await a!.store.putObject(DATA, 'only-in-a/rows.csv', 'id,x\n1,2\n3,4\n');
    const event = {
      inputUri: `s3://${DATA}/only-in-a/rows.csv`,
      format: 'csv',
      shardSizeBytes: 1024,
      manifestUri: `s3://${DATA}/plans/manifest.jsonl`,
    };

    const [inA, inB] = await Promise.all([
      a!.lambda.invoke('plan-shards', event),
      b!.lambda.invoke('plan-shards', event),
    ]);

    expect(inA.functionError).toBeUndefined();
    expect(inA.payload).toMatchObject({ shards: 1 });
    expect(await a!.store.headObject(DATA, 'plans/manifest.jsonl')).toBeDefined();
    expect(inB.functionError).toBe('Unhandled');
    expect(await b!.store.headObject(DATA, 'plans/manifest.jsonl')).toBeUndefined();
  });
});
