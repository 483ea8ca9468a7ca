import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
  });
});

import { handler } from '../../../functions/evaluate';
import {
  CsvFormatError,
  EvaluationError,
  InputValidationError,
  TransientError,
} from '../../../shared/errors';
import { lambdaContext } from './context';
import { fakeS3, throttling } from './s3-fake';

const context = lambdaContext('evaluate');
let fake = fakeS3();

const request = {
  transformOutputUri: 's3://data/transform/run-1/',
  objective: 'binary:logistic',
  metricsUri: 's3://artifacts/runs/run-1/metrics.json',
};

describe('evaluate', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
  });

  it('computes the metrics over every .out object and writes them to the metrics URI', async () => {
    // Prepare: two output files; labels 1,0,1,0 with predictions that rank them perfectly
    await fake.store.putObject('data', 'transform/run-1/test/part-0.csv.out', '1,0.9\n0,0.2\n');
    await fake.store.putObject('data', 'transform/run-1/test/part-1.csv.out', '1,0.6\n0,0.7\n');
    await fake.store.putObject('data', 'transform/run-1/_SUCCESS', '');
    // Act
    const result = await handler(request, context);
    // Assess: AUC 3/4 (one inverted pair), accuracy 3/4 (0.7 → 1 is wrong)
    expect(result.metrics.count).toBe(4);
    expect(result.metrics.auc).toBeCloseTo(0.75, 12);
    expect(result.metrics.accuracy).toBeCloseTo(0.75, 12);
    const expectedLogloss = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.6) + Math.log(0.3)) / 4;
    expect(result.metrics.logloss).toBeCloseTo(expectedLogloss, 12);
    expect(result.metricsUri).toBe(request.metricsUri);
    const written = JSON.parse(await fake.text('artifacts', 'runs/run-1/metrics.json'));
    expect(written.metrics).toEqual(result.metrics);
    expect(written.sources).toHaveLength(2);
  });

  it('writes curves.json (ROC area = the metrics AUC) and a self-contained report.html beside metrics.json', async () => {
    // Prepare: labels 1,0,1,0 with one inverted pair
    await fake.store.putObject('data', 'transform/run-1/test/part-0.csv.out', '1,0.9\n0,0.2\n1,0.6\n0,0.7\n');
    // Act
    const result = await handler(request, context);
    // Assess
    const curves = JSON.parse(await fake.text('artifacts', 'runs/run-1/curves.json'));
    expect(curves.kind).toBe('binary');
    expect(curves.auc).toBeCloseTo(result.metrics.auc!, 12);
    expect(curves.confusion).toEqual({ threshold: 0.5, tp: 2, fp: 1, tn: 1, fn: 0 });
    const report = await fake.text('artifacts', 'runs/run-1/report.html');
    expect(report).toContain('ROC curve (AUC 0.7500)');
    expect(report).toContain('Content-Security-Policy');
    expect(report).not.toMatch(/(src|href)="https?:/);
  });

  it('streams each output object, stopping at the first malformed line without reading the rest', async () => {
    // Prepare: a long object served as many small chunks, malformed on line 2
    const key = 'transform/run-1/test/big.csv.out';
    await fake.store.putObject('data', key, 'placeholder for the listing');
    let pulled = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      const encoder = new TextEncoder();
      yield encoder.encode('1,0.9\n0,not-a-number\n');
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield encoder.encode('1,0.5\n0,0.25\n');
      }
    }
    fake.s3
      .on(GetObjectCommand, { Bucket: 'data', Key: key })
      .callsFake(async () => ({ Body: body() as never }));
    // Act
    const error = await handler(request, context).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toContain('line 2');
    expect(pulled).toBeLessThan(10);
  });

  it('gives RMSE for a regression objective', async () => {
    await fake.store.putObject('data', 'transform/run-1/t.csv.out', '3,2\n1,1\n');
    const result = await handler({ ...request, objective: 'reg:squarederror' }, context);
    expect(result.metrics).toEqual({ count: 2, rmse: Math.sqrt(0.5) });
  });

  it('names the file and line of a malformed output line', async () => {
    await fake.store.putObject('data', 'transform/run-1/t.csv.out', '1,0.9\n0;0.1\n');
    const error = await handler(request, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toContain('s3://data/transform/run-1/t.csv.out');
    expect((error as Error).message).toContain('line 2');
  });

  it('fails with EvaluationError when the transform wrote nothing', async () => {
    fake.store.createBucket('data');
    await expect(handler(request, context)).rejects.toBeInstanceOf(EvaluationError);
  });

  it('reports S3 throttling as a TransientError', async () => {
    await fake.store.putObject('data', 'transform/run-1/t.csv.out', '1,0.9\n');
    fake.s3.on(GetObjectCommand).rejects(throttling());
    await expect(handler(request, context)).rejects.toBeInstanceOf(TransientError);
    expect(fake.s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects a payload without an objective, naming the field', async () => {
    const { objective: _omitted, ...rest } = request;
    const error = await handler(rest, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('objective');
  });
});
