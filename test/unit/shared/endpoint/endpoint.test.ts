import {
  InvokeEndpointCommand,
  ModelError,
  SageMakerRuntimeClient,
  ServiceUnavailable,
  ValidationError,
} from '@aws-sdk/client-sagemaker-runtime';
import { Uint8ArrayBlobAdapter } from '@smithy/core/serde';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  backoffDelay,
  classifyInvokeError,
  DEFAULT_MAX_REQUEST_BYTES,
  endpointCodec,
  invokeRows,
  planRequests,
  withInvokeRetries,
} from '../../../../shared/endpoint';
import {
  EndpointInvocationError,
  EndpointPayloadError,
  InputValidationError,
} from '../../../../shared/errors';

const runtime = mockClient(SageMakerRuntimeClient);
const client = new SageMakerRuntimeClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
});
const noWait = { sleep: async () => undefined, random: () => 0.5 };

/** An endpoint that answers one line per CSV row: the row's first value doubled. */
function echoEndpoint(bodies: Uint8Array[]): void {
  runtime.on(InvokeEndpointCommand).callsFake((input: { Body: Uint8Array }) => {
    bodies.push(input.Body);
    const lines = new TextDecoder().decode(input.Body).trimEnd().split('\n');
    const out = lines.map((l) => String(Number(l.split(',')[0]) * 2)).join('\n');
    return { Body: new TextEncoder().encode(`${out}\n`), ContentType: 'text/csv' };
  });
}

function modelError(status: number, message: string): ModelError {
  return new ModelError({
    $metadata: { httpStatusCode: 424 },
    message: `Received error (${status}) from primary with message "${message}"`,
    OriginalStatusCode: status,
    OriginalMessage: message,
  });
}

beforeEach(() => runtime.reset());

describe('planRequests', () => {
  it('cuts rows into consecutive requests at or under the cap', () => {
    // Act
    const spans = planRequests([3, 3, 3, 1], { maxBytes: 6 });
    // Assess
    expect(spans).toEqual([
      { start: 0, end: 2, bytes: 6 },
      { start: 2, end: 4, bytes: 4 },
    ]);
  });

  it('sends a row set serialising to 12 MiB as at least three requests under the 5 MiB default', () => {
    // Prepare: 12 MiB of 1000-byte rows
    const sizes = new Array((12 * 1024 * 1024) / 1024).fill(1024);
    // Act
    const spans = planRequests(sizes, { maxBytes: DEFAULT_MAX_REQUEST_BYTES });
    // Assess
    expect(spans.length).toBeGreaterThanOrEqual(3);
    for (const span of spans) expect(span.bytes).toBeLessThanOrEqual(DEFAULT_MAX_REQUEST_BYTES);
    expect(spans.reduce((n, s) => n + (s.end - s.start), 0)).toBe(sizes.length);
  });

  it('fails a single row over the cap with an error naming the row', () => {
    // Act / Assess
    expect(() =>
      planRequests([10, 5000, 10], { maxBytes: 4096, describeRow: (i) => `s3://b/k data row ${i + 1}` }),
    ).toThrowError(
      new EndpointPayloadError(
        's3://b/k data row 2 serialises to 5000 bytes, more than one InvokeEndpoint request may carry (4096 bytes under the 4096-byte cap); no request can hold it',
      ),
    );
  });

  it('counts a per-request overhead against the cap', () => {
    // Act
    const spans = planRequests([4, 4, 4], { maxBytes: 10, overheadBytes: 2 });
    // Assess
    expect(spans.map((s) => s.end - s.start)).toEqual([2, 1]);
    expect(spans[0]!.bytes).toBe(10);
  });
});

