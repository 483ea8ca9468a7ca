import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FunctionDefinition,
  LambdaService,
  type LambdaServiceOptions,
} from '../../../../../local/services/lambda';
import {
  STATES_PAYLOAD_LIMIT,
  stepFunctionsInvoker,
} from '../../../../../local/services/lambda/step-functions';

const fixture = join(import.meta.dirname, 'fixtures', 'echo.ts');

function echo(overrides: Partial<FunctionDefinition> = {}): FunctionDefinition {
  return {
    name: 'echo',
    functionName: 'sparkmaker-dev-echo',
    handlerFile: fixture,
    handlerExport: 'handler',
    environment: { GREETING: 'hello from serverless.yml' },
    memorySize: 512,
    timeout: 3,
    ...overrides,
  };
}

describe('the local Lambda service', () => {
  it('runs the real handler module with its cold-start environment and a Lambda context', async () => {
    const service = new LambdaService({ functions: [echo()] });

    const result = await service.invoke('sparkmaker-dev-echo', { a: 1 });

    expect(result.functionError).toBeUndefined();
    expect(result.payload).toMatchObject({
      greeting: 'hello from serverless.yml',
      event: { a: 1 },
      functionName: 'sparkmaker-dev-echo',
      memory: '512',
      requestId: result.requestId,
    });
    expect((result.payload as { remaining: number }).remaining).toBeGreaterThan(2000);
    expect(process.env.GREETING).toBeUndefined();
  });

  it('finds a function by its short name, its ARN and a qualified ARN', async () => {
    const service = new LambdaService({ functions: [echo()] });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-dev-echo';

    const names = [service.resolve('echo'), service.resolve(arn), service.resolve(`${arn}:$LATEST`)];

    expect(names.map((fn) => fn.name)).toEqual(['echo', 'echo', 'echo']);
    expect(() => service.resolve('nope')).toThrow(/Function not found: nope/);
  });

  it('reports a thrown error as an Unhandled function error with the Node.js runtime envelope', async () => {
    const service = new LambdaService({ functions: [echo()] });

    const result = await service.invoke('echo', { fail: 'field input.uri is required' });

    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'InputValidationError',
      errorMessage: 'field input.uri is required',
    });
    expect((result.payload as { trace: string[] }).trace[0]).toContain('field input.uri is required');
  });

  it('fails an invocation that outruns the function timeout with Sandbox.Timedout', async () => {
    const service = new LambdaService({ functions: [echo({ timeout: 0.05 })] });

    const result = await service.invoke('echo', { sleepMs: 1000 });

    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 0.05 seconds'),
    });
  });

  it('returns null for a handler that returns nothing', async () => {
    const service = new LambdaService({ functions: [echo({ handlerExport: 'nothing' })] });

    const result = await service.invoke('echo', {});

    expect(result.payload).toBeNull();
  });

  it('fails the chosen invocations through the fault injector, counting attempts per payload', async () => {
    const seen: number[] = [];
    const service = new LambdaService({
      functions: [echo()],
      faults: ({ attempt }) => {
        seen.push(attempt);
        return attempt === 0 ? Object.assign(new Error('injected'), { name: 'TransientError' }) : undefined;
      },
    });

    const first = await service.invoke('echo', { shard: '00001' });
    const second = await service.invoke('echo', { shard: '00001' });

    expect(first.payload).toMatchObject({ errorType: 'TransientError', errorMessage: 'injected' });
    expect(second.functionError).toBeUndefined();
    expect(seen).toEqual([0, 1]);
  });
});

describe('the Step Functions binding of the local Lambda service', () => {
  it('fails with States.DataLimitExceeded when a result is over 256 KiB', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { big: STATES_PAYLOAD_LIMIT }).catch((e: unknown) => e);

    expect(result).toMatchObject({ error: 'States.DataLimitExceeded' });
  });

  it('fails with States.DataLimitExceeded when a payload is over 256 KiB, before invoking', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { data: 'y'.repeat(STATES_PAYLOAD_LIMIT) }).catch((e: unknown) => e);

    expect(result).toMatchObject({ error: 'States.DataLimitExceeded' });
  });

  it('hands the invocation log to the lambda:invoke integration when it asks LogType Tail', async () => {
    const service = new LambdaService({ functions: [echo()], forwardLogs: false });
    const invoke = stepFunctionsInvoker(service);

    const tail = await invoke('echo', { log: 'shard 00007 scored' }, undefined, { logType: 'Tail' });
    const none = await invoke('echo', { log: 'shard 00008 scored' }, undefined, { logType: 'None' });
    await service.close();

    expect(tail.log).toMatch(/^START RequestId: \S+ Version: \$LATEST\nshard 00007 scored\nEND RequestId: /);
    expect(tail.log).toContain('REPORT RequestId: ');
    expect(none.log).toBeUndefined();
  });

  it('passes a function error through for the Lambda integration to fail the task', async () => {
    const invoke = stepFunctionsInvoker(new LambdaService({ functions: [echo()] }));

    const result = await invoke('echo', { fail: 'bad' });

    expect(result).toMatchObject({
      functionError: 'Unhandled',
      payload: { errorType: 'InputValidationError' },
    });
  });
});

