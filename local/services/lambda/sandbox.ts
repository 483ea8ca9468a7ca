/**
 * One local Lambda worker: a worker thread serving the functions of one `memorySize` (its V8 heap
 * is capped at that size), with one warm module instance per function, each under the function's
 * own environment (`process.env` inside the worker, swapped per function; this process's is never
 * touched). An invocation that outruns the function's timeout terminates the worker (a busy loop
 * included): the caller gets `Sandbox.Timedout` and the next invocation starts a fresh worker.
 */
import { Worker } from 'node:worker_threads';
import type { FunctionDefinition } from './index';

/** The Node.js runtime's error envelope (the payload of a failed invocation). */
export interface ErrorEnvelope {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace: readonly string[];
}

/** How one invocation ended inside the sandbox. */
export interface SandboxOutcome {
  /** The handler's result as JSON text (`null` for nothing). */
  readonly json?: string;
  readonly error?: ErrorEnvelope;
  /** What the handler wrote to stdout/stderr during the invocation (its tail). */
  readonly log: Buffer;
  readonly heapUsedMb?: number;
  /** The sandbox died (timeout, out of memory, crash) and must not be reused. */
  readonly dead: boolean;
}

/** What a worker needs to start. */
export interface SandboxSpec {
  /** The heap cap (MB): the `memorySize` of the functions this worker serves. */
  readonly memorySize: number;
  /** Load modules through tsx's loader instead of prebuilt bundles. */
  readonly tsx: boolean;
  /** Let the handlers' output through to this process's stdout/stderr. */
  readonly forwardLogs: boolean;
}

/** One function's module, as a worker loads it. */
export interface ModuleSpec {
  readonly fn: FunctionDefinition;
  /** The module to import (file URL of the bundle, or of the .ts file with `tsx`). */
  readonly moduleUrl: Promise<string>;
  readonly handlerFile: string;
  /** The function's whole environment. */
  readonly env: Readonly<Record<string, string>>;
}

/** The invocation fields of the Lambda context (the worker adds the methods). */
export interface ContextFields {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  /** Epoch milliseconds at which the invocation times out. */
  readonly deadline: number;
}

const WORKER = new URL('./sandbox-worker.mjs', import.meta.url);

let nextId = 0;

type Message = { type?: string; id?: number; fn?: string; initMs?: number; error?: ErrorEnvelope } & Partial<
  Omit<SandboxOutcome, 'error'>
>;

/**
 * A worker thread serving the functions of one memory size, each with one warm module instance
 * (its own environment), one invocation at a time.
 */
export class Sandbox {
  readonly memorySize: number;
  busy = false;
  dead = false;
  /** When it last finished an invocation (the pool replaces the least recently used). */
  lastUsed = 0;
  private readonly worker: Worker;
  private readonly modules = new Map<string, Promise<number>>();
  private readonly loading = new Map<string, { resolve: (ms: number) => void; reject: (e: Error) => void }>();
  private pending: { id: number; resolve: (outcome: SandboxOutcome) => void } | undefined;

