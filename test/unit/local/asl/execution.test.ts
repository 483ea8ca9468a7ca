import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../../local/asl/index';
import { ResourceRegistry, StateMachine } from '../../../../local/asl/index';
import { execute, single, types } from './helpers';

describe('Execution', () => {
  it('emits events live to listeners, in id order', async () => {
    const machine = new StateMachine(single({ Type: 'Pass' }), { registry: new ResourceRegistry() });
    const execution = machine.start({ a: 1 });
    const seen: HistoryEvent[] = [];
    execution.onEvent((e) => seen.push(e));
    await execution.done;
    expect(seen.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(seen).toEqual(execution.events);
  });

  it('shapes events like GetExecutionHistory with JSON text input and output', async () => {
    const result = await execute(single({ Type: 'Pass' }), { a: 1 });
    expect(result.events[0]).toMatchObject({
      id: 1,
      previousEventId: 0,
      type: 'ExecutionStarted',
      executionStartedEventDetails: { input: '{"a":1}', inputDetails: { truncated: false } },
    });
    expect(result.events[2]).toMatchObject({
      id: 3,
      previousEventId: 2,
      type: 'PassStateExited',
      stateExitedEventDetails: { name: 'S', output: '{"a":1}', outputDetails: { truncated: false } },
    });
    expect(result.events[0]!.timestamp).toBeInstanceOf(Date);
  });

  it('stops as ABORTED with ExecutionAborted when stop() is called', async () => {
    const machine = new StateMachine(single({ Type: 'Wait', Seconds: 3600 }), {
      registry: new ResourceRegistry(),
    });
    const execution = machine.start({});
    setTimeout(() => execution.stop('Stopped.ByUser', 'enough'), 10);
    const result = await execution.done;
    expect(result).toMatchObject({ status: 'ABORTED', error: 'Stopped.ByUser', cause: 'enough' });
    expect(types(execution.events).at(-1)).toBe('ExecutionAborted');
  });

  it('aborts the running task handler signal on stop', async () => {
    let aborted = false;
    const registry = new ResourceRegistry().register(
      () => true,
      (request) =>
        new Promise((_, reject) => {
          request.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('aborted'));
          });
        }),
    );
    const execution = new StateMachine(single({ Type: 'Task', Resource: 'arn:aws:states:::x:y' }), {
      registry,
    }).start({});
    setTimeout(() => execution.stop(), 10);
    await execution.done;
    expect(aborted).toBe(true);
  });

  it('times out as TIMED_OUT after the definition TimeoutSeconds', async () => {
    const result = await execute({ TimeoutSeconds: 1, ...single({ Type: 'Wait', Seconds: 3600 }) });
    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(types(result.events).at(-1)).toBe('ExecutionTimedOut');
  });

  it('fails a task with States.Timeout after TimeoutSeconds', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      () => new Promise(() => undefined),
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:y', TimeoutSeconds: 2 }),
      {},
      { registry },
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(types(result.events)).toContain('TaskTimedOut');
  });

  it('reads TimeoutSecondsPath from the input', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      () => new Promise(() => undefined),
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:y', TimeoutSecondsPath: '$.t' }),
      { t: 1 },
      { registry },
    );
    expect(result.error).toBe('States.Timeout');
  });

  it('fails a task with States.HeartbeatTimeout when no heartbeat arrives in time', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      () => new Promise(() => undefined),
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:y', TimeoutSeconds: 100, HeartbeatSeconds: 1 }),
      {},
      { registry },
    );
    expect(result.error).toBe('States.HeartbeatTimeout');
  });

  it('keeps a task alive while it sends heartbeats', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      async (request) => {
        for (let i = 0; i < 5; i++) {
          await new Promise((r) => setTimeout(r, 5));
          request.heartbeat();
        }
        return 'done';
      },
    );
    const result = await execute(
      single({ Type: 'Task', Resource: 'arn:aws:states:::x:y', HeartbeatSeconds: 10 }),
      {},
      { registry, timeScale: 0.001 },
    );
    expect(result.output).toBe('done');
  });

  it('uses the given execution name in its ARN and the context object', async () => {
    const machine = new StateMachine(single({ Type: 'Pass', Parameters: { 'n.$': '$$.Execution.Name' } }), {
      registry: new ResourceRegistry(),
      name: 'training',
    });
    const execution = machine.start({}, { name: 'run-1' });
    expect(execution.arn).toBe('arn:aws:states:us-east-1:123456789012:execution:training:run-1');
    expect((await execution.done).output).toEqual({ n: 'run-1' });
  });

  it('runs hundreds of concurrent tasks without a listener-leak warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    const registry = new ResourceRegistry().register(
      () => true,
      async () => {
        await new Promise((r) => setTimeout(r, 2));
        return 1;
      },
    );
    const result = await execute(
      single({
        Type: 'Map',
        MaxConcurrency: 0,
        ItemProcessor: {
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::x:y', End: true } },
        },
      }),
      Array.from({ length: 300 }, (_, i) => i),
      { registry },
    );
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(result.status).toBe('SUCCEEDED');
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
