/**
 * Runs end (issue 16.5): the CLI is spawned for real and interrupted; the execution records, their
 * histories and the jobs they started are read back from the state directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutionRecord, listRecords } from '../../local/services/sfn';

const root = join(import.meta.dirname, '..', '..');
// The CLI as installed (`bin/`): one process, so signals reach it directly and its pid is the one recorded.
const BIN = join(root, 'bin', 'sparkmaker.js');

interface Cli {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function cli(args: string[]): Cli {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: root,
    env: { ...process.env, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exit };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 120): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const training = async (stateDir: string): Promise<ExecutionRecord | undefined> =>
  (await listRecords(stateDir)).find((r) => r.stateMachineName.endsWith('training'));

async function jsonFiles(dir: string): Promise<Record<string, unknown>[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json'));
  return Promise.all(
    files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as Record<string, unknown>),
  );
}

describe('runs end when the CLI is interrupted', () => {
  let base: string;
  /** The sample data with a training run long enough to interrupt (many boosting rounds). */
  let slowExamples: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'sparkmaker-runs-end-'));
    slowExamples = join(base, 'examples');
    await cp(join(root, 'examples', 'data'), join(slowExamples, 'data'), { recursive: true });
    await mkdir(join(slowExamples, 'inputs'), { recursive: true });
    const input = JSON.parse(await readFile(join(root, 'examples', 'inputs', 'training.json'), 'utf8')) as {
      hyperparameters: Record<string, string>;
    };
    input.hyperparameters.num_round = '5000';
    input.hyperparameters.max_depth = '8';
    await writeFile(join(slowExamples, 'inputs', 'training.json'), JSON.stringify(input));
    await cp(join(root, 'examples', 'inputs', 'scoring.json'), join(slowExamples, 'inputs', 'scoring.json'));
  });

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('stops the running execution and its EMR job on SIGINT: ABORTED with an ExecutionAborted event', async () => {
    const stateDir = join(base, 'sigint');
    const run = cli(['start', '--state-dir', stateDir]);
    await until('the feature job to run', async () =>
      (await jsonFiles(join(stateDir, 'emr', 'local'))).find((j) => j.state === 'RUNNING'),
    );

    run.child.kill('SIGINT');
    const { code } = await run.exit;

    const record = await training(stateDir);
    expect(code, run.output()).toBe(130);
    expect(record?.status).toBe('ABORTED');
    expect(record?.events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: {
        error: 'sparkmaker.Interrupted',
        cause: expect.stringContaining('SIGINT'),
      },
    });
    expect((await jsonFiles(join(stateDir, 'emr', 'local'))).map((j) => j.state)).toEqual(['CANCELLED']);
    expect(run.output()).toMatch(/stopped train-\S+: ABORTED/);
    expect((await listRecords(stateDir)).filter((r) => r.status === 'RUNNING')).toEqual([]);
  }, 180_000);

  it('stops the training job on SIGTERM: the job ends Stopped and the execution ABORTED', async () => {
    const stateDir = join(base, 'sigterm');
    const run = cli(['start', '--state-dir', stateDir, '--examples', slowExamples]);
    await until('the training job to train', async () =>
      (await jsonFiles(join(stateDir, 'sagemaker', 'training-jobs'))).find(
        (j) => j.SecondaryStatus === 'Training',
      ),
    );

    run.child.kill('SIGTERM');
    const { code } = await run.exit;

    expect(code, run.output()).toBe(143);
    expect((await training(stateDir))?.status).toBe('ABORTED');
    const jobs = await jsonFiles(join(stateDir, 'sagemaker', 'training-jobs'));
    expect(jobs.map((j) => j.TrainingJobStatus)).toEqual(['Stopped']);
  }, 180_000);

  it('marks a run whose process was killed ABORTED at the next start-up, with a line saying so', async () => {
    const stateDir = join(base, 'sigkill');
    const run = cli(['start', '--state-dir', stateDir]);
    const running = await until('a RUNNING record', async () => {
      const record = await training(stateDir);
      return record?.status === 'RUNNING' ? record : undefined;
    });
    expect(running.pid).toBe(run.child.pid);

    run.child.kill('SIGKILL');
    await run.exit;
    const list = cli(['executions', '--state-dir', stateDir]);
    await list.exit;

    const record = await training(stateDir);
    expect(list.output()).toContain(
      `${running.name} (${running.stateMachineName}) was RUNNING but its process is gone: marked ABORTED`,
    );
    expect(record?.status).toBe('ABORTED');
    expect(record?.events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'sparkmaker.ProcessGone' },
    });
  }, 180_000);

  it('stops one execution with sparkmaker stop, through the process running it', async () => {
    const stateDir = join(base, 'stop');
    const run = cli(['start', '--state-dir', stateDir, '--examples', slowExamples]);
    const running = await until('a RUNNING record', async () => {
      const record = await training(stateDir);
      return record?.status === 'RUNNING' ? record : undefined;
    });

    const stop = cli(['stop', running.name, '--state-dir', stateDir]);
    const stopped = await stop.exit;
    const { code } = await run.exit;

    expect(stopped.code, stop.output()).toBe(0);
    expect(stop.output()).toContain(`${running.name}: ABORTED`);
    expect(code).toBe(1);
    const record = await training(stateDir);
    expect(record?.status).toBe('ABORTED');
    expect(record?.events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { cause: expect.stringContaining('sparkmaker stop') },
    });
  }, 180_000);
});
