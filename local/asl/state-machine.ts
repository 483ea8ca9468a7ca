/** The state machine and its executions. */
import { FailStateError, StatesError } from './errors';
import { loadExtensions } from './extensions';
import type { Program } from './model';
import { Scope, toJson } from './payload';
import { runProgram } from './program';
import { type Frame, Interruption, Run, type RunConfig, uuid } from './runtime';
import type { Execution, ExecutionResult, HistoryEvent, StateMachineOptions } from './types';
import { parseDefinition } from './validate';

let counter = 0;

/**
 * A state machine definition ready to run offline.
 *
 * @example
 * const machine = new StateMachine(definition, { registry });
 * const result = await machine.start({ x: 1 }).done;
 */
export class StateMachine {
  /** The definition as given (validated). */
  readonly definition: object;
  private readonly program: Program;
  private readonly timeoutSeconds: number | undefined;
  readonly name: string;
  readonly arn: string;
  private readonly options: StateMachineOptions;

  constructor(definition: string | object, options: StateMachineOptions) {
    const parsed: unknown = typeof definition === 'string' ? JSON.parse(definition) : definition;
    this.program = parseDefinition(parsed, { type: options.type ?? 'STANDARD' });
    this.definition = parsed as object;
    const timeout = (parsed as { TimeoutSeconds?: unknown }).TimeoutSeconds;
    this.timeoutSeconds = typeof timeout === 'number' ? timeout : undefined;
    this.options = options;
    const region = options.region ?? 'us-east-1';
    const account = options.account ?? '123456789012';
    this.name = options.name ?? 'StateMachine';
    this.arn = options.arn ?? `arn:aws:states:${region}:${account}:stateMachine:${this.name}`;
  }

  /** Starts an execution; its `done` settles when it ends. */
  start(input: unknown, options: { name?: string } = {}): Execution {
    const o = this.options;
    const region = o.region ?? 'us-east-1';
    const account = o.account ?? '123456789012';
    const config: RunConfig = {
      registry: o.registry,
      timeScale: o.timeScale ?? 1,
      random: o.random ?? Math.random,
      region,
      account,
      partition: 'aws',
      roleArn: o.roleArn ?? `arn:aws:iam::${account}:role/sparkmaker-local`,
      stateMachineArn: this.arn,
      stateMachineName: this.name,
      type: o.type ?? 'STANDARD',
      uuid,
      resultFileBytes: o.resultFileBytes ?? 256 * 2 ** 20,
    };
    const name =
      options.name ?? `${Date.now().toString(36)}-${(counter++).toString(36)}-${uuid().slice(0, 8)}`;
    const arn = `arn:aws:states:${region}:${account}:${config.type === 'EXPRESS' ? 'express' : 'execution'}:${this.name}:${name}`;
    return new LocalExecution(
      this.program,
      this.timeoutSeconds,
      config,
      arn,
      name,
      input === undefined ? {} : input,
    );
  }
}

class LocalExecution implements Execution {
  readonly startDate = new Date();
  readonly done: Promise<ExecutionResult>;
  private readonly run: Run;

  constructor(
    program: Program,
    timeoutSeconds: number | undefined,
    config: RunConfig,
    readonly arn: string,
    readonly name: string,
    input: unknown,
  ) {
    this.run = new Run(config);
    this.done = this.execute(program, timeoutSeconds, input);
  }

  get events(): HistoryEvent[] {
    return this.run.events;
  }

  onEvent(listener: (event: HistoryEvent) => void): () => void {
    return this.run.onEvent(listener);
  }

  stop(error?: string, cause?: string): void {
    if (!this.run.controller.signal.aborted)
      this.run.controller.abort(new Interruption('ABORTED', error, cause));
  }

  private async execute(
    program: Program,
    timeoutSeconds: number | undefined,
    input: unknown,
  ): Promise<ExecutionResult> {
    await loadExtensions();
    // Let the caller subscribe before the first event.
    await Promise.resolve();
    const run = this.run;
    const config = run.config;
    const frame: Frame = {
      run,
      record: true,
      prev: 0,
      scope: new Scope(),
      signal: run.controller.signal,
      context: {
        Execution: {
          Id: this.arn,
          Input: input,
          Name: this.name,
          RoleArn: config.roleArn,
          StartTime: this.startDate.toISOString(),
          RedriveCount: 0,
        },
        StateMachine: { Id: config.stateMachineArn, Name: config.stateMachineName },
      },
    };
    run.emit(undefined, 'ExecutionStarted', 'executionStartedEventDetails', {
      input: toJson(input),
      inputDetails: { truncated: false },
      roleArn: config.roleArn,
    });
    frame.prev = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    if (timeoutSeconds !== undefined) {
      timer = setTimeout(
        () => run.controller.abort(new Interruption('TIMED_OUT', 'States.Timeout', '')),
        timeoutSeconds * 1000 * config.timeScale,
      );
    }
    try {
      const output = await runProgram(program, input, frame);
      if (run.controller.signal.aborted) throw run.controller.signal.reason;
      run.emit(frame, 'ExecutionSucceeded', 'executionSucceededEventDetails', {
        output: toJson(output),
        outputDetails: { truncated: false },
      });
      return { status: 'SUCCEEDED', output: output ?? null };
    } catch (thrown) {
      const reason = run.controller.signal.aborted ? run.controller.signal.reason : thrown;
      if (reason instanceof Interruption) {
        const d: Record<string, unknown> = {};
        if (reason.error !== undefined) d.error = reason.error;
        if (reason.cause !== undefined && reason.cause !== '') d.cause = reason.cause;
        if (reason.kind === 'TIMED_OUT') {
          run.emit(frame, 'ExecutionTimedOut', 'executionTimedOutEventDetails', d);
          return { status: 'TIMED_OUT', error: 'States.Timeout' };
        }
        run.emit(undefined, 'ExecutionAborted', 'executionAbortedEventDetails', d);
        return {
          status: 'ABORTED',
          ...(reason.error !== undefined ? { error: reason.error } : {}),
          ...(reason.cause !== undefined ? { cause: reason.cause } : {}),
        };
      }
      const error =
        thrown instanceof StatesError
          ? thrown
          : new StatesError('States.Runtime', thrown instanceof Error ? thrown.message : String(thrown));
      const hasError = error instanceof FailStateError ? error.hasError : true;
      const d: Record<string, unknown> = {};
      if (hasError) d.error = error.error;
      if (error.cause !== undefined) d.cause = error.cause;
      run.emit(frame, 'ExecutionFailed', 'executionFailedEventDetails', d);
      return {
        status: 'FAILED',
        ...(hasError ? { error: error.error } : {}),
        ...(error.cause !== undefined ? { cause: error.cause } : {}),
      };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}
