/**
 * The local Lambda service: invokes the real handler modules (`functions/<name>.ts`) in sandboxes,
 * worker threads that each hold one function's module warm with that function's own environment
 * (handlers read their configuration at cold start; nothing touches this process's `process.env`),
 * its memory capped from `memorySize` and its timeout enforced by terminating the worker. Failures
 * are reported the way the Lambda service reports them: `FunctionError: 'Unhandled'` and the
 * runtime's `{errorType, errorMessage, trace}` envelope as the payload. Each invocation's log
 * (START/END/REPORT lines around what the handler wrote) is kept for `LogType: Tail`.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServiceError } from '../errors';
import { bundleHandler } from './bundle';
import { errorEnvelope } from './envelope.mjs';
import { SandboxPool } from './pool';
import { type ContextFields, type ModuleSpec, Sandbox } from './sandbox';

/** One function as serverless.yml declares it, resolved to local values. */
export interface FunctionDefinition {
  /** The key under `functions:` in serverless.yml, e.g. `score-shard`. */
  readonly name: string;
  /** The deployed name, e.g. `sparkmaker-dev-score-shard`. */
  readonly functionName: string;
  /** The handler module (absolute, or relative to the project root). */
  readonly handlerFile: string;
  /** The exported handler, usually `handler`. */
  readonly handlerExport: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly memorySize: number;
  /** Seconds. */
  readonly timeout: number;
}

/** The answer of one synchronous invocation, as the Lambda Invoke API gives it. */
export interface InvokeResult {
  readonly statusCode: number;
  /** The handler's result or the error envelope, already JSON round-tripped. */
  readonly payload: unknown;
  readonly functionError?: 'Handled' | 'Unhandled';
  readonly executedVersion: string;
  readonly requestId: string;
  readonly durationMs: number;
  /** Base64 of the last 4 KB of the invocation's log, when asked for with `logType: 'Tail'`. */
  readonly logResult?: string;
  /** The invocation's log (START, the handler's output, END, REPORT), with `logType: 'Tail'`. */
  readonly log?: string;
  /** Whether a new sandbox was started for this invocation (a cold start). */
  readonly coldStart: boolean;
  /** The cold start's module load time. */
  readonly initDurationMs?: number;
}

/** One finished invocation, as {@link LambdaService.onInvocation} reports it. */
export interface Invocation {
  /** The serverless.yml function key. */
  readonly name: string;
  readonly result: InvokeResult;
}

/** Asked before every invocation; returning an Error makes that invocation fail with it. */
export type FaultInjector = (call: {
  readonly functionName: string;
  readonly payload: unknown;
  /** How many times this function was invoked with this very payload before (0 on the first call). */
  readonly attempt: number;
}) => Error | undefined;

export interface LambdaServiceOptions {
  readonly functions: readonly FunctionDefinition[];
  /** Project root that relative handler files resolve against. */
  readonly root?: string;
  readonly region?: string;
  readonly accountId?: string;
  /** Test hook: fail chosen invocations (never part of the production handlers). */
  readonly faults?: FaultInjector;
  /** Replaces the clock for durations (tests). */
  readonly now?: () => number;
  /**
   * Variables every function's environment starts from (the SDK endpoint URLs, dummy credentials,
   * the region, log settings); each function's serverless.yml environment goes on top.
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** The most sandboxes (worker threads) alive at once; default: the core count. */
  readonly workers?: number;
  /** `bundle` (default): esbuild bundles the handler once; `tsx`: the worker loads the .ts through tsx. */
  readonly loader?: 'bundle' | 'tsx';
  /** Let the handlers' stdout/stderr through to this process (default true). */
  readonly forwardLogs?: boolean;
}

/** Per-function counts of one service's invocations. */
export interface FunctionStats {
  invocations: number;
  coldStarts: number;
  /** Summed module load time of the cold starts. */
  initMs: number;
}

/** Host variables a sandbox inherits (never credentials): the rest comes from the definitions. */
const HOST_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'TEMP', 'TMP', 'LANG', 'LC_ALL', 'TZ'];

/** Raised for an invocation of a function that serverless.yml does not declare. */
export function functionNotFound(functionName: string): ServiceError {
  return new ServiceError('ResourceNotFoundException', `Function not found: ${functionName}`, 404);
}

export { errorEnvelope } from './envelope.mjs';