describe('endpointCodec', () => {
  it('writes XGBoost CSV rows with missing values as empty fields and reads one line per row', () => {
    // Prepare
    const codec = endpointCodec('xgboost');
    // Act
    const body = codec.joinRows([
      codec.encodeRow([1, Number.NaN, 0.5], 0, 3),
      codec.encodeRow([0.1, 2, 3], 0, 3),
    ]);
    const answer = codec.decodeResponse(new TextEncoder().encode('0.5\n0.25\n'), 2);
    // Assess
    expect(new TextDecoder().decode(body)).toBe('1,,0.5\n0.1,2,3\n');
    expect(answer).toEqual([['0.5'], ['0.25']]);
    expect(codec.columns(1)).toEqual(['score']);
    expect(codec.columns(3)).toEqual(['score_0', 'score_1', 'score_2']);
  });

  it('writes XGBoost LibSVM rows with 0-based indices and no missing entries', () => {
    // Act
    const codec = endpointCodec('xgboost', 'text/libsvm');
    // Assess
    expect(new TextDecoder().decode(codec.encodeRow([1, Number.NaN, 0.5], 0, 3))).toBe('0 0:1 2:0.5\n');
    expect(codec.contentType).toBe('text/libsvm');
  });

  it('refuses an answer with a different number of predictions than rows', () => {
    // Act / Assess
    expect(() => endpointCodec('xgboost').decodeResponse(new TextEncoder().encode('0.5\n'), 2)).toThrow(
      EndpointInvocationError,
    );
  });

  it('names the known algorithms when asked for an unknown one', () => {
    // Act / Assess
    expect(() => endpointCodec('word2vec')).toThrow(InputValidationError);
    expect(() => endpointCodec('word2vec')).toThrow(/known: .*xgboost/);
  });
});

describe('classifyInvokeError', () => {
  it('retries throttling, 429, 503 and a container 5xx but not a container 4xx or a ValidationError', () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    const notReady = Object.assign(new Error('not ready'), {
      name: 'ModelNotReadyException',
      $metadata: { httpStatusCode: 429 },
    });
    // Act / Assess
    expect(classifyInvokeError(throttled).retry).toBe(true);
    expect(classifyInvokeError(notReady).retry).toBe(true);
    expect(
      classifyInvokeError(new ServiceUnavailable({ $metadata: { httpStatusCode: 503 }, message: 'x' })).retry,
    ).toBe(true);
    expect(classifyInvokeError(modelError(503, 'busy')).retry).toBe(true);
    expect(classifyInvokeError(modelError(415, 'bad csv')).retry).toBe(false);
    expect(
      classifyInvokeError(new ValidationError({ $metadata: { httpStatusCode: 400 }, message: 'x' })).retry,
    ).toBe(false);
  });

  it('draws full-jitter waits under an exponential ceiling', () => {
    // Act / Assess
    expect(backoffDelay(1, { random: () => 0.999, baseDelayMs: 100 })).toBe(99);
    expect(backoffDelay(4, { random: () => 0.5, baseDelayMs: 100 })).toBe(400);
    expect(backoffDelay(30, { random: () => 0.5, baseDelayMs: 100, maxDelayMs: 1000 })).toBe(500);
  });
});

describe('withInvokeRetries', () => {
  it('gives up after the attempts and says why', async () => {
    // Prepare
    let calls = 0;
    // Act
    const attempt = withInvokeRetries(
      async () => {
        calls++;
        throw modelError(500, 'boom');
      },
      'request 1',
      { ...noWait, maxAttempts: 3 },
    );
    // Assess
    await expect(attempt).rejects.toThrow(
      /request 1: still failing after 3 attempts \(ModelError \(container 500\)\)/,
    );
    expect(calls).toBe(3);
  });
});

