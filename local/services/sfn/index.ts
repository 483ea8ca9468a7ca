/**
 * A local Step Functions service: state machines run by the interpreter (`local/asl`), executions
 * started by name with AWS's idempotency rules, and every execution persisted with its history under
 * `<stateDir>/executions/<state machine>/<execution>.json` so that `sparkmaker executions` and
 * `sparkmaker history` can read them after the process ends.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Execution,
  type ExecutionResult,
  type HistoryEvent,
  type ResourceRegistry,
  StateMachine,
  type StateMachineOptions,
} from '../../asl';
import { ServiceError } from '../errors';
import type { ObjectStore } from '../object-store';

export type ExecutionState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What DescribeExecution reports, plus the history, as persisted on disk. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  status: ExecutionState;
  startDate: string;
  stopDate?: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** The process running the execution (while RUNNING): a record whose process is gone is orphaned. */
  pid?: number;
  events: HistoryEvent[];
}

/** A registered state machine. */
export interface LocalStateMachine {
  readonly name: string;
  readonly arn: string;
  readonly definition: object;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly roleArn: string;
}

export interface StepFunctionsServiceOptions {
  readonly registry: ResourceRegistry;
  readonly store?: ObjectStore;
  /** Where executions are persisted (`.sparkmaker`); nothing is written when absent. */
  readonly stateDir?: string;
  readonly timeScale?: number;
  readonly region?: string;
  readonly account?: string;
  readonly random?: () => number;
  /** Size at which a Distributed Map's ResultWriter starts a new file (tests: small, to get several). */
  readonly resultFileBytes?: number;
}

/** A running or finished execution this process started. */
export interface StartedExecution {
  readonly stateMachine: LocalStateMachine;
  readonly execution: Execution;
  readonly input: string;
}

const NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

