import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';
import type { FaultInjector } from '../../local/services/lambda';

const root = join(import.meta.dirname, '..', '..');

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('the S3 upload trigger of the offline runtime', () => {
  let stateDir: string;
  let runtime: Runtime;
  let client: S3Client;
  let faults: FaultInjector | undefined;
  const jobs: string[][] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-triggers-'));
    runtime = await startRuntime({
      root,
      stateDir,
      triggers: true,
      schedules: false,
      timeScale: 0.001,
      // Stop each triggered run at the feature job: this test is about starting runs, not finishing them.
      runJob: async (request) => {
        jobs.push([...request.entryPointArguments]);
        throw new Error('stopped by the test');
      },
      onTriggerError: () => undefined,
      faults: (call) => faults?.(call),
    });
    client = new S3Client({
      endpoint: runtime.s3Endpoint.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
    });
  });

  afterAll(async () => {
    client.destroy();
    // Let the runs the triggers started end (and write their records) before the folder goes.
    for (const record of await runtime.stepFunctions.listExecutions())
      if (record.status === 'RUNNING') await runtime.stepFunctions.waitFor(record.executionArn);
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  });

  it('starts one training run for an upload under incoming/, and none for a duplicate event', async () => {
    const body = 'customer_id,event_date\nc1,2024-06-01\n';
    const triggers: unknown[] = [];
    runtime.lambda.onInvocation((call) => {
      if (call.name === 's3-trigger') triggers.push(call.result.payload);
    });

    await client.send(
      new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: 'incoming/new data.csv', Body: body }),
    );
    await until(async () => (await runtime.stepFunctions.listExecutions()).length === 1);
    const [first] = await runtime.stepFunctions.listExecutions();
    await runtime.stepFunctions.waitFor(first!.executionArn);
    // The same object again (same bucket, key and ETag): EventBridge's at-least-once redelivery.
    await client.send(
      new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: 'incoming/new data.csv', Body: body }),
    );
    await runtime.idle();
    const executions = await runtime.stepFunctions.listExecutions();

    expect(triggers).toHaveLength(2);
    expect(triggers[1]).toMatchObject({ started: [], duplicates: [executions[0]?.name] });
    expect(executions).toHaveLength(1);
    expect(executions[0]?.name).toMatch(/^train-/);
    expect(JSON.parse(executions[0]!.input)).toMatchObject({
      input: { uri: 's3://sparkmaker-data/incoming/new data.csv', format: 'csv' },
    });
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toContain('s3://sparkmaker-data/incoming/new data.csv');
  });

  it('starts no run for an upload outside incoming/', async () => {
    const before = (await runtime.stepFunctions.listExecutions()).length;

    await client.send(
      new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: 'elsewhere/x.csv', Body: 'a\n1\n' }),
    );
    await runtime.idle();

    expect(await runtime.stepFunctions.listExecutions()).toHaveLength(before);
  });

  it('starts a scoring run named after the scheduled time when the scoring schedule fires', async () => {
    const schedule = runtime.config.schedules[0]!;

    await runtime.scheduler.fire(schedule.name, new Date('2026-12-04T06:00:00Z'));
    const scoring = await runtime.stepFunctions.listExecutions(runtime.stateMachineArn('scoring'));

    expect(scoring).toHaveLength(1);
    expect(scoring[0]?.name).toBe('score-20261204T060000Z');
  });

  it('starts no second run when the scheduler retries an invocation whose answer was lost', async () => {
    // Prepare: the first attempt starts the run but its answer never reaches the scheduler (the
    // invocation is made, then reported failed), so the scheduler retries with a new execution id
    const schedule = runtime.config.schedules[0]!;
    let attempts = 0;
    faults = (call) => {
      const payload = call.payload as Record<string, unknown>;
      if (call.functionName !== 'schedule-trigger' || payload.answerLost === true) return undefined;
      attempts++;
      if (attempts > 1) return undefined;
      // The invocation happens (the handler ignores the extra field); only its answer is lost.
      void runtime.lambda.invoke(call.functionName, { ...payload, answerLost: true });
      return Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Sandbox.Timedout' });
    };
    const before = await runtime.stepFunctions.listExecutions(runtime.stateMachineArn('scoring'));

    // Act
    await runtime.scheduler.fire(schedule.name, new Date('2026-12-05T06:00:00Z'));
    faults = undefined;
    await runtime.idle();

    // Assess: two attempts, one run
    const after = await runtime.stepFunctions.listExecutions(runtime.stateMachineArn('scoring'));
    expect(attempts).toBe(2);
    expect(after.length - before.length).toBe(1);
    expect(after.map((e) => e.name)).toContain('score-20261205T060000Z');
  });

  it('names a run started by state machine ARN as the triggers do (train-<time>-<id>)', async () => {
    const arn = runtime.stateMachineArn('training');

    const started = await runtime.start(arn, { input: { uri: `s3://${runtime.buckets.data}/none.csv` } });
    await runtime.stepFunctions.waitFor(started.execution.arn);

    expect(started.execution.name).toMatch(/^train-\d{8}T\d{6}-[0-9a-f]{8}$/);
  });
});