/** What a Lambda handler's context offers (aws-lambda's `Context`). */
export interface LambdaContext extends Omit<ContextFields, 'deadline'> {
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

/** The size of the log tail `LogType: Tail` returns. */
export const LOG_TAIL_BYTES = 4096;

/** The offline Lambda service. */
export class LambdaService {
  private readonly byName = new Map<string, FunctionDefinition>();
  private readonly attempts = new Map<string, number>();
  private readonly listeners = new Set<(invocation: Invocation) => void>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;
  private readonly pool: SandboxPool;
  private readonly counts = new Map<string, FunctionStats>();
  private readonly modules = new Map<string, Promise<string>>();

  constructor(private readonly options: LambdaServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
    for (const fn of options.functions) {
      this.byName.set(fn.name, fn);
      this.byName.set(fn.functionName, fn);
      this.byName.set(this.arnOf(fn), fn);
    }
    const workers = options.workers ?? availableParallelism();
    // Idle workers cost memory only: keep a few more alive than run at once, so that functions of
    // other memory sizes stay warm between the states of a workflow.
    this.pool = new SandboxPool(
      workers,
      Math.max(workers * 2, workers + 4),
      (memorySize) =>
        new Sandbox({
          memorySize,
          tsx: this.options.loader === 'tsx',
          forwardLogs: this.options.forwardLogs ?? true,
        }),
    );
  }