describe('the local Lambda sandboxes', () => {
  const services: LambdaService[] = [];
  const make = (options: Omit<LambdaServiceOptions, 'functions'>, ...functions: FunctionDefinition[]) => {
    const service = new LambdaService({ functions, ...options });
    services.push(service);
    return service;
  };
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.close()));
  });

  it('stops a handler that loops forever at its timeout, and the next invocation of it works', async () => {
    const service = make({ workers: 1 }, echo({ timeout: 0.5 }));

    const stuck = await service.invoke('echo', { spin: true });
    const next = await service.invoke('echo', { a: 2 });

    expect(stuck.functionError).toBe('Unhandled');
    expect(stuck.payload).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 0\.50 seconds$/),
    });
    expect(next.functionError).toBeUndefined();
    expect(next.payload).toMatchObject({ event: { a: 2 }, calls: 1 });
    expect(next.coldStart).toBe(true);
  });

  it('keeps two functions apart: the same environment variable and module global set by one are unseen by the other, even in one worker', async () => {
    const service = make(
      { workers: 1 },
      echo({ name: 'first', functionName: 'sparkmaker-dev-first' }),
      echo({ name: 'second', functionName: 'sparkmaker-dev-second' }),
    );

    const first = await service.invoke('first', { remember: 'one' });
    const second = await service.invoke('second', { remember: 'two' });
    const firstAgain = await service.invoke('first', { remember: 'three' });

    expect(first.payload).toEqual({});
    expect(second.payload).toEqual({});
    expect(firstAgain.payload).toEqual({ env: 'one', global: 'one' });
    expect(process.env.SHARED_SETTING).toBeUndefined();
  });

  it('keeps a sandbox warm: one cold start, then module state carries over', async () => {
    const service = make({ workers: 1 }, echo());

    const results = [
      await service.invoke('echo', {}),
      await service.invoke('echo', {}),
      await service.invoke('echo', {}),
    ];

    expect(results.map((r) => r.coldStart)).toEqual([true, false, false]);
    expect(results.map((r) => (r.payload as { calls: number }).calls)).toEqual([1, 2, 3]);
    expect(service.stats().echo).toMatchObject({ invocations: 3, coldStarts: 1 });
    expect(results[0]?.initDurationMs).toBeGreaterThan(0);
  });

  it('runs at most --workers invocations at once', async () => {
    const service = make({ workers: 2 }, echo());

    const started = performance.now();
    await Promise.all([1, 2, 3, 4].map(() => service.invoke('echo', { sleepMs: 300 })));
    const seconds = (performance.now() - started) / 1000;

    expect(service.stats().echo?.coldStarts).toBe(2);
    expect(seconds).toBeGreaterThanOrEqual(0.6);
  });

  it('gives every function the runtime environment under its own, never this process', async () => {
    const service = make({ environment: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1' } }, echo());

    const result = await service.invoke('echo', {});

    expect(result.payload).toMatchObject({
      endpoint: 'http://127.0.0.1:1',
      greeting: 'hello from serverless.yml',
    });
    expect(process.env.AWS_ENDPOINT_URL_S3).not.toBe('http://127.0.0.1:1');
  });

  it('returns the last 4 KB of the invocation log, base64, for LogType Tail', async () => {
    const service = make({ forwardLogs: false }, echo());

    const result = await service.invoke('echo', { log: 'scoring shard 00001' }, { logType: 'Tail' });
    const plain = await service.invoke('echo', { log: 'x'.repeat(10_000) }, { logType: 'Tail' });
    const none = await service.invoke('echo', {});

    const log = Buffer.from(result.logResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(new RegExp(`^START RequestId: ${result.requestId} Version: \\$LATEST\\n`));
    expect(log).toContain('scoring shard 00001\n');
    expect(log).toMatch(
      new RegExp(`END RequestId: ${result.requestId}\\nREPORT RequestId: ${result.requestId}\\tDuration: `),
    );
    expect(log).toContain('Memory Size: 512 MB');
    expect(Buffer.from(plain.logResult ?? '', 'base64').length).toBe(4096);
    expect(none.logResult).toBeUndefined();
  });

  it('caps the heap at memorySize: a handler that outgrows it fails with Runtime.ExitError', async () => {
    const service = make({ workers: 1 }, echo({ memorySize: 64 }));

    const result = await service.invoke('echo', { allocateMb: 400 });
    const next = await service.invoke('echo', {});

    expect(result.functionError).toBe('Unhandled');
    expect(result.payload).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('Runtime exited with error: signal: killed'),
    });
    expect(next.functionError).toBeUndefined();
  });

  it('loads handlers through tsx too', async () => {
    const service = make({ loader: 'tsx' }, echo());

    const result = await service.invoke('echo', { a: 1 });

    expect(result.payload).toMatchObject({ event: { a: 1 }, greeting: 'hello from serverless.yml' });
  });
});