describe('invokeRows', () => {
  it('answers every row in input order across several requests in flight', async () => {
    // Prepare
    const bodies: Uint8Array[] = [];
    echoEndpoint(bodies);
    const values = Float64Array.from({ length: 2000 }, (_, i) => i);
    // Act
    const result = await invokeRows(
      client,
      {
        endpointName: 'ep',
        codec: endpointCodec('xgboost'),
        maxRequestBytes: 1024,
        concurrency: 4,
        retry: noWait,
      },
      { values, rows: 2000, width: 1 },
    );
    // Assess
    expect(result.requests).toBe(bodies.length);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(1024);
    expect(result.columns.map((c) => c[0])).toEqual(Array.from({ length: 2000 }, (_, i) => String(i * 2)));
  });

  it('sends 12 MiB of rows as at least three requests, each under the cap', async () => {
    // Prepare: 3072 rows of 4096 bytes of CSV each = 12 MiB
    const bodies: Uint8Array[] = [];
    echoEndpoint(bodies);
    const width = 512;
    const rows = 3072;
    const values = new Float64Array(rows * width).fill(1234567);
    // Act
    const result = await invokeRows(
      client,
      {
        endpointName: 'ep',
        codec: endpointCodec('xgboost'),
        maxRequestBytes: DEFAULT_MAX_REQUEST_BYTES,
        retry: noWait,
      },
      { values, rows, width },
    );
    // Assess
    expect(result.bytes).toBe(12 * 1024 * 1024);
    expect(bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(DEFAULT_MAX_REQUEST_BYTES);
    expect(result.columns).toHaveLength(rows);
  });

  it('sends nothing when a single row is over the cap, and names the row', async () => {
    // Prepare
    const bodies: Uint8Array[] = [];
    echoEndpoint(bodies);
    const values = new Float64Array(3 * 400).fill(1);
    values.fill(123456789.123, 400, 800);
    // Act
    const attempt = invokeRows(
      client,
      {
        endpointName: 'ep',
        codec: endpointCodec('xgboost'),
        maxRequestBytes: 2048,
        describeRow: (i) => `shard 00001 data row ${i + 1}`,
      },
      { values, rows: 3, width: 400 },
    );
    // Assess
    await expect(attempt).rejects.toThrow(EndpointPayloadError);
    await expect(attempt).rejects.toThrow(/^shard 00001 data row 2 serialises to \d+ bytes/);
    expect(bodies).toEqual([]);
  });

  it('retries a container answering 503 then succeeds, with every row answered once', async () => {
    // Prepare
    runtime
      .on(InvokeEndpointCommand)
      .rejectsOnce(modelError(503, 'busy'))
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ Body: Uint8ArrayBlobAdapter.fromString('1\n2\n') });
    // Act
    const result = await invokeRows(
      client,
      { endpointName: 'ep', codec: endpointCodec('xgboost'), maxRequestBytes: 1024, retry: noWait },
      { values: [1, 2], rows: 2, width: 1 },
    );
    // Assess
    expect(result.retries).toBe(2);
    expect(result.columns).toEqual([['1'], ['2']]);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(3);
  });

  it('fails at once with the container message on a ModelError with a 4xx original status', async () => {
    // Prepare
    runtime.on(InvokeEndpointCommand).rejects(modelError(415, 'Loading csv data failed'));
    // Act
    const attempt = invokeRows(
      client,
      { endpointName: 'ep', codec: endpointCodec('xgboost'), maxRequestBytes: 1024, retry: noWait },
      { values: [1], rows: 1, width: 1 },
    );
    // Assess
    await expect(attempt).rejects.toThrow(EndpointInvocationError);
    await expect(attempt).rejects.toThrow(/the container answered 415: Loading csv data failed/);
    expect(runtime.commandCalls(InvokeEndpointCommand)).toHaveLength(1);
  });

  it('sends the codec content type and accept to the named endpoint', async () => {
    // Prepare
    runtime.on(InvokeEndpointCommand).resolves({ Body: Uint8ArrayBlobAdapter.fromString('1\n') });
    // Act
    await invokeRows(
      client,
      { endpointName: 'ep-9', codec: endpointCodec('xgboost'), maxRequestBytes: 1024 },
      { values: [1], rows: 1, width: 1 },
    );
    // Assess
    expect(runtime.commandCalls(InvokeEndpointCommand)[0]!.args[0].input).toMatchObject({
      EndpointName: 'ep-9',
      ContentType: 'text/csv',
      Accept: 'text/csv',
    });
  });
});
