import { readFileSync } from 'node:fs';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
    SCORE_BLOCK_ROWS: '7',
    INVOKE_MAX_ATTEMPTS: '3',
  });
});

import { handler } from '../../../functions/invoke-shard';
import { denseRows, formatRealtimeCsv, loadModel } from '../../../shared/model';
import { stagedPartKey } from '../../../shared/partitions';
import { lambdaContext } from './context';
import { fakeS3 } from './s3-fake';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../../fixtures/model/${name}`, import.meta.url));
const model = loadModel(fixture('binary_logistic.json'));
const inputRows = fixture('binary_logistic.input.csv').toString('utf8').trim().split('\n');
const expectedScores = fixture('binary_logistic.input.out').toString('utf8').trim().split('\n');
const features = Array.from({ length: 8 }, (_, i) => `f_${i}`);
const table = `customer_id,${features.join(',')}\n${inputRows.map((row, i) => `c${i},${row}`).join('\n')}\n`;

const context = lambdaContext('invoke-shard');
const runtime = mockClient(SageMakerRuntimeClient);
let fake = fakeS3();

/** The endpoint: the real XGBoost scorer answering realtime text/csv. */
function scoringEndpoint(bodies: string[]): void {
  runtime.on(InvokeEndpointCommand).callsFake((input: { Body: Uint8Array }) => {
    const text = new TextDecoder().decode(input.Body);
    bodies.push(text);
    const rows = text
      .trimEnd()
      .split('\n')
      .map((l) => l.split(',').map((v) => (v === '' ? Number.NaN : Number(v))));
    return {
      Body: Uint8ArrayBlobAdapter.fromString(
        formatRealtimeCsv(model.predict(denseRows(rows, 8), rows.length)),
      ),
    };
  });
}

const batchInput = {
  runId: 'score-1',
  endpointName: 'sm-score-1',
  algorithm: 'xgboost',
  contentType: 'text/csv',
  maxRequestBytes: 1024,
  featureColumnsUri: null,
  outputUri: 's3://data/scores/',
  dt: '2024-01-01',
};

beforeEach(() => {
  fake = fakeS3();
  runtime.reset();
});

describe('invoke-shard', () => {
  it('scores a shard on the endpoint in capped requests and writes the container scores in input order', async () => {
    // Prepare
    await fake.store.putObject('data', 'in/table.csv', table);
    const bodies: string[] = [];
    scoringEndpoint(bodies);
    // Act
    const result = await handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/in/table.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    // Assess
    expect(result).toMatchObject({ shards: [{ shardId: '00000', rows: inputRows.length }] });
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1024);
    const text = await fake.text('data', stagedPartKey('scores/', 'score-1', '2024-01-01', '00000'));
    const [header, ...lines] = text.trimEnd().split('\n');
    expect(header).toBe('id,score');
    expect(lines.map((l) => l.split(',')[0])).toEqual(inputRows.map((_, i) => `c${i}`));
    expect(lines.map((l) => l.split(',')[1])).toEqual(expectedScores);
  });

  it('fails the shard with the container message on a 4xx ModelError and writes no part', async () => {
    // Prepare
    await fake.store.putObject('data', 'in/table.csv', table);
    runtime.on(InvokeEndpointCommand).rejects(
      new ModelError({
        $metadata: { httpStatusCode: 424 },
        message: 'Received client error (415)',
        OriginalStatusCode: 415,
        OriginalMessage: 'Loading csv data failed',
      }),
    );
    // Act
    const attempt = handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/in/table.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'EndpointInvocationError' });
    await expect(attempt).rejects.toThrow(/the container answered 415: Loading csv data failed/);
    expect(
      await fake.store.headObject('data', stagedPartKey('scores/', 'score-1', '2024-01-01', '00000')),
    ).toBeUndefined();
  });

  it('names the shard, its source and the data row that is over the cap, and sends nothing', async () => {
    // Prepare: 100 feature columns; data row 2 serialises to ~1.9 KB, over a 1024-byte cap
    const wide = Array.from({ length: 100 }, (_, j) => `f_${j}`);
    const row = (v: string) => wide.map(() => v).join(',');
    await fake.store.putObject(
      'data',
      'in/wide.csv',
      `customer_id,${wide.join(',')}\nc0,${row('1')}\nc1,${row('1.2345678901234567')}\nc2,${row('2')}\n`,
    );
    const bodies: string[] = [];
    scoringEndpoint(bodies);
    // Act
    const attempt = handler(
      {
        Items: [{ shardId: '00003', source: 's3://data/in/wide.csv', format: 'csv' }],
        BatchInput: batchInput,
      },
      context,
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'EndpointPayloadError' });
    await expect(attempt).rejects.toThrow(
      /^shard 00003 \(s3:\/\/data\/in\/wide\.csv\) data row 2 serialises to \d+ bytes/,
    );
    expect(bodies).toEqual([]);
  });

  it('refuses a request cap under 1024 bytes', async () => {
    // Act
    const attempt = handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/in/table.csv', format: 'csv' }],
        BatchInput: { ...batchInput, maxRequestBytes: 1000 },
      },
      context,
    );
    // Assess
    await expect(attempt).rejects.toThrow(/maxRequestBytes must be an integer ≥ 1024/);
  });

  it('refuses a request cap above the 6 MiB InvokeEndpoint limit', async () => {
    // Act
    const attempt = handler(
      {
        Items: [{ shardId: '00000', source: 's3://data/in/table.csv', format: 'csv' }],
        BatchInput: { ...batchInput, maxRequestBytes: 7 * 1024 * 1024 },
      },
      context,
    );
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'InputValidationError' });
  });
});
