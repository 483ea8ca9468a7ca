/**
 * The local Lambda service: invokes the real handler modules (`functions/<name>.ts`) in this process
 * with a Lambda-shaped context, the function's environment in place when its module is first loaded
 * (handlers read their configuration at cold start), its timeout enforced, and failures reported the
 * way the Lambda service reports them: `FunctionError: 'Unhandled'` and the runtime's
 * `{errorType, errorMessage, trace}` envelope as the payload.
 */
import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

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
  /** Replaces the clock for getRemainingTimeInMillis (tests). */
  readonly now?: () => number;
}

/** Raised for an invocation of a function that serverless.yml does not declare. */
export class ResourceNotFoundError extends Error {
  readonly code = 'ResourceNotFoundException';
  constructor(functionName: string) {
    super(`Function not found: ${functionName}`);
    this.name = 'ResourceNotFoundException';
  }
}

type Handler = (event: unknown, context: unknown) => unknown;

/** What a Lambda handler's context offers (aws-lambda's `Context`). */
export interface LambdaContext {
  callbackWaitsForEmptyEventLoop: boolean;
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  getRemainingTimeInMillis(): number;
  done(): void;
  fail(): void;
  succeed(): void;
}

/** A queue so that only one module loads at a time while `process.env` holds its function's variables. */
let loading: Promise<unknown> = Promise.resolve();

/** The offline Lambda service. */
export class LambdaService {
  private readonly byName = new Map<string, FunctionDefinition>();
  private readonly handlers = new Map<string, Promise<Handler>>();
  private readonly attempts = new Map<string, number>();
  private readonly listeners = new Set<(invocation: Invocation) => void>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;

  constructor(private readonly options: LambdaServiceOptions) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
    for (const fn of options.functions) {
      this.byName.set(fn.name, fn);
      this.byName.set(fn.functionName, fn);
      this.byName.set(this.arnOf(fn), fn);
    }
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
    if (found === undefined) throw new ResourceNotFoundError(functionName);
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

  /**
   * Invokes a function synchronously (`RequestResponse`). Resolves with the Lambda service's answer;
   * a handler failure is an answer with `functionError`, not a rejection.
   */
  async invoke(functionName: string, payload: unknown): Promise<InvokeResult> {
    const fn = this.resolve(functionName);
    const result = await this.invokeResolved(fn, payload);
    const invocation: Invocation = { name: fn.name, result };
    for (const listener of this.listeners) listener(invocation);
    return result;
  }

  private async invokeResolved(fn: FunctionDefinition, payload: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const event = payload === undefined ? null : (JSON.parse(JSON.stringify(payload)) as unknown);
    const started = this.now();
    const deadline = started + fn.timeout * 1000;
    const context: LambdaContext = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.arnOf(fn),
      memoryLimitInMB: String(fn.memorySize),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: `${new Date(started).toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${requestId.replaceAll('-', '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - this.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    const base = { executedVersion: '$LATEST', requestId };
    const attemptKey = `${fn.name}\u0000${JSON.stringify(event)}`;
    const attempt = this.attempts.get(attemptKey) ?? 0;
    this.attempts.set(attemptKey, attempt + 1);
    let timer: NodeJS.Timeout | undefined;
    try {
      const injected = this.options.faults?.({ functionName: fn.name, payload: event, attempt });
      if (injected !== undefined) throw injected;
      const handler = await this.load(fn);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new LambdaTimeout(requestId, fn.timeout)),
          Math.max(0, deadline - this.now()),
        );
      });
      const result = await Promise.race([Promise.resolve().then(() => handler(event, context)), timeout]);
      const json = result === undefined ? 'null' : JSON.stringify(result);
      return {
        ...base,
        statusCode: 200,
        payload: JSON.parse(json ?? 'null'),
        durationMs: this.now() - started,
      };
    } catch (error) {
      return {
        ...base,
        statusCode: 200,
        functionError: 'Unhandled',
        payload: errorEnvelope(error),
        durationMs: this.now() - started,
      };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** Loads (once) the handler module with the function's environment set in `process.env`. */
  private load(fn: FunctionDefinition): Promise<Handler> {
    let handler = this.handlers.get(fn.name);
    if (handler === undefined) {
      const file = isAbsolute(fn.handlerFile)
        ? fn.handlerFile
        : resolve(this.options.root ?? '.', fn.handlerFile);
      const run = async (): Promise<Handler> => {
        const saved = new Map<string, string | undefined>();
        const env: Record<string, string> = {
          ...fn.environment,
          AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
          AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        };
        for (const [key, value] of Object.entries(env)) {
          saved.set(key, process.env[key]);
          process.env[key] = value;
        }
        try {
          const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
          const exported = module[fn.handlerExport];
          if (typeof exported !== 'function') {
            throw new Error(`${file} does not export a function named '${fn.handlerExport}'`);
          }
          return exported as Handler;
        } finally {
          for (const [key, value] of saved) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
          }
        }
      };
      handler = loading.then(run, run);
      loading = handler.catch(() => undefined);
      // A module that fails to load fails every invocation (like a broken deployment), but is retried
      // on the next call so that a fixed file can be picked up by `sparkmaker dev`.
      handler.catch(() => this.handlers.delete(fn.name));
      this.handlers.set(fn.name, handler);
    }
    return handler;
  }
}

/** A handler that outran its function's timeout. */
class LambdaTimeout extends Error {
  constructor(requestId: string, seconds: number) {
    super(`RequestId: ${requestId} Error: Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'Sandbox.Timedout';
  }
}

/** The Node.js runtime's error envelope: `{errorType, errorMessage, trace}`. */
export function errorEnvelope(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace:
        error instanceof LambdaTimeout ? [] : (error.stack ?? `${error.name}: ${error.message}`).split('\n'),
    };
  }
  return {
    errorType: typeof error === 'string' ? 'string' : 'Error',
    errorMessage: String(error),
    trace: [],
  };
}
