import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command as endpointsCommand } from '../../../local/cli/commands/endpoints';
import { command as invokeCommand } from '../../../local/cli/commands/invoke';
import { FileObjectStore } from '../../../local/services/s3/file-store';
import { createModelTarGz } from '../../../local/services/sagemaker/artifact';
import { createSageMakerService } from '../../../local/services/sagemaker/service';
import { startSageMakerRuntime } from '../../../local/services/sagemaker-runtime';

const FIXTURES = fileURLToPath(new URL('../../fixtures/model/', import.meta.url));

/** A state directory holding an InService endpoint `ep` created by a (finished) run. */
async function stateWithEndpoint(dir: string): Promise<void> {
  const store = new FileObjectStore(dir);
  await store.createBucket('artifacts');
  await store.putObject(
    'artifacts',
    'm/model.tar.gz',
    createModelTarGz([{ name: 'xgboost-model', data: readFileSync(join(FIXTURES, 'binary_logistic.json')) }]),
  );
  const sagemaker = createSageMakerService({ store, stateDir: dir });
  const runtime = await startSageMakerRuntime({
    store,
    stateDir: dir,
    sageMakerApi: (op, input) => sagemaker.api(op, input),
    createDelayMs: 0,
  });
  const api = runtime.routeApi((op, input) => sagemaker.api(op, input));
  const tags = [
    { Key: 'sparkmaker:execution-arn', Value: 'arn:aws:states:us-east-1:000000000000:execution:s:run' },
  ];
  await api('CreateModel', {
    ModelName: 'ep',
    PrimaryContainer: { Image: 'sagemaker-xgboost:1.7-1', ModelDataUrl: 's3://artifacts/m/model.tar.gz' },
  });
  await api('AddTags', { ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:model/ep', Tags: tags });
  await api('CreateEndpointConfig', {
    EndpointConfigName: 'ep',
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'ep' }],
    Tags: tags,
  });
  await api('CreateEndpoint', { EndpointName: 'ep', EndpointConfigName: 'ep', Tags: tags });
  await runtime.close();
}

describe('sparkmaker invoke and sparkmaker endpoints', () => {
  let dir: string;
  let stdout: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparkmaker-endpoints-cli-'));
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a file in capped requests and writes the responses in order', async () => {
    // Prepare: the fixture rows repeated, about 20 KB, sent 4 KB at a time
    await stateWithEndpoint(dir);
    const rows = readFileSync(join(FIXTURES, 'binary_logistic.input.csv'), 'utf8');
    const expected = readFileSync(join(FIXTURES, 'binary_logistic.input.out'), 'utf8');
    const copies = Math.ceil(20_000 / rows.length);
    writeFileSync(join(dir, 'in.csv'), rows.repeat(copies));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    // Act
    const code = await invokeCommand.run([
      'ep',
      '--input',
      join(dir, 'in.csv'),
      '--content-type',
      'text/csv',
      '--output',
      join(dir, 'out.csv'),
      '--max-request-bytes',
      '4096',
      '--state-dir',
      dir,
    ]);

    // Assess
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe(expected.repeat(copies));
    const report = stderr.mock.calls.map((c) => String(c[0])).join('');
    const requests = Number(/in (\d+) requests of at most 4096 bytes/.exec(report)?.[1]);
    expect(requests).toBeGreaterThanOrEqual(5);
  });

  it('lists the endpoints a run left, deletes one with its configuration and model, then lists none', async () => {
    // Prepare
    await stateWithEndpoint(dir);

    // Act
    await endpointsCommand.run(['--state-dir', dir]);
    const listed = stdout.join('');
    stdout.length = 0;
    await endpointsCommand.run(['--state-dir', dir, '--delete', 'ep']);
    const deleted = stdout.join('');
    stdout.length = 0;
    await endpointsCommand.run(['--state-dir', dir]);

    // Assess
    expect(listed).toMatch(/^NAME +STATUS +CREATED +CREATED BY\nep +InService /);
    expect(deleted).toBe('deleted endpoint ep, endpoint configuration ep, model ep\n');
    expect(stdout.join('')).toContain('none left behind');
  });
});
