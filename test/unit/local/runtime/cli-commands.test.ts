import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { command as executions } from '../../../../local/cli/commands/executions';
import { command as history } from '../../../../local/cli/commands/history';
import type { ExecutionRecord } from '../../../../local/services/sfn';

const record: ExecutionRecord = {
  executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sparkmaker-dev-scoring:score-1',
  stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sparkmaker-dev-scoring',
  stateMachineName: 'sparkmaker-dev-scoring',
  name: 'score-1',
  status: 'FAILED',
  startDate: '2024-06-03T10:00:00.000Z',
  stopDate: '2024-06-03T10:00:02.500Z',
  input: '{}',
  error: 'States.ExceedToleratedFailureThreshold',
  cause: 'The specified tolerance threshold was exceeded',
  events: [
    { id: 1, previousEventId: 0, timestamp: new Date('2024-06-03T10:00:00.000Z'), type: 'ExecutionStarted' },
    {
      id: 2,
      previousEventId: 1,
      timestamp: new Date('2024-06-03T10:00:00.250Z'),
      type: 'MapStateEntered',
      stateEnteredEventDetails: { name: 'ScoreShards' },
    },
  ],
};

async function capture(run: () => Promise<number>): Promise<{ code: number; text: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    return { code: await run(), text: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe('the executions and history commands', () => {
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-cli-'));
    await mkdir(join(stateDir, 'executions', 'sparkmaker-dev-scoring'), { recursive: true });
    await writeFile(
      join(stateDir, 'executions', 'sparkmaker-dev-scoring', 'score-1.json'),
      JSON.stringify(record),
    );
  });

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it('lists recorded executions with their status, duration and error', async () => {
    const { code, text } = await capture(() => executions.run(['--state-dir', stateDir]));

    expect(code).toBe(0);
    expect(text).toMatch(
      /score-1\s+sparkmaker-dev-scoring\s+FAILED\s+2024-06-03 10:00:00Z\s+2\.5s\s+States\.ExceedToleratedFailureThreshold/,
    );
  });

  it('prints the history of an execution by name with offsets from its start', async () => {
    const { code, text } = await capture(() => history.run(['score-1', '--state-dir', stateDir]));

    expect(code).toBe(0);
    expect(text).toContain(record.executionArn);
    expect(text).toMatch(/2\s+\+\s+0\.250s\s+MapStateEntered\s+name=ScoreShards/);
  });

  it('refuses an unknown execution name with a usage error naming it', async () => {
    await expect(history.run(['nope', '--state-dir', stateDir])).rejects.toMatchObject({
      name: 'UsageError',
      message: expect.stringContaining("no execution named 'nope'"),
    });
  });
});
