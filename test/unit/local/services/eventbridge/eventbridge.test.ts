import { describe, expect, it } from 'vitest';
import {
  type BusEvent,
  EventBus,
  matchesPattern,
  objectCreatedEvent,
  targetInput,
} from '../../../../../local/services/eventbridge';
import {
  fillScheduleInput,
  nextFireTime,
  Scheduler,
} from '../../../../../local/services/eventbridge/scheduler';

const incomingRule = {
  source: ['aws.s3'],
  'detail-type': ['Object Created'],
  detail: { bucket: { name: ['sparkmaker-data'] }, object: { key: [{ prefix: 'incoming/' }] } },
};

function upload(key: string, bucket = 'sparkmaker-data'): BusEvent {
  return objectCreatedEvent(
    {
      bucket,
      key,
      size: 10,
      etag: 'abc',
      reason: 'PutObject',
      sequencer: '01',
      time: new Date('2024-05-01T00:00:00Z'),
    },
    { region: 'us-east-1', account: '000000000000' },
  );
}

describe('EventBridge pattern matching', () => {
  it('matches an S3 upload under incoming/ in the data bucket, keys with spaces included', () => {
    expect(matchesPattern(incomingRule, upload('incoming/my data.csv'))).toBe(true);
  });

  it('ignores an upload outside incoming/ or in another bucket', () => {
    expect(matchesPattern(incomingRule, upload('features/x.parquet'))).toBe(false);
    expect(matchesPattern(incomingRule, upload('incoming/x.csv', 'other'))).toBe(false);
  });

  it('supports suffix, anything-but, exists, numeric and wildcard conditions', () => {
    const event = { detail: { key: 'a/b.csv', size: 5, state: 'ok' } };

    expect(matchesPattern({ detail: { key: [{ suffix: '.csv' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { state: [{ 'anything-but': ['ok'] }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { size: [{ numeric: ['>', 1, '<=', 5] }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { key: [{ wildcard: 'a/*.csv' }] } }, event)).toBe(true);
  });
});

describe('the local event bus', () => {
  it('delivers a matching event to every target of the rule and nothing otherwise', async () => {
    const delivered: [string, unknown][] = [];
    const bus = new EventBus({
      rules: [{ name: 'incoming', pattern: incomingRule, targets: [{ id: 't', arn: 'arn:lambda:trigger' }] }],
      invoke: async (arn, input) => {
        delivered.push([arn, input]);
      },
    });

    await bus.objectCreated({
      bucket: 'sparkmaker-data',
      key: 'incoming/a.csv',
      size: 3,
      etag: 'e',
      reason: 'PutObject',
      sequencer: '1',
      time: new Date(),
    });
    await bus.put(upload('other/b.csv'));
    await bus.idle();

    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.[1]).toMatchObject({ detail: { object: { key: 'incoming/a.csv' } } });
  });

  it('answers PutEvents with one EventId per entry and counts invalid entries as failed', async () => {
    const bus = new EventBus({ invoke: async () => undefined });

    const result = await bus.putEvents([
      { Source: 'sparkmaker', DetailType: 'Training Failed', Detail: { runId: 'r' } },
      { Source: 'sparkmaker' },
    ]);

    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries[0]).toHaveProperty('EventId');
    expect(result.Entries[1]).toMatchObject({ ErrorCode: 'InvalidArgument' });
  });

  it('shapes target input with InputPath and InputTransformer', () => {
    const event = upload('incoming/a.csv');

    const path = targetInput({ id: 't', arn: 'x', inputPath: '$.detail.object' }, event);
    const transformed = targetInput(
      {
        id: 't',
        arn: 'x',
        inputTransformer: {
          inputPathsMap: { key: '$.detail.object.key' },
          inputTemplate: '{"uri": "s3://b/<key>"}',
        },
      },
      event,
    );

    expect(path).toMatchObject({ key: 'incoming/a.csv', etag: 'abc' });
    expect(transformed).toEqual({ uri: 's3://b/incoming/a.csv' });
  });
});

describe('EventBridge Scheduler expressions', () => {
  it('finds the next daily 06:00 UTC run of cron(0 6 * * ? *)', () => {
    expect(nextFireTime('cron(0 6 * * ? *)', new Date('2024-05-01T07:00:00Z'))?.toISOString()).toBe(
      '2024-05-02T06:00:00.000Z',
    );
  });

  it('honours weekdays, steps and rates', () => {
    expect(nextFireTime('cron(30 9 ? * MON *)', new Date('2024-05-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-05-06T09:30:00.000Z',
    );
    expect(nextFireTime('cron(0/15 * * * ? *)', new Date('2024-05-01T00:07:00Z'))?.toISOString()).toBe(
      '2024-05-01T00:15:00.000Z',
    );
    expect(nextFireTime('rate(5 minutes)', new Date('2024-05-01T00:00:00Z'))?.toISOString()).toBe(
      '2024-05-01T00:05:00.000Z',
    );
  });

  it('fills the execution id placeholder of a universal target input', () => {
    const input = fillScheduleInput(
      {
        name: 's',
        expression: 'rate(1 day)',
        targetArn: 'x',
        input: '{"Name":"score-<aws.scheduler.execution-id>"}',
      },
      new Date(),
    );

    expect(JSON.parse(input).Name).toMatch(/^score-[0-9a-f-]{36}$/);
  });
});

describe('the local Scheduler', () => {
  const schedule = {
    name: 'scoring',
    expression: 'cron(0 6 * * ? *)',
    targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:t',
    input:
      '{"id":"<aws.scheduler.execution-id>","at":"<aws.scheduler.scheduled-time>","n":"<aws.scheduler.attempt-number>"}',
    maximumRetryAttempts: 3,
  };

  it('retries a failed invocation with a new execution id, the same scheduled time and the next attempt number', async () => {
    // Prepare: a target that fails twice
    const seen: { id: string; at: string; n: string }[] = [];
    const scheduler = new Scheduler([schedule], async (_s, input) => {
      seen.push(JSON.parse(input));
      if (seen.length < 3) throw new Error('lost answer');
    });
    // Act
    await scheduler.fire('scoring', new Date('2026-12-04T06:00:00Z'));
    // Assess
    expect(seen.map((s) => [s.at, s.n])).toEqual([
      ['2026-12-04T06:00:00Z', '1'],
      ['2026-12-04T06:00:00Z', '2'],
      ['2026-12-04T06:00:00Z', '3'],
    ]);
    expect(new Set(seen.map((s) => s.id)).size).toBe(3);
  });

  it('gives up after MaximumRetryAttempts retries with the last error', async () => {
    let calls = 0;
    const scheduler = new Scheduler([schedule], async () => {
      calls++;
      throw new Error(`attempt ${calls}`);
    });
    await expect(scheduler.fire('scoring', new Date('2026-12-04T06:00:00Z'))).rejects.toThrow('attempt 4');
    expect(calls).toBe(4);
  });
});
