import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
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
    TRAINING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:training',
  });
});

import { executionName } from '../../../functions/lib/trigger';
import { handler } from '../../../functions/s3-trigger';
import { InputValidationError, TransientError } from '../../../shared/errors';
import { lambdaContext } from './context';

const sfn = mockClient(SFNClient);
const context = lambdaContext('s3-trigger');

function objectCreated(key: string, etag = 'b1946ac92492d2347c6235b4d2611184', versionId?: string): unknown {
  return {
    version: '0',
    id: 'e1',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '000000000000',
    time: '2024-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: ['arn:aws:s3:::sparkmaker-data'],
    detail: {
      version: '0',
      bucket: { name: 'sparkmaker-data' },
      object: {
        key,
        size: 5,
        etag,
        sequencer: '1',
        ...(versionId === undefined ? {} : { 'version-id': versionId }),
      },
      reason: 'PutObject',
    },
  };
}

describe('s3-trigger', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('starts a training run named from bucket, key and ETag with the object as input', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec:1', startDate: new Date() });
    const result = await handler(objectCreated('incoming/churn.csv'), context);
    const calls = sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const request = calls[0]?.args[0].input;
    expect(request?.stateMachineArn).toBe(process.env.TRAINING_STATE_MACHINE_ARN);
    expect(request?.name).toMatch(/^train-[0-9a-f]{16}-churn$/);
    expect(JSON.parse(request?.input ?? '')).toEqual({
      input: { uri: 's3://sparkmaker-data/incoming/churn.csv', format: 'csv' },
    });
    expect(result.started).toEqual([{ name: request?.name, executionArn: 'arn:exec:1' }]);
  });

  it('treats a duplicate event as a no-op when the execution already exists', async () => {
    sfn
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: 'arn:exec:1', startDate: new Date() })
      .rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    const first = await handler(objectCreated('incoming/churn.csv'), context);
    const second = await handler(objectCreated('incoming/churn.csv'), context);
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[0]).toBe(names[1]);
    expect(first.started).toHaveLength(1);
    expect(second).toEqual({ started: [], duplicates: [names[0]], ignored: [] });
  });

  it('starts a new run when the same key is uploaded again with new content', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    await handler(objectCreated('incoming/churn.csv', 'aaaa'), context);
    await handler(objectCreated('incoming/churn.csv', 'bbbb'), context);
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[0]).not.toBe(names[1]);
  });

  it('starts a new run when identical bytes are re-uploaded to a versioned bucket (new version id)', async () => {
    // Prepare
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    // Act
    await handler(objectCreated('incoming/churn.csv', 'same-etag', 'v1'), context);
    await handler(objectCreated('incoming/churn.csv', 'same-etag', 'v2'), context);
    // Assess
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names).toHaveLength(2);
    expect(names[0]).not.toBe(names[1]);
  });

  it('treats a redelivered event of the same object version as the same run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    await handler(objectCreated('incoming/churn.csv', 'same-etag', 'v1'), context);
    await handler(objectCreated('incoming/churn.csv', 'same-etag', 'v1'), context);
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[1]).toBe(names[0]);
  });

  it('names the same run from a classic notification carrying the same versionId', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    await handler(objectCreated('incoming/churn.csv', 'e1', 'v7'), context);
    await handler(
      {
        Records: [
          {
            s3: {
              bucket: { name: 'sparkmaker-data' },
              object: { key: 'incoming/churn.csv', eTag: 'other', versionId: 'v7' },
            },
          },
        ],
      },
      context,
    );
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[1]).toBe(names[0]);
  });

  it('keeps a key with spaces raw, as EventBridge delivers it', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    await handler(objectCreated('incoming/my data+1.csv'), context);
    const request = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(JSON.parse(request?.input ?? '').input.uri).toBe('s3://sparkmaker-data/incoming/my data+1.csv');
    expect(request?.name).toMatch(/^train-[0-9a-f]{16}-my-data-1$/);
  });

  it('decodes the URL-encoded key of a classic S3 notification to the same run', async () => {
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:exec', startDate: new Date() });
    await handler(objectCreated('incoming/my data.csv', 'e1'), context);
    await handler(
      {
        Records: [
          {
            s3: { bucket: { name: 'sparkmaker-data' }, object: { key: 'incoming/my+data.csv', eTag: 'e1' } },
          },
        ],
      },
      context,
    );
    const names = sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(names[1]).toBe(names[0]);
  });

  it.each(['incoming/_SUCCESS', 'incoming/folder/', 'incoming/_temporary/0/part.csv', 'incoming/notes.txt'])(
    'ignores the non-data key %s',
    async (key) => {
      const result = await handler(objectCreated(key), context);
      expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
      expect(result.ignored).toEqual([key]);
    },
  );

  it('ignores an empty object, which cannot hold training data', async () => {
    const event = objectCreated('incoming/empty.csv') as { detail: { object: { size: number } } };
    event.detail.object.size = 0;
    const result = await handler(event, context);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(result.ignored).toEqual(['incoming/empty.csv']);
  });

  it('reports throttling as a TransientError so the invocation is retried', async () => {
    sfn.on(StartExecutionCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await expect(handler(objectCreated('incoming/churn.csv'), context)).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('rejects an event without an object key, naming the field', async () => {
    const event = objectCreated('x.csv') as { detail: { object: { key?: string } } };
    delete event.detail.object.key;
    const error = await handler(event, context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as InputValidationError).field).toBe('detail.object.key');
  });
});

describe('executionName', () => {
  it('stays within 80 characters of the allowed set for any key', () => {
    const long = `incoming/${'Ünïcode name (copy) & more '.repeat(10)}.csv`;
    const name = executionName('train', { bucket: 'b', key: long, etag: 'e' });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[a-z0-9-]+$/);
    expect(name).not.toMatch(/-$/);
  });

  it('keeps the hash within the first 63 characters that job names use', () => {
    const a = executionName('train', { bucket: 'b', key: `${'x'.repeat(100)}-a.csv`, etag: 'e' });
    const b = executionName('train', { bucket: 'b', key: `${'x'.repeat(100)}-b.csv`, etag: 'e' });
    expect(a.slice(0, 60)).not.toBe(b.slice(0, 60));
  });
});