/** The local Step Functions control plane. */
export class StepFunctionsService {
  readonly region: string;
  readonly account: string;
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly running = new Map<string, StartedExecution>();
  private readonly listeners = new Set<(started: StartedExecution) => void>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly options: StepFunctionsServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
  }

  /** Registers a state machine; returns its ARN. */
  createStateMachine(
    name: string,
    definition: object,
    options: { type?: 'STANDARD' | 'EXPRESS'; roleArn?: string } = {},
  ): string {
    const arn = `arn:aws:states:${this.region}:${this.account}:stateMachine:${name}`;
    this.machines.set(arn, {
      name,
      arn,
      definition,
      type: options.type ?? 'STANDARD',
      roleArn: options.roleArn ?? `arn:aws:iam::${this.account}:role/${name}-role`,
    });
    return arn;
  }

  /** The state machine with this ARN or name. */
  stateMachine(arnOrName: string): LocalStateMachine {
    const found =
      this.machines.get(arnOrName) ?? [...this.machines.values()].find((m) => m.name === arnOrName);
    if (found === undefined)
      throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arnOrName}'`);
    return found;
  }

  get stateMachines(): LocalStateMachine[] {
    return [...this.machines.values()];
  }

  /** Called for every execution this service starts (the CLI's live progress hooks in here). */
  onExecutionStarted(listener: (started: StartedExecution) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * StartExecution with AWS's rules: a name still running with the same input returns that
   * execution; a name already used otherwise is `ExecutionAlreadyExists`.
   */
  async startExecution(request: {
    stateMachineArn: string;
    name?: string;
    input?: string;
  }): Promise<{ executionArn: string; startDate: Date; started: StartedExecution }> {
    const machine = this.stateMachine(request.stateMachineArn);
    const name = request.name ?? randomUUID();
    if (!NAME.test(name)) {
      throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
    }
    const input = request.input ?? '{}';
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (error) {
      throw new ServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      );
    }
    if (Buffer.byteLength(input) > 262_144) {
      throw new ServiceError('InvalidExecutionInput', 'Execution input is over the 262144-byte limit');
    }
    const executionArn = `arn:aws:states:${this.region}:${this.account}:execution:${machine.name}:${name}`;
    const current = this.running.get(executionArn);
    if (current !== undefined) {
      const record = await this.describeExecution(executionArn);
      if (record.status === 'RUNNING' && current.input === input) {
        return { executionArn, startDate: current.execution.startDate, started: current };
      }
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    if ((await this.readRecord(machine.name, name)) !== undefined) {
      throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const smOptions: StateMachineOptions = {
      registry: this.options.registry,
      name: machine.name,
      arn: machine.arn,
      type: machine.type,
      roleArn: machine.roleArn,
      region: this.region,
      account: this.account,
      ...(this.options.timeScale === undefined ? {} : { timeScale: this.options.timeScale }),
      ...(this.options.random === undefined ? {} : { random: this.options.random }),
      ...(this.options.resultFileBytes === undefined
        ? {}
        : { resultFileBytes: this.options.resultFileBytes }),
    };
    const execution = new StateMachine(machine.definition, smOptions).start(parsed, { name });
    const started: StartedExecution = { stateMachine: machine, execution, input };
    this.running.set(executionArn, started);
    await this.persist(started);
    let timer: NodeJS.Timeout | undefined;
    execution.onEvent(() => {
      timer ??= setTimeout(() => {
        timer = undefined;
        void this.persist(started);
      }, 500);
    });
    // `sparkmaker stop` (another process) asks by writing `<record>.stop`: look for it now and then.
    const stopFile = this.recordPath(machine.name, name);
    const watch =
      stopFile === undefined
        ? undefined
        : setInterval(() => void this.takeStopRequest(`${stopFile}.stop`, executionArn), 250);
    watch?.unref();
    void execution.done.then(async () => {
      if (timer !== undefined) clearTimeout(timer);
      if (watch !== undefined) clearInterval(watch);
      await this.persist(started);
    });
    for (const listener of this.listeners) listener(started);
    return { executionArn, startDate: execution.startDate, started };
  }

  /** StopExecution: aborts a running execution this process started. */
  async stopExecution(executionArn: string, error?: string, cause?: string): Promise<{ stopDate: Date }> {
    const started = this.running.get(executionArn);
    if (started === undefined) {
      await this.describeExecution(executionArn);
      return { stopDate: new Date() };
    }
    started.execution.stop(error, cause);
    await started.execution.done;
    await this.persist(started);
    return { stopDate: new Date() };
  }

  /** Acts on a stop request file, if there is one: StopExecution with its error and cause. */
  private async takeStopRequest(path: string, executionArn: string): Promise<void> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return;
    await rm(path, { force: true });
    let request: { error?: unknown; cause?: unknown } = {};
    try {
      request = JSON.parse(text) as typeof request;
    } catch {
      // an empty or partial request still asks to stop
    }
    await this.stopExecution(
      executionArn,
      typeof request.error === 'string' ? request.error : undefined,
      typeof request.cause === 'string' ? request.cause : undefined,
    );
  }

  /**
   * Stops every execution this service is running, as StopExecution would (ABORTED, an
   * `ExecutionAborted` event); resolves once their records are written. Returns their ARNs.
   */
  async stopAll(error?: string, cause?: string): Promise<string[]> {
    const stopped: string[] = [];
    await Promise.all(
      [...this.running.values()].map(async (started) => {
        if ((await peek(started.execution.done)) !== undefined) return;
        stopped.push(started.execution.arn);
        await this.stopExecution(started.execution.arn, error, cause);
      }),
    );
    return stopped;
  }

  /**
   * Marks ABORTED every recorded execution still RUNNING whose process is gone (killed, crashed,
   * machine restarted), with an `ExecutionAborted` event saying so. Returns the records it ended.
   */
  async abortOrphans(): Promise<ExecutionRecord[]> {
    const ended: ExecutionRecord[] = [];
    for (const record of await listRecords(this.options.stateDir)) {
      if (record.status !== 'RUNNING' || this.running.has(record.executionArn)) continue;
      if (record.pid !== undefined && processAlive(record.pid)) continue;
      const now = new Date();
      const last = record.events.at(-1);
      const cause = `the sparkmaker process running it (pid ${record.pid ?? 'unknown'}) ended without stopping it`;
      record.events.push({
        id: (last?.id ?? 0) + 1,
        previousEventId: last?.id ?? 0,
        timestamp: now,
        type: 'ExecutionAborted',
        executionAbortedEventDetails: { error: 'sparkmaker.ProcessGone', cause },
      } as unknown as HistoryEvent);
      record.status = 'ABORTED';
      record.stopDate = now.toISOString();
      record.error = 'sparkmaker.ProcessGone';
      record.cause = cause;
      delete record.pid;
      const path = this.recordPath(record.stateMachineName, record.name);
      if (path !== undefined) await writeAtomically(path, record);
      ended.push(record);
    }
    return ended;
  }

  /** Waits for an execution this process started and returns its final record. */
  async waitFor(executionArn: string): Promise<ExecutionRecord> {
    const started = this.running.get(executionArn);
    if (started !== undefined) {
      await started.execution.done;
      await this.persist(started);
    }
    return this.describeExecution(executionArn);
  }

  /** DescribeExecution (with the history), live for running executions, from disk otherwise. */
  async describeExecution(executionArn: string): Promise<ExecutionRecord> {
    const started = this.running.get(executionArn);
    if (started !== undefined) return this.snapshot(started, await peek(started.execution.done));
    const match = /^arn:aws:states:[^:]*:[^:]*:execution:([^:]+):([^:]+)$/.exec(executionArn);
    const record = match === null ? undefined : await this.readRecord(match[1]!, match[2]!);
    if (record === undefined)
      throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  }

  /** Every execution of a state machine (or of all), newest first, from disk and memory. */
  async listExecutions(stateMachineArn?: string, statusFilter?: ExecutionState): Promise<ExecutionRecord[]> {
    const records = new Map<string, ExecutionRecord>();
    const names = stateMachineArn === undefined ? undefined : this.stateMachine(stateMachineArn).name;
    for (const record of await listRecords(this.options.stateDir, names))
      records.set(record.executionArn, record);
    for (const started of this.running.values()) {
      if (names !== undefined && started.stateMachine.name !== names) continue;
      records.set(started.execution.arn, this.snapshot(started, await peek(started.execution.done)));
    }
    return [...records.values()]
      .filter((r) => statusFilter === undefined || r.status === statusFilter)
      .sort((a, b) => b.startDate.localeCompare(a.startDate));
  }

  private snapshot(started: StartedExecution, result: ExecutionResult | undefined): ExecutionRecord {
    const { execution, stateMachine } = started;
    const record: ExecutionRecord = {
      executionArn: execution.arn,
      stateMachineArn: stateMachine.arn,
      stateMachineName: stateMachine.name,
      name: execution.name,
      status: result?.status ?? 'RUNNING',
      startDate: execution.startDate.toISOString(),
      input: started.input,
      events: [...execution.events],
    };
    if (result === undefined) record.pid = process.pid;
    if (result !== undefined) {
      const last = execution.events.at(-1);
      record.stopDate = (last?.timestamp ?? new Date()).toISOString();
      if (result.output !== undefined) record.output = JSON.stringify(result.output);
      if (result.error !== undefined) record.error = result.error;
      if (result.cause !== undefined) record.cause = result.cause;
    }
    return record;
  }

  private recordPath(machine: string, name: string): string | undefined {
    return this.options.stateDir === undefined
      ? undefined
      : join(this.options.stateDir, 'executions', machine, `${name}.json`);
  }

  private async readRecord(machine: string, name: string): Promise<ExecutionRecord | undefined> {
    const path = this.recordPath(machine, name);
    if (path === undefined) return undefined;
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as ExecutionRecord);
  }

  /** Writes the record atomically; writes of one execution are serialised. */
  private persist(started: StartedExecution): Promise<void> {
    const path = this.recordPath(started.stateMachine.name, started.execution.name);
    if (path === undefined) return Promise.resolve();
    const previous = this.writes.get(path) ?? Promise.resolve();
    const next = previous.then(async () => {
      await writeAtomically(path, this.snapshot(started, await peek(started.execution.done)));
    });
    const settled = next.catch(() => undefined);
    this.writes.set(path, settled);
    return settled;
  }
}

