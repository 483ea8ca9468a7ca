/**
 * The scoring workflow in endpoint mode, offline: the run creates a SageMaker endpoint (local), its
 * Distributed Map children send capped InvokeEndpoint requests, and the endpoint is deleted whatever
 * happens. Scores must equal lambda mode's row for row; failures, an abort and a flaky container
 * must leave no endpoint behind and no duplicate or missing rows.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';
import { failShards } from '../../local/runtime/faults';
import type { FaultInjector } from '../../local/services/lambda';
import { createModelTarGz } from '../../local/services/sagemaker/artifact';
import type { EndpointFaultInjector } from '../../local/services/sagemaker-runtime';
import type { ExecutionRecord } from '../../local/services/sfn';

const root = join(import.meta.dirname, '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'model');
const DATA = 'sparkmaker-data';
const ARTIFACTS = 'sparkmaker-artifacts';

/** Deterministic rows: customer_id and f_0..f_7, some missing, written as CSV with a header. */
function featuresCsv(rows: number, seed: number): string {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const lines = [['customer_id', ...Array.from({ length: 8 }, (_, j) => `f_${j}`)].join(',')];
  for (let r = 0; r < rows; r++) {
    const values = Array.from({ length: 8 }, () => (next() < 0.1 ? '' : ((next() - 0.5) * 4).toFixed(6)));
    lines.push([`c${seed}-${r}`, ...values].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function output(record: ExecutionRecord): Record<string, unknown> {
  return JSON.parse(record.output ?? '{}') as Record<string, unknown>;
}

describe('the scoring workflow in endpoint mode', () => {
  let stateDir: string;
  let runtime: Runtime;
  let faults: FaultInjector | undefined;
  let endpointFaults: EndpointFaultInjector | undefined;

  const partDir = (name: string) => join(stateDir, 's3', DATA, 'scores', name, 'dt=2024-06-03');

  /** id → output columns of every part file of a run's partition; fails on a duplicate id. */
  async function scores(name: string): Promise<{ header: string; rows: Map<string, string> }> {
    const rows = new Map<string, string>();
    let header = '';
    const files = (await readdir(partDir(name)).catch(() => [] as string[])).filter((f) =>
      f.endsWith('.csv'),
    );
    for (const file of files.sort()) {
      const lines = (await readFile(join(partDir(name), file), 'utf8')).trimEnd().split('\n');
      header = lines[0] ?? '';
      for (const line of lines.slice(1)) {
        const id = line.slice(0, line.indexOf(','));
        if (rows.has(id)) throw new Error(`duplicate row ${id} in ${name}`);
        rows.set(id, line.slice(line.indexOf(',') + 1));
      }
    }
    return { header, rows };
  }

  const score = (name: string, extra: Record<string, unknown> = {}, model = 'binary') =>
    runtime.run(
      'scoring',
      {
        input: { uri: `s3://${DATA}/scoring/${model}.csv`, format: 'csv' },
        featureJob: false,
        model: { uri: `s3://${ARTIFACTS}/models/${model}/model.tar.gz` },
        dt: '2024-06-03',
        outputUri: `s3://${DATA}/scores/${name}/`,
        shardSizeBytes: 16 * 1024,
        maxConcurrency: 4,
        ...extra,
      },
      name,
    );

  const endpointsLeft = async () => (await runtime.sageMakerRuntime.list()).map((e) => e.EndpointName);
  /** Models and endpoint configurations a run created (named sm-<run id>) that still exist. */
  const createdLeft = async () => {
    const api = runtime.sageMakerRuntime.routeApi(runtime.sageMaker.api);
    const models = (await api('ListModels', {})) as { Models: Array<{ ModelName: string }> };
    const configs = (await api('ListEndpointConfigs', {})) as {
      EndpointConfigs: Array<{ EndpointConfigName: string }>;
    };
    return [
      ...models.Models.map((m) => m.ModelName),
      ...configs.EndpointConfigs.map((c) => c.EndpointConfigName),
    ].filter((name) => name.startsWith('sm-'));
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-endpoints-'));
    runtime = await startRuntime({
      root,
      stateDir,
      timeScale: 0.001,
      faults: (call) => faults?.(call),
      endpoints: { createDelayMs: 30, faults: (call) => endpointFaults?.(call) },
    });
    for (const [model, fixture, seed] of [
      ['binary', 'binary_logistic', 7],
      ['softprob', 'multi_softprob', 11],
    ] as const) {
      const json = await readFile(join(fixtures, `${fixture}.json`));
      await runtime.store.putObject(
        ARTIFACTS,
        `models/${model}/model.tar.gz`,
        createModelTarGz([{ name: 'xgboost-model', data: json }]),
      );
      await runtime.store.putObject(
        DATA,
        `scoring/${model}.csv`,
        featuresCsv(model === 'binary' ? 3000 : 600, seed),
      );
    }
  });

  afterAll(async () => {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('scores XGBoost rows on a created endpoint exactly as lambda mode does, then deletes the endpoint', async () => {
    // Act
    const lambda = await score('lambda-binary');
    const endpoint = await score('endpoint-binary', { mode: 'endpoint' });

    // Assess
    expect(lambda.status, lambda.cause).toBe('SUCCEEDED');
    expect(endpoint.status, endpoint.cause).toBe('SUCCEEDED');
    expect(output(endpoint)).toMatchObject({ status: 'COMPLETE', rows: 3000, failedShards: [] });
    expect((output(endpoint).shards as number) > 4).toBe(true);
    const expected = await scores('lambda-binary');
    const actual = await scores('endpoint-binary');
    expect(actual.header).toBe('id,score');
    expect(actual.rows.size).toBe(3000);
    expect([...actual.rows.entries()].sort()).toEqual([...expected.rows.entries()].sort());
    expect(await stat(join(partDir('endpoint-binary'), '_SUCCESS'))).toBeDefined();
    expect(await endpointsLeft()).toEqual([]);
    expect(await createdLeft()).toEqual([]);
    expect(runtime.sageMakerRuntime.invocations.get('sm-endpoint-binary')).toBeGreaterThan(4);
  });

  it('scores multi:softprob rows column for column as lambda mode does', async () => {
    // Act
    const lambda = await score('lambda-softprob', {}, 'softprob');
    const endpoint = await score('endpoint-softprob', { mode: 'endpoint' }, 'softprob');

    // Assess
    expect(endpoint.status, endpoint.cause).toBe('SUCCEEDED');
    const expected = await scores('lambda-softprob');
    const actual = await scores('endpoint-softprob');
    expect(lambda.status).toBe('SUCCEEDED');
    expect(actual.header).toBe('id,score_0,score_1,score_2,score_3');
    expect(actual.header).toBe(expected.header);
    expect([...actual.rows.entries()].sort()).toEqual([...expected.rows.entries()].sort());
    expect(await endpointsLeft()).toEqual([]);
  });

  it('attaches to an existing endpoint and never deletes it', async () => {
    // Prepare: an endpoint made by someone else, through the API
    const api = (op: string, input: object) =>
      runtime.sageMakerRuntime.routeApi(runtime.sageMaker.api)(op, input);
    await api('CreateModel', {
      ModelName: 'theirs',
      PrimaryContainer: {
        Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        ModelDataUrl: `s3://${ARTIFACTS}/models/binary/model.tar.gz`,
      },
    });
    await api('CreateEndpointConfig', {
      EndpointConfigName: 'theirs',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'theirs' }],
    });
    await api('CreateEndpoint', { EndpointName: 'theirs', EndpointConfigName: 'theirs' });

    // Act
    const record = await score('existing-binary', { endpoint: { name: 'theirs' } });

    // Assess
    expect(record.status, record.cause).toBe('SUCCEEDED');
    expect((await scores('existing-binary')).rows).toEqual((await scores('lambda-binary')).rows);
    expect(await endpointsLeft()).toEqual(['theirs']);
    await api('DeleteEndpoint', { EndpointName: 'theirs' });
  });

  it('retries a container answering 5xx until it succeeds, with no duplicate or missing rows', async () => {
    // Prepare: the first three invocations answer 503, as a container that is busy
    endpointFaults = ({ attempt }) => (attempt < 3 ? { status: 503, body: 'busy' } : undefined);

    // Act
    const record = await score('endpoint-flaky', { mode: 'endpoint' });
    endpointFaults = undefined;

    // Assess
    expect(record.status, record.cause).toBe('SUCCEEDED');
    const actual = await scores('endpoint-flaky');
    expect(actual.rows).toEqual((await scores('lambda-binary')).rows);
    expect(await endpointsLeft()).toEqual([]);
  });

  it('fails with the container message on a 4xx ModelError and deletes the endpoint', async () => {
    // Prepare
    endpointFaults = () => ({ status: 415, body: 'Loading csv data failed with Exception' });

    // Act
    const record = await score('endpoint-refused', { mode: 'endpoint' });
    endpointFaults = undefined;

    // Assess
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('EndpointInvocationError');
    expect(record.cause).toContain('the container answered 415: Loading csv data failed with Exception');
    expect(await endpointsLeft()).toEqual([]);
    expect(await stat(join(partDir('endpoint-refused'), '_SUCCESS')).catch(() => undefined)).toBeUndefined();
    const results = join(stateDir, 's3', ARTIFACTS, 'map-results', 'endpoint-refused');
    const failedFiles = (await readdir(results, { recursive: true })).filter((f) =>
      /FAILED_\d+\.json$/.test(String(f)),
    );
    const failures = await Promise.all(failedFiles.map((f) => readFile(join(results, String(f)), 'utf8')));
    expect(failures.join('')).toContain('EndpointInvocationError');
    expect(failures.join('')).toContain('the container answered 415: Loading csv data failed with Exception');
  });

  it('deletes the endpoint of a run failing mid-way, and a new run then writes every row once', async () => {
    // Prepare: one shard's child keeps failing
    faults = failShards({ shardIds: ['00002'], errorType: 'ScoringFault', functionName: 'invoke-shard' });

    // Act
    const failed = await score('endpoint-midway', { mode: 'endpoint' });
    faults = undefined;
    const partial = await scores('endpoint-midway');
    const again = await score('endpoint-midway-2', {
      mode: 'endpoint',
      outputUri: `s3://${DATA}/scores/endpoint-midway/`,
    });

    // Assess
    expect(failed.status).toBe('FAILED');
    expect(partial.rows.size).toBeLessThan(3000);
    expect(again.status, again.cause).toBe('SUCCEEDED');
    expect((await scores('endpoint-midway')).rows).toEqual((await scores('lambda-binary')).rows);
    expect(await endpointsLeft()).toEqual([]);
  });

  it('fails with the endpoint FailureReason when the endpoint cannot be created, leaving nothing', async () => {
    // Prepare
    await runtime.store.putObject(ARTIFACTS, 'models/broken/model.tar.gz', 'not a model');
    await runtime.store.putObject(DATA, 'scoring/broken.csv', featuresCsv(10, 1));

    // Act
    const record = await score('endpoint-broken', { mode: 'endpoint' }, 'broken');

    // Assess
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('EndpointFailedError');
    expect(record.cause).toContain('endpoint sm-endpoint-broken failed:');
    expect(await endpointsLeft()).toEqual([]);
  });

  it('deletes the endpoint of a run stopped with StopExecution, through the status-change rule', async () => {
    // Prepare: slow invocations, so the run is stopped while its children are scoring
    endpointFaults = () => ({ delayMs: 150 });
    const started = await runtime.start(
      'scoring',
      {
        input: { uri: `s3://${DATA}/scoring/binary.csv`, format: 'csv' },
        featureJob: false,
        model: { uri: `s3://${ARTIFACTS}/models/binary/model.tar.gz` },
        dt: '2024-06-03',
        outputUri: `s3://${DATA}/scores/endpoint-aborted/`,
        shardSizeBytes: 16 * 1024,
        maxConcurrency: 2,
        mode: 'endpoint',
      },
      'endpoint-aborted',
    );
    for (
      let i = 0;
      i < 500 && (runtime.sageMakerRuntime.invocations.get('sm-endpoint-aborted') ?? 0) === 0;
      i++
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }

    // Act
    await runtime.stepFunctions.stopExecution(started.execution.arn, 'Stopped', 'by the test');
    await runtime.idle();
    endpointFaults = undefined;
    await runtime.sageMakerRuntime.endpoints.settled();

    // Assess
    const record = await runtime.stepFunctions.describeExecution(started.execution.arn);
    expect(record.status).toBe('ABORTED');
    expect(await endpointsLeft()).toEqual([]);
    expect(await createdLeft()).toEqual([]);
    expect(await stat(join(partDir('endpoint-aborted'), '_SUCCESS')).catch(() => undefined)).toBeUndefined();
    await scores('endpoint-aborted'); // throws on a duplicate row
  });
});