  /** The function ARN Step Functions would name: `arn:aws:lambda:<region>:<account>:function:<name>`. */
  arnOf(fn: FunctionDefinition): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${fn.functionName}`;
  }

  /** The declared function for a name, deployed name or ARN (with or without a qualifier). */
  resolve(functionName: string): FunctionDefinition {
    const direct = this.byName.get(functionName);
    if (direct !== undefined) return direct;
    const arn = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(functionName);
    const partial = /^([^:]+):(?:\$LATEST|\d+|[A-Za-z][\w-]*)$/.exec(functionName);
    const found = this.byName.get(arn?.[1] ?? partial?.[1] ?? '');
    if (found === undefined) throw functionNotFound(functionName);
    return found;
  }

  /** Called after every invocation (the CLI counts Distributed Map children with it). */
  onInvocation(listener: (invocation: Invocation) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every declared function. */
  get functions(): readonly FunctionDefinition[] {
    return this.options.functions;
  }

  /** The most sandboxes alive at once. */
  get workers(): number {
    return this.pool.limit;
  }

  /** Invocations, cold starts and init time per function key, since the service started. */
  stats(): Record<string, FunctionStats> {
    return Object.fromEntries([...this.counts].map(([name, s]) => [name, { ...s }]));
  }

  /**
   * Invokes a function synchronously (`RequestResponse`). Resolves with the Lambda service's answer;
   * a handler failure is an answer with `functionError`, not a rejection.
   */
  async invoke(
    functionName: string,
    payload: unknown,
    options: { readonly logType?: 'None' | 'Tail' } = {},
  ): Promise<InvokeResult> {
    const fn = this.resolve(functionName);
    const result = await this.invokeResolved(fn, payload, options.logType === 'Tail');
    const stats = this.counts.get(fn.name) ?? { invocations: 0, coldStarts: 0, initMs: 0 };
    stats.invocations++;
    if (result.coldStart) {
      stats.coldStarts++;
      stats.initMs += result.initDurationMs ?? 0;
    }
    this.counts.set(fn.name, stats);
    const invocation: Invocation = { name: fn.name, result };
    for (const listener of this.listeners) listener(invocation);
    return result;
  }

  /** Stops every sandbox (busy ones included). */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async invokeResolved(
    fn: FunctionDefinition,
    payload: unknown,
    tail: boolean,
  ): Promise<InvokeResult> {
    const requestId = randomUUID();
    const event = payload === undefined ? null : (JSON.parse(JSON.stringify(payload)) as unknown);
    const started = this.now();
    const base = { executedVersion: '$LATEST', requestId, statusCode: 200 };
    const attemptKey = `${fn.name}\u0000${JSON.stringify(event)}`;
    const attempt = this.attempts.get(attemptKey) ?? 0;
    this.attempts.set(attemptKey, attempt + 1);
    const injected = this.options.faults?.({ functionName: fn.name, payload: event, attempt });
    if (injected !== undefined) {
      return {
        ...base,
        functionError: 'Unhandled',
        payload: errorEnvelope(injected),
        durationMs: this.now() - started,
        coldStart: false,
      };
    }
    const sandbox = await this.pool.acquire(fn);
    let initMs: number | undefined;
    try {
      try {
        initMs = await sandbox.load(this.moduleSpec(fn));
      } catch (error) {
        // A module that fails to load fails the invocation (like a broken deployment); it is loaded
        // again by the next call, so a fixed file is picked up (`sparkmaker dev`).
        const envelope = (error as { envelope?: InvokeResult['payload'] }).envelope ?? errorEnvelope(error);
        return {
          ...base,
          functionError: 'Unhandled',
          payload: envelope,
          durationMs: this.now() - started,
          coldStart: true,
        };
      }
      const cold = initMs !== undefined;
      const invokedAt = Date.now();
      const context: ContextFields = {
        functionName: fn.functionName,
        functionVersion: '$LATEST',
        invokedFunctionArn: this.arnOf(fn),
        memoryLimitInMB: String(fn.memorySize),
        awsRequestId: requestId,
        logGroupName: `/aws/lambda/${fn.functionName}`,
        logStreamName: `${new Date(invokedAt).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId.replaceAll('-', '')}`,
        deadline: invokedAt + fn.timeout * 1000,
      };
      const outcome = await sandbox.invoke(fn, event, context, fn.timeout * 1000);
      const durationMs = this.now() - started;
      const error =
        outcome.error?.errorType === 'Runtime.ExitError'
          ? { ...outcome.error, errorMessage: `RequestId: ${requestId} Error: ${outcome.error.errorMessage}` }
          : outcome.error;
      const common = {
        ...base,
        durationMs,
        coldStart: cold,
        ...(cold && initMs !== undefined ? { initDurationMs: initMs } : {}),
        ...(tail
          ? logOf(fn, requestId, outcome.log, durationMs, outcome.heapUsedMb, cold ? initMs : undefined)
          : {}),
      };
      if (error !== undefined) return { ...common, functionError: 'Unhandled', payload: error };
      return { ...common, payload: JSON.parse(outcome.json ?? 'null') as unknown };
    } finally {
      this.pool.release(sandbox);
    }
  }

  /** What a worker needs to load the function: its module and its whole environment. */
  private moduleSpec(fn: FunctionDefinition): ModuleSpec {
    const file = isAbsolute(fn.handlerFile) ? fn.handlerFile : resolve(this.root, fn.handlerFile);
    const env: Record<string, string> = {};
    for (const name of HOST_VARIABLES) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
    Object.assign(env, this.options.environment, fn.environment, {
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      LAMBDA_TASK_ROOT: this.root,
    });
    const moduleUrl =
      this.options.loader === 'tsx' ? Promise.resolve(pathToFileURL(file).href) : this.bundle(file);
    return { fn, moduleUrl, handlerFile: file, env };
  }

  private get root(): string {
    return resolve(this.options.root ?? '.');
  }

  /** The bundled module of a handler file (built once per service; esbuild's cache spans runs). */
  private bundle(file: string): Promise<string> {
    let url = this.modules.get(file);
    if (url === undefined) {
      url = bundleHandler(this.root, file).then((path) => pathToFileURL(path).href);
      url.catch(() => this.modules.delete(file));
      this.modules.set(file, url);
    }
    return url;
  }
}

/** The invocation's log as CloudWatch shows it, and its last 4 KB, base64 (Invoke's `LogResult`). */
function logOf(
  fn: FunctionDefinition,
  requestId: string,
  output: Buffer,
  durationMs: number,
  heapUsedMb: number | undefined,
  initMs: number | undefined,
): { log: string; logResult: string } {
  const report = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(durationMs)} ms`,
    `Memory Size: ${fn.memorySize} MB`,
    `Max Memory Used: ${heapUsedMb ?? 0} MB`,
    ...(initMs === undefined ? [] : [`Init Duration: ${initMs.toFixed(2)} ms`]),
  ].join('\t');
  const log = Buffer.concat([
    Buffer.from(`START RequestId: ${requestId} Version: $LATEST\n`),
    output,
    Buffer.from(`END RequestId: ${requestId}\n${report}\t\n`),
  ]);
  return {
    log: log.toString('utf8'),
    logResult: log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64'),
  };
}