  constructor(spec: SandboxSpec) {
    this.memorySize = spec.memorySize;
    const heapMb = Math.max(16, spec.memorySize);
    this.worker = new Worker(WORKER, {
      // Each function's environment is handed over when its module loads; the worker starts empty.
      env: {},
      workerData: { tsx: spec.tsx, forwardLogs: spec.forwardLogs },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(64, heapMb / 4) },
      stdin: false,
    });
    // Held open while loading or busy; idle workers never keep the process alive.
    this.worker.unref();
    this.worker.on('message', (message: Message) => this.receive(message));
    // A crash or an out-of-memory kill ends the invocation in flight, as Lambda's runtime exit does.
    this.worker.on('error', (error) => this.die(exitEnvelope(error)));
    this.worker.on('exit', () =>
      this.die({
        errorType: 'Runtime.ExitError',
        errorMessage: 'Runtime exited without providing a reason',
        trace: [],
      }),
    );
  }

  /** Whether the function's module is loaded (or loading) here: its next invocation is warm. */
  has(fn: FunctionDefinition): boolean {
    return this.modules.has(fn.name);
  }

  /**
   * Loads a function's module once (its cold start in this worker). Resolves with the load time, or
   * `undefined` when it was already loaded; rejects (with `envelope`) when the module fails to load.
   */
  async load(spec: ModuleSpec): Promise<number | undefined> {
    const known = this.modules.get(spec.fn.name);
    if (known !== undefined) {
      await known;
      return undefined;
    }
    const loaded = (async () => {
      const moduleUrl = await spec.moduleUrl.catch((error: unknown) => {
        throw Object.assign(new Error('bundle failed'), {
          envelope: {
            errorType: 'Runtime.ImportModuleError',
            errorMessage: `cannot bundle ${spec.handlerFile}: ${error instanceof Error ? error.message : String(error)}`,
            trace: [],
          },
        });
      });
      this.worker.ref();
      try {
        return await new Promise<number>((resolve, reject) => {
          this.loading.set(spec.fn.name, { resolve, reject });
          this.worker.postMessage({
            type: 'load',
            fn: spec.fn.name,
            moduleUrl,
            handlerExport: spec.fn.handlerExport,
            handlerFile: spec.handlerFile,
            env: spec.env,
          });
        });
      } finally {
        if (!this.dead) this.worker.unref();
      }
    })();
    this.modules.set(spec.fn.name, loaded);
    // A module that failed to load is tried again by the next invocation (a fixed file in `dev`).
    loaded.catch(() => this.modules.delete(spec.fn.name));
    return loaded;
  }

  /**
   * Runs one invocation of a loaded function; resolves when it ends. At `timeoutMs` the worker is
   * terminated and the outcome is `Sandbox.Timedout` (`dead`).
   */
  invoke(
    fn: FunctionDefinition,
    event: unknown,
    context: ContextFields,
    timeoutMs: number,
  ): Promise<SandboxOutcome> {
    const id = ++nextId;
    this.worker.ref();
    return new Promise<SandboxOutcome>((settle) => {
      const resolve = (outcome: SandboxOutcome) => {
        if (!this.dead) this.worker.unref();
        this.lastUsed = Date.now();
        settle(outcome);
      };
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        const seconds = fn.timeout.toFixed(2);
        resolve({
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`,
            trace: [],
          },
          log: Buffer.from(
            `${new Date().toISOString()} ${context.awsRequestId} Task timed out after ${seconds} seconds\n`,
          ),
          dead: true,
        });
        void this.kill();
      }, timeoutMs);
      this.pending = {
        id,
        resolve: (outcome) => {
          clearTimeout(timer);
          resolve(outcome);
        },
      };
      this.worker.postMessage({ type: 'invoke', id, fn: fn.name, event, context });
    });
  }

  /** Terminates the worker (whatever it is doing). */
  async kill(): Promise<void> {
    this.dead = true;
    await this.worker.terminate().catch(() => undefined);
  }

  private receive(message: Message): void {
    if ((message.type === 'loaded' || message.type === 'load-error') && message.fn !== undefined) {
      const waiting = this.loading.get(message.fn);
      this.loading.delete(message.fn);
      if (message.type === 'loaded') waiting?.resolve(message.initMs ?? 0);
      else
        waiting?.reject(
          Object.assign(new Error(message.error?.errorMessage ?? 'init failed'), { envelope: message.error }),
        );
      return;
    }
    const pending = this.pending;
    if (message.type !== 'result' || pending === undefined || pending.id !== message.id) return;
    this.pending = undefined;
    pending.resolve({
      ...(message.json === undefined ? {} : { json: message.json }),
      ...(message.error === undefined ? {} : { error: message.error }),
      log: Buffer.from(message.log ?? new Uint8Array()),
      ...(message.heapUsedMb === undefined ? {} : { heapUsedMb: message.heapUsedMb }),
      dead: false,
    });
  }

  private die(error: ErrorEnvelope): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ error, log: Buffer.alloc(0), dead: true });
    for (const waiting of this.loading.values())
      waiting.reject(Object.assign(new Error(error.errorMessage), { envelope: error }));
    this.loading.clear();
  }
}

/** The envelope of a worker that died: out of memory is Lambda's `Runtime.ExitError` (killed). */
function exitEnvelope(error: unknown): ErrorEnvelope {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return {
      errorType: 'Runtime.ExitError',
      errorMessage:
        'Runtime exited with error: signal: killed (out of memory: the heap reached the function memorySize)',
      trace: [],
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${message}`, trace: [] };
}
