import { describe, expect, it } from 'vitest';
import { ResourceRegistry, StatesError } from '../../../../local/asl/index';
import { execute, single } from './helpers';

/** A handler failing with `error` the first `failures` calls; records call times. */
function flaky(failures: number, error = 'Flaky.Error') {
  const calls: number[] = [];
  const registry = new ResourceRegistry().register('arn:aws:states:::test:flaky', async () => {
    calls.push(Date.now());
    if (calls.length <= failures) throw new StatesError(error, `failure ${calls.length}`);
    return { attempts: calls.length };
  });
  return { calls, registry };
}

const task = (extra: object) => single({ Type: 'Task', Resource: 'arn:aws:states:::test:flaky', ...extra });

describe('Retry', () => {
  it('retries a matching error until the task succeeds', async () => {
    const { registry } = flaky(2);
    const result = await execute(
      task({ Retry: [{ ErrorEquals: ['Flaky.Error'], IntervalSeconds: 1 }] }),
      {},
      { registry },
    );
    expect(result.output).toEqual({ attempts: 3 });
  });

  it('gives up after MaxAttempts retries with the last error', async () => {
    const { calls, registry } = flaky(10);
    const result = await execute(
      task({ Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2 }] }),
      {},
      { registry },
    );
    expect(calls).toHaveLength(3);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Flaky.Error', cause: 'failure 3' });
  });

  it('does not retry when MaxAttempts is 0', async () => {
    const { calls, registry } = flaky(10);
    await execute(task({ Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 0 }] }), {}, { registry });
    expect(calls).toHaveLength(1);
  });

  it('waits IntervalSeconds × BackoffRate^n, capped by MaxDelaySeconds', async () => {
    const { calls, registry } = flaky(3);
    await execute(
      task({
        Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 10 }],
      }),
      {},
      { registry, timeScale: 0.01 },
    );
    const gaps = calls.slice(1).map((t, i) => t - calls[i]!);
    // 2 s, 6 s, then 18 s capped to 10 s; at timeScale 0.01 → 20, 60, 100 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(58);
    expect(gaps[2]).toBeGreaterThanOrEqual(98);
    expect(gaps[2]).toBeLessThan(170);
  });

  it('scales the delay by the injected random number with JitterStrategy FULL', async () => {
    const { calls, registry } = flaky(1);
    await execute(
      task({ Retry: [{ ErrorEquals: ['States.ALL'], IntervalSeconds: 50, JitterStrategy: 'FULL' }] }),
      {},
      { registry, timeScale: 0.01, random: () => 0 },
    );
    expect(calls[1]! - calls[0]!).toBeLessThan(100);
  });

  it('does not let States.ALL retry States.Runtime', async () => {
    let calls = 0;
    const registry = new ResourceRegistry().register(
      () => true,
      async () => {
        calls++;
        throw new StatesError('States.Runtime', 'broken');
      },
    );
    await execute(task({ Retry: [{ ErrorEquals: ['States.ALL'] }] }), {}, { registry });
    expect(calls).toBe(1);
  });

  it('uses the first retrier whose ErrorEquals matches, each with its own attempt count', async () => {
    const { calls, registry } = flaky(10, 'B');
    await execute(
      task({
        Retry: [
          { ErrorEquals: ['A'], MaxAttempts: 5 },
          { ErrorEquals: ['B'], MaxAttempts: 1 },
        ],
      }),
      {},
      { registry },
    );
    expect(calls).toHaveLength(2);
  });
});

describe('Catch', () => {
  it('routes to the catcher Next with {Error, Cause} as output', async () => {
    const { registry } = flaky(10);
    const result = await execute(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::test:flaky',
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'H' }],
            End: true,
          },
          H: { Type: 'Pass', End: true },
        },
      },
      { in: 1 },
      { registry },
    );
    expect(result.output).toEqual({ Error: 'Flaky.Error', Cause: 'failure 1' });
  });

  it('places the error at the catcher ResultPath inside the state input', async () => {
    const { registry } = flaky(10);
    const result = await execute(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::test:flaky',
            Catch: [{ ErrorEquals: ['Flaky.Error'], ResultPath: '$.error', Next: 'H' }],
            End: true,
          },
          H: { Type: 'Pass', End: true },
        },
      },
      { in: 1 },
      { registry },
    );
    expect(result.output).toEqual({ in: 1, error: { Error: 'Flaky.Error', Cause: 'failure 1' } });
  });

  it('matches States.TaskFailed for any task error but not States.Timeout', async () => {
    const registry = new ResourceRegistry().register(
      () => true,
      () => new Promise(() => undefined),
    );
    const result = await execute(
      {
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::test:hang',
            TimeoutSeconds: 1,
            Catch: [
              { ErrorEquals: ['States.TaskFailed'], Next: 'Failed' },
              { ErrorEquals: ['States.Timeout'], Next: 'TimedOut' },
            ],
            End: true,
          },
          Failed: { Type: 'Pass', Result: 'failed', End: true },
          TimedOut: { Type: 'Pass', Result: 'timeout', End: true },
        },
      },
      {},
      { registry },
    );
    expect(result.output).toBe('timeout');
  });

  it('builds the catcher Output from $states.errorOutput in JSONata', async () => {
    const { registry } = flaky(10);
    const result = await execute(
      {
        QueryLanguage: 'JSONata',
        StartAt: 'T',
        States: {
          T: {
            Type: 'Task',
            Resource: 'arn:aws:states:::test:flaky',
            Catch: [
              {
                ErrorEquals: ['States.ALL'],
                Output: '{% $states.errorOutput.Error %}',
                Assign: { seen: true },
                Next: 'H',
              },
            ],
            End: true,
          },
          H: { Type: 'Pass', Output: { e: '{% $states.input %}', seen: '{% $seen %}' }, End: true },
        },
      },
      {},
      { registry },
    );
    expect(result.output).toEqual({ e: 'Flaky.Error', seen: true });
  });

  it('catches a failing Parallel branch', async () => {
    const result = await execute({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Inner', Cause: 'x' } } }],
          Catch: [{ ErrorEquals: ['Inner'], Next: 'H' }],
          End: true,
        },
        H: { Type: 'Pass', End: true },
      },
    });
    expect(result.output).toEqual({ Error: 'Inner', Cause: 'x' });
  });

  it('matches States.BranchFailed for the error of a failed Parallel branch', async () => {
    const result = await execute({
      StartAt: 'P',
      States: {
        P: {
          Type: 'Parallel',
          Branches: [{ StartAt: 'F', States: { F: { Type: 'Fail', Error: 'Inner', Cause: 'x' } } }],
          Catch: [{ ErrorEquals: ['States.BranchFailed'], ResultPath: '$.caught', Next: 'H' }],
          End: true,
        },
        H: { Type: 'Pass', End: true },
      },
    });
    expect(result.output).toEqual({ caught: { Error: 'Inner', Cause: 'x' } });
  });
});
