/**
 * Endpoint mode against in-Lambda scoring, in this one run: the same shard (100 000 rows, 8
 * features, CSV with a header) scored by the `score-shard` handler (XGBoost in process) and by the
 * `invoke-shard` handler (rows sent to a local SageMaker endpoint hosting the same model, in
 * requests of at most 5 MiB, 4 in flight), both invoked through the offline runtime's Lambda service
 * against its S3 and SageMaker Runtime endpoints. Alternating, 3 times each; the best of each counts.
 * Outputs are compared byte for byte. Figures: rows/s of each, the ratio endpoint / lambda, the
 * number of requests, and the load average (the machine is shared).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime';
import { createModelTarGz } from '../local/services/sagemaker/artifact';
import { stagedPartKey } from '../shared/partitions';

const ROWS = 100_000;
const root = join(import.meta.dirname, '..');

function table(rows: number): string {
  let state = 42;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const lines = [`customer_id,${Array.from({ length: 8 }, (_, j) => `f_${j}`).join(',')}`];
  for (let r = 0; r < rows; r++) {
    const values = Array.from({ length: 8 }, () => (next() < 0.1 ? '' : ((next() - 0.5) * 4).toFixed(6)));
    lines.push(`c${r},${values.join(',')}`);
  }
  return `${lines.join('\n')}\n`;
}

export default async function bench(): Promise<Record<string, unknown>> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-bench-endpoint-'));
  const runtime = await startRuntime({ root, stateDir, endpoints: { createDelayMs: 0 } });
  try {
    const model = await readFile(join(root, 'test', 'fixtures', 'model', 'binary_logistic.json'));
    await runtime.store.putObject(
      'sparkmaker-artifacts',
      'models/bench/model.tar.gz',
      createModelTarGz([{ name: 'xgboost-model', data: model }]),
    );
    await runtime.store.putObject('sparkmaker-data', 'bench/rows.csv', table(ROWS));
    const api = runtime.sageMakerRuntime.routeApi((op, input) => runtime.sageMaker.api(op, input));
    await api('CreateModel', {
      ModelName: 'bench',
      PrimaryContainer: {
        Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
        ModelDataUrl: 's3://sparkmaker-artifacts/models/bench/model.tar.gz',
      },
    });
    await api('CreateEndpointConfig', {
      EndpointConfigName: 'bench',
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'bench' }],
    });
    await api('CreateEndpoint', { EndpointName: 'bench', EndpointConfigName: 'bench' });
    await runtime.sageMakerRuntime.endpoints.settled();
    const shard = { shardId: '00000', source: 's3://sparkmaker-data/bench/rows.csv', format: 'csv' };
    const common = { runId: 'bench', dt: '2024-01-01' };
    const lambdaPayload = {
      Items: [shard],
      BatchInput: {
        ...common,
        modelUri: 's3://sparkmaker-artifacts/models/bench/model.tar.gz',
        outputUri: 's3://sparkmaker-data/scores/lambda/',
      },
    };
    const endpointPayload = {
      Items: [shard],
      BatchInput: {
        ...common,
        endpointName: 'bench',
        algorithm: 'xgboost',
        contentType: 'text/csv',
        maxRequestBytes: 5 * 1024 * 1024,
        featureColumnsUri: null,
        outputUri: 's3://sparkmaker-data/scores/endpoint/',
      },
    };
    const time = async (name: string, payload: unknown): Promise<number> => {
      const started = performance.now();
      const result = await runtime.lambda.invoke(
        `arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-${name}`,
        payload,
      );
      if (result.functionError !== undefined)
        throw new Error(`${name} failed: ${JSON.stringify(result.payload)}`);
      return performance.now() - started;
    };
    const lambdaMs: number[] = [];
    const endpointMs: number[] = [];
    const before = runtime.sageMakerRuntime.invocations.get('bench') ?? 0;
    for (let i = 0; i < 3; i++) {
      lambdaMs.push(await time('score-shard', lambdaPayload));
      endpointMs.push(await time('invoke-shard', endpointPayload));
    }
    const requests = ((runtime.sageMakerRuntime.invocations.get('bench') ?? 0) - before) / 3;
    const lambdaOut = await runtime.store.getObject(
      'sparkmaker-data',
      stagedPartKey('scores/lambda/', 'bench', '2024-01-01', '00000'),
    );
    const endpointOut = await runtime.store.getObject(
      'sparkmaker-data',
      stagedPartKey('scores/endpoint/', 'bench', '2024-01-01', '00000'),
    );
    const identical = Buffer.from(lambdaOut).equals(Buffer.from(endpointOut));
    const lambdaRate = ROWS / (Math.min(...lambdaMs) / 1000);
    const endpointRate = ROWS / (Math.min(...endpointMs) / 1000);
    return {
      rows: ROWS,
      lambdaRowsPerSecond: Math.round(lambdaRate),
      endpointRowsPerSecond: Math.round(endpointRate),
      ratioEndpointToLambda: Number((endpointRate / lambdaRate).toFixed(3)),
      requestsPerShard: requests,
      outputsIdentical: identical,
      lambdaMs: lambdaMs.map(Math.round),
      endpointMs: endpointMs.map(Math.round),
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
      note: 'one process, loopback HTTP; the machine is shared by several engineers, so the load average is part of the figure',
    };
  } finally {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  }
}