/** Writes a record through a temporary file and a rename: readers never see half of it. */
async function writeAtomically(path: string, record: ExecutionRecord): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 1)}\n`);
  await rename(tmp, path);
}

/** Whether a process with this id exists (signal 0 checks without sending). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The value of a settled promise, or undefined while it is pending. */
async function peek<T>(promise: Promise<T>): Promise<T | undefined> {
  const pending = Symbol('pending');
  const value = await Promise.race([promise, Promise.resolve(pending)]);
  return value === pending ? undefined : (value as T);
}

/** Reads the persisted records of one state machine (or all) from `<stateDir>/executions/`. */
export async function listRecords(
  stateDir: string | undefined,
  machine?: string,
): Promise<ExecutionRecord[]> {
  if (stateDir === undefined) return [];
  const root = join(stateDir, 'executions');
  const machines = machine === undefined ? await readdir(root).catch(() => []) : [machine];
  const records: ExecutionRecord[] = [];
  for (const m of machines) {
    for (const file of await readdir(join(root, m)).catch(() => [])) {
      if (!file.endsWith('.json')) continue;
      const text = await readFile(join(root, m, file), 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      try {
        records.push(JSON.parse(text) as ExecutionRecord);
      } catch {
        // a record being rewritten; skip it
      }
    }
  }
  return records;
}

/**
 * Asks the process running an execution to stop it (`sparkmaker stop`): writes
 * `<stateDir>/executions/<state machine>/<name>.json.stop`, which that process acts on within a
 * quarter of a second.
 */
export async function requestStop(
  stateDir: string,
  record: Pick<ExecutionRecord, 'stateMachineName' | 'name'>,
  error?: string,
  cause?: string,
): Promise<void> {
  const path = join(stateDir, 'executions', record.stateMachineName, `${record.name}.json.stop`);
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(
    tmp,
    JSON.stringify({ ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) }),
  );
  await rename(tmp, path);
}
