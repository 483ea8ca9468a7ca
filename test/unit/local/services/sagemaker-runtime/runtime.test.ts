import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createModelTarGz } from '../../../../../local/services/sagemaker/artifact';
import { createSageMakerService } from '../../../../../local/services/sagemaker/service';
import {
  type EndpointFaultInjector,
  type SageMakerRuntime,
  startSageMakerRuntime,
} from '../../../../../local/services/sagemaker-runtime';
import { decodeRecordIO } from '../../../../../shared/formats';

const fixtures = join(__dirname, '../../../../fixtures/model');
const open: SageMakerRuntime[] = [];

afterEach(async () => {
  while (open.length > 0) await open.pop()?.close();
});

async function setup(
  options: {
    model?: string;
    environment?: Record<string, string>;
    faults?: EndpointFaultInjector;
    invocationTimeoutMs?: number;
  } = {},
) {
  const store = new MemoryObjectStore();
  const stateDir = mkdtempSync(join(tmpdir(), 'sm-rt-'));
  const sagemaker = createSageMakerService({ store, stateDir, backend: 'embedded' });
  const model = readFileSync(join(fixtures, `${options.model ?? 'binary_logistic'}.json`));
  await store.putObject(
    'artifacts',
    'm/model.tar.gz',
    createModelTarGz([{ name: 'xgboost-model', data: model }]),
  );
  await sagemaker.api('CreateModel', {
    ModelName: 'm1',
    PrimaryContainer: {
      Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      ModelDataUrl: 's3://artifacts/m/model.tar.gz',
      Environment: options.environment ?? {},
    },
  });
  const runtime = await startSageMakerRuntime({
    store,
    stateDir,
    sageMakerApi: (op, input) => sagemaker.api(op, input),
    createDelayMs: 20,
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.invocationTimeoutMs === undefined
      ? {}
      : { invocationTimeoutMs: options.invocationTimeoutMs }),
  });
  open.push(runtime);
  const api = runtime.routeApi((op, input) => sagemaker.api(op, input));
  const client = new SageMakerRuntimeClient({
    endpoint: runtime.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  return { store, stateDir, sagemaker, runtime, api, client };
}

async function createEndpoint(api: (op: string, input: object) => Promise<object>, name = 'ep1') {
  await api('CreateEndpointConfig', {
    EndpointConfigName: `${name}-config`,
    ProductionVariants: [
      { VariantName: 'AllTraffic', ModelName: 'm1', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' },
    ],
    Tags: [{ Key: 'sparkmaker:execution-arn', Value: 'arn:x' }],
  });
  await api('CreateEndpoint', { EndpointName: name, EndpointConfigName: `${name}-config` });
}

async function waitInService(api: (op: string, input: object) => Promise<object>, name = 'ep1') {
  for (let i = 0; i < 200; i++) {
    const d = (await api('DescribeEndpoint', { EndpointName: name })) as { EndpointStatus: string };
    if (d.EndpointStatus !== 'Creating') return d;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('endpoint never left Creating');
}

const rowsCsv = '1.39,0.12,,1.83,-1.41,-0.68,-0.73,-0.96\n0.41,,-1.03,,-1.55,-1.95,-0.35,-0.03\n';

function invoke(
  client: SageMakerRuntimeClient,
  body: string | Uint8Array,
  extra: Record<string, string> = {},
) {
  return client.send(
    new InvokeEndpointCommand({
      EndpointName: 'ep1',
      Body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
      ContentType: 'text/csv',
      ...extra,
    }),
  );
}

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Record<string, unknown>;
  }
  throw new Error('the call succeeded');
}

describe('the local SageMaker endpoint lifecycle', () => {
  it('goes Creating then InService, lists the endpoint and keeps its tags', async () => {
    // Prepare
    const { api } = await setup();
    // Act
    await createEndpoint(api);
    const first = (await api('DescribeEndpoint', { EndpointName: 'ep1' })) as { EndpointStatus: string };
    const later = await waitInService(api);
    const listed = (await api('ListEndpoints', {})) as { Endpoints: Array<{ EndpointName: string }> };
    const config = (await api('DescribeEndpointConfig', { EndpointConfigName: 'ep1-config' })) as {
      EndpointConfigArn: string;
    };
    const tags = (await api('ListTags', { ResourceArn: config.EndpointConfigArn })) as { Tags: unknown[] };
    // Assess
    expect(first.EndpointStatus).toBe('Creating');
    expect(later).toMatchObject({
      EndpointStatus: 'InService',
      EndpointArn: expect.stringMatching(/:endpoint\/ep1$/),
    });
    expect(typeof (later as unknown as { CreationTime: unknown }).CreationTime).toBe('number');
    expect(listed.Endpoints.map((e) => e.EndpointName)).toEqual(['ep1']);
    expect(tags.Tags).toEqual([{ Key: 'sparkmaker:execution-arn', Value: 'arn:x' }]);
  });

  it('fails an endpoint whose model cannot be loaded, with a FailureReason', async () => {
    // Prepare
    const { api, store } = await setup();
    await store.putObject('artifacts', 'm/model.tar.gz', 'not a model');
    // Act
    await createEndpoint(api);
    const described = await waitInService(api);
    // Assess
    expect(described).toMatchObject({ EndpointStatus: 'Failed' });
    expect(String((described as { FailureReason?: string }).FailureReason)).not.toBe('');
  });

  it('answers missing resources and duplicates with ValidationException', async () => {
    // Prepare
    const { api } = await setup();
    await createEndpoint(api);
    // Act
    const missing = await failure(api('DescribeEndpoint', { EndpointName: 'nope' }));
    const duplicate = await failure(
      api('CreateEndpoint', { EndpointName: 'ep1', EndpointConfigName: 'ep1-config' }),
    );
    const noModel = await failure(
      api('CreateEndpointConfig', {
        EndpointConfigName: 'c2',
        ProductionVariants: [{ VariantName: 'v', ModelName: 'absent' }],
      }),
    );
    // Assess
    expect(missing).toMatchObject({ name: 'ValidationException' });
    expect(String(missing.message)).toContain('Could not find endpoint');
    expect(duplicate).toMatchObject({ name: 'ValidationException' });
    expect(String(duplicate.message)).toContain('Cannot create already existing endpoint');
    expect(String(noModel.message)).toContain('Could not find model');
  });

  it('deletes the endpoint, its configuration and the model, and nothing is listed after', async () => {
    // Prepare
    const { api } = await setup();
    await createEndpoint(api);
    await waitInService(api);
    // Act
    await api('DeleteEndpoint', { EndpointName: 'ep1' });
    await api('DeleteEndpointConfig', { EndpointConfigName: 'ep1-config' });
    await api('DeleteModel', { ModelName: 'm1' });
    // Assess
    expect(((await api('ListEndpoints', {})) as { Endpoints: unknown[] }).Endpoints).toEqual([]);
    expect(await failure(api('DescribeModel', { ModelName: 'm1' }))).toMatchObject({
      name: 'ValidationException',
    });
  });

  it('serves endpoints again in a new process from the state directory', async () => {
    // Prepare
    const first = await setup();
    await createEndpoint(first.api);
    await waitInService(first.api);
    await first.runtime.close();
    const again = await startSageMakerRuntime({
      store: first.store,
      stateDir: first.stateDir,
      sageMakerApi: (op, input) => first.sagemaker.api(op, input),
    });
    open.push(again);
    await again.endpoints.settled();
    const client = new SageMakerRuntimeClient({
      endpoint: again.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    // Act
    const response = await invoke(client, rowsCsv);
    // Assess
    expect(new TextDecoder().decode(response.Body).split('\n')).toHaveLength(3);
  });
});

describe('InvokeEndpoint on the local XGBoost 1.7-1 endpoint', () => {
  it('answers text/csv one prediction per line, as the container prints them', async () => {
    // Prepare
    const { api, client } = await setup();
    await createEndpoint(api);
    await waitInService(api);
    const input = readFileSync(join(fixtures, 'binary_logistic.input.csv'), 'utf8');
    const expected = readFileSync(join(fixtures, 'binary_logistic.input.out'), 'utf8');
    // Act
    const response = await invoke(client, input);
    // Assess
    expect(new TextDecoder().decode(response.Body)).toBe(expected);
    expect(response.ContentType).toBe('text/csv');
    expect(response.InvokedProductionVariant).toBe('AllTraffic');
  });

  it('answers application/json as {"predictions": [{"score": …}]} and softprob rows as lists', async () => {
    // Prepare
    const { api, client } = await setup({ model: 'multi_softprob' });
    await createEndpoint(api);
    await waitInService(api);
    const input = readFileSync(join(fixtures, 'multi_softprob.input.csv'), 'utf8')
      .split('\n')
      .slice(0, 2)
      .join('\n');
    // Act
    const json = await invoke(client, input, { Accept: 'application/json' });
    const csv = await invoke(client, input, { Accept: 'text/csv' });
    // Assess
    const text = new TextDecoder().decode(json.Body);
    expect(text).toMatch(
      /^\{"predictions": \[\{"score": \[[0-9.e-]+, [0-9.e-]+, [0-9.e-]+, [0-9.e-]+\]\}, \{"score": \[/,
    );
    expect(new TextDecoder().decode(csv.Body).trimEnd().split('\n')[0]!.split(',')).toHaveLength(4);
  });

  it('refuses an unknown Accept with 406 and an unknown content type with 415, as ModelErrors', async () => {
    // Prepare
    const { api, client } = await setup();
    await createEndpoint(api);
    await waitInService(api);
    // Act
    const accept = await failure(invoke(client, rowsCsv, { Accept: 'application/xml' }));
    const type = await failure(invoke(client, rowsCsv, { ContentType: 'application/parquet' }));
    const jsonlines = await failure(invoke(client, rowsCsv, { Accept: 'application/jsonlines' }));
    // Assess
    expect(accept).toMatchObject({ name: 'ModelError', OriginalStatusCode: 406 });
    expect(accept.$metadata).toMatchObject({ httpStatusCode: 424 });
    expect(String(accept.OriginalMessage)).toContain('Accept type application/xml is not supported');
    expect(String(accept.message)).toMatch(/^Received client error \(406\) from primary with message/);
    expect(String(accept.LogStreamArn)).toContain('/aws/sagemaker/Endpoints/ep1');
    expect(type).toMatchObject({ name: 'ModelError', OriginalStatusCode: 415 });
    expect(jsonlines).toMatchObject({ name: 'ModelError', OriginalStatusCode: 500 });
  });

  it('answers selectable outputs in CSV, JSON Lines and RecordIO-protobuf', async () => {
    // Prepare
    const { api, client } = await setup({
      environment: { SAGEMAKER_INFERENCE_OUTPUT: 'predicted_label, probabilities,predicted_score' },
    });
    await createEndpoint(api);
    await waitInService(api);
    // Act
    const csv = new TextDecoder().decode((await invoke(client, rowsCsv, { Accept: 'text/csv' })).Body);
    const jsonl = new TextDecoder().decode(
      (await invoke(client, rowsCsv, { Accept: 'application/jsonlines' })).Body,
    );
    const rec = (await invoke(client, rowsCsv, { Accept: 'application/x-recordio-protobuf' })).Body!;
    // Assess
    const [label, p0, p1, score] = csv.split('\n')[0]!.split(',');
    expect(label).toMatch(/^[01]$/);
    expect(p0).toMatch(/^"\[/);
    expect(p1).toMatch(/\]"$/);
    expect(score).toBe('nan');
    expect(csv.endsWith('\n')).toBe(false);
    const lines = jsonl
      .split('\n')
      .map((l) => JSON.parse(l.replaceAll('NaN', 'null')) as Record<string, unknown>);
    expect(Object.keys(lines[0]!)).toEqual(['predicted_label', 'probabilities', 'predicted_score']);
    const records = decodeRecordIO(rec);
    expect(records).toHaveLength(2);
    expect([...records[0]!.label.keys()]).toEqual(['predicted_label', 'probabilities', 'predicted_score']);
  });

  it('refuses a body over 6 MiB with a ValidationError, as the service does', async () => {
    // Prepare
    const { api, client } = await setup();
    await createEndpoint(api);
    await waitInService(api);
    const body = new Uint8Array(6291457).fill(0x31);
    // Act
    const error = await failure(invoke(client, body));
    // Assess
    expect(error).toMatchObject({ name: 'ValidationError' });
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400 });
    expect(String(error.message)).toContain('Member must have length less than or equal to 6291456');
  });

  it('answers an unknown endpoint with ValidationError 400', async () => {
    // Prepare
    const { client } = await setup();
    // Act
    const error = await failure(invoke(client, rowsCsv));
    // Assess
    expect(error).toMatchObject({
      name: 'ValidationError',
      message: 'Endpoint ep1 of account 000000000000 not found.',
    });
  });

  it('turns a container that does not answer within the invocation timeout into ModelError server error (0)', async () => {
    // Prepare
    const { api, client } = await setup({ faults: () => ({ delayMs: 200 }), invocationTimeoutMs: 30 });
    await createEndpoint(api);
    await waitInService(api);
    // Act
    const error = await failure(invoke(client, rowsCsv));
    // Assess
    expect(error).toMatchObject({ name: 'ModelError', OriginalStatusCode: 0 });
    expect(String(error.message)).toMatch(/^Received server error \(0\) from primary/);
  });
});
