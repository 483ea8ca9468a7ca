import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../../local/asl';
import { followExecution } from '../../../../local/cli/progress';
import type { StartedExecution } from '../../../../local/services/sfn';

function fakeExecution(
  events: Omit<HistoryEvent, 'id' | 'previousEventId'>[],
  status: 'SUCCEEDED' | 'FAILED',
) {
  const history = events.map((e, i) => ({ ...e, id: i + 1, previousEventId: i })) as HistoryEvent[];
  return {
    stateMachine: {
      name: 'sm',
      arn: 'arn',
      type: 'STANDARD',
      roleArn: 'r',
      definition: { States: { Validate: {}, Score: {}, Commit: {}, NotifyFailure: {}, Failed: {} } },
    },
    input: '{}',
    execution: {
      arn: 'arn:x',
      name: 'x',
      startDate: new Date(0),
      events: history,
      onEvent: () => () => undefined,
      done: Promise.resolve({ status }),
      stop: () => undefined,
    },
  } as unknown as StartedExecution;
}

const at = (ms: number) => new Date(1_000_000 + ms);

describe('the CLI progress of an execution', () => {
  it('prints one line per top-level state with its duration and retries', async () => {
    const lines: string[] = [];
    const started = fakeExecution(
      [
        { type: 'ExecutionStarted', timestamp: at(0) },
        { type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'Validate' } },
        { type: 'TaskScheduled', timestamp: at(1) },
        { type: 'TaskFailed', timestamp: at(2), taskFailedEventDetails: { error: 'TransientError' } },
        { type: 'TaskScheduled', timestamp: at(3) },
        { type: 'TaskSucceeded', timestamp: at(4) },
        { type: 'TaskStateExited', timestamp: at(1500), stateExitedEventDetails: { name: 'Validate' } },
        { type: 'MapStateEntered', timestamp: at(1500), stateEnteredEventDetails: { name: 'Score' } },
        { type: 'MapIterationSucceeded', timestamp: at(1600) },
        { type: 'TaskStateEntered', timestamp: at(1600), stateEnteredEventDetails: { name: 'Inner' } },
        { type: 'MapIterationSucceeded', timestamp: at(1700) },
        { type: 'MapStateExited', timestamp: at(2000), stateExitedEventDetails: { name: 'Score' } },
        { type: 'ExecutionSucceeded', timestamp: at(2000) },
      ],
      'SUCCEEDED',
    );

    await followExecution(started, { write: (t) => lines.push(t), live: false });

    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/✓ Validate\s+1\.50s\s+1 retry/);
    expect(lines[1]).toMatch(/✓ Score\s+0\.50s\s+2 items/);
  });

  it('marks a state whose failure was caught, and the failing end state, as failed with the error', async () => {
    const lines: string[] = [];
    const started = fakeExecution(
      [
        { type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'Commit' } },
        { type: 'TaskScheduled', timestamp: at(1) },
        { type: 'TaskFailed', timestamp: at(2), taskFailedEventDetails: { error: 'IncompleteRunError' } },
        { type: 'TaskStateExited', timestamp: at(3), stateExitedEventDetails: { name: 'Commit' } },
        { type: 'TaskStateEntered', timestamp: at(3), stateEnteredEventDetails: { name: 'NotifyFailure' } },
        { type: 'TaskScheduled', timestamp: at(4) },
        { type: 'TaskSucceeded', timestamp: at(5) },
        { type: 'TaskStateExited', timestamp: at(6), stateExitedEventDetails: { name: 'NotifyFailure' } },
        { type: 'FailStateEntered', timestamp: at(6), stateEnteredEventDetails: { name: 'Failed' } },
        {
          type: 'ExecutionFailed',
          timestamp: at(7),
          executionFailedEventDetails: { error: 'IncompleteRunError' },
        },
      ],
      'FAILED',
    );

    await followExecution(started, { write: (t) => lines.push(t), live: false });

    expect(lines[0]).toMatch(/✗ Commit.*IncompleteRunError/);
    expect(lines[1]).toMatch(/✓ NotifyFailure/);
    expect(lines[2]).toMatch(/✗ Failed.*IncompleteRunError/);
  });
});
