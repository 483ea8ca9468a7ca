/**
 * One local Lambda sandbox: a worker thread holding one function's module, warm between
 * invocations, with the function's own environment (`process.env` of the worker, not of this
 * process) and its memory capped from `memorySize` (V8 heap limit of the worker). An invocation that
 * outruns the function's timeout terminates the worker (the busy loop included): the caller gets
 * `Sandbox.Timedout` and the next invocation starts a fresh sandbox.
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

/** What a sandbox needs to start. */
export interface SandboxSpec {
  readonly fn: FunctionDefinition;
  /** The module to import (file URL of the bundle, or of the .ts file with `tsx`). */
  readonly moduleUrl: Promise<string>;
  readonly handlerFile: string;
  /** The worker's whole environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Load the module through tsx's loader instead of a prebuilt bundle. */
  readonly tsx: boolean;
  /** Let the handler's output through to this process's stdout/stderr. */
  readonly forwardLogs: boolean;
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

/** A warm (or warming) sandbox of one function. */
export class Sandbox {
  readonly fn: FunctionDefinition;
  /** Resolves with the init duration once the module is loaded; rejects with the init error. */
  readonly ready: Promise<number>;
  busy = false;
  dead = false;
  private readonly worker: Worker;
  private pending: { id: number; resolve: (outcome: SandboxOutcome) => void } | undefined;

  constructor(spec: SandboxSpec) {
    this.fn = spec.fn;
    const heapMb = Math.max(16, spec.fn.memorySize);
    this.worker = new Worker(WORKER, {
      env: { ...spec.env },
      workerData: {
        handlerFile: spec.handlerFile,
        handlerExport: spec.fn.handlerExport,
        tsx: spec.tsx,
        forwardLogs: spec.forwardLogs,
      },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: Math.min(64, heapMb / 4) },
      // The worker's own stdin is never read; stdout/stderr go through its patched writers.
      stdin: false,
    });
    // Held open while loading or busy; idle sandboxes never keep the process alive.
    this.ready = new Promise<number>((resolve, reject) => {
      const onMessage = (message: { type?: string; initMs?: number; error?: ErrorEnvelope }) => {
        if (message.type === 'ready') {
          this.worker.off('message', onMessage);
          resolve(message.initMs ?? 0);
        } else if (message.type === 'init-error') {
          this.worker.off('message', onMessage);
          reject(
            Object.assign(new Error(message.error?.errorMessage ?? 'init failed'), {
              envelope: message.error,
            }),
          );
          void this.kill();
        }
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (error) => reject(Object.assign(error, { envelope: exitEnvelope(error) })));
      this.worker.once('exit', () => reject(new Error('the sandbox exited during its cold start')));
    });
    this.ready.then(
      () => this.worker.unref(),
      () => undefined,
    );
    // The worker boots while the handler is bundled; it loads the module once that is ready.
    spec.moduleUrl.then(
      (moduleUrl) => this.worker.postMessage({ type: 'load', moduleUrl }),
      (error: unknown) => {
        this.worker.emit('message', {
          type: 'init-error',
          error: {
            errorType: 'Runtime.ImportModuleError',
            errorMessage: `cannot bundle ${spec.handlerFile}: ${error instanceof Error ? error.message : String(error)}`,
            trace: [],
          },
        });
      },
    );
    this.worker.on('message', (message: { type?: string; id?: number } & Partial<SandboxOutcome>) => {
      const pending = this.pending;
      if (message.type !== 'result' || pending === undefined || pending.id !== message.id) return;
      const { resolve } = pending;
      this.pending = undefined;
      resolve({
        ...(message.json === undefined ? {} : { json: message.json }),
        ...(message.error === undefined ? {} : { error: message.error }),
        log: Buffer.from(message.log ?? new Uint8Array()),
        ...(message.heapUsedMb === undefined ? {} : { heapUsedMb: message.heapUsedMb }),
        dead: false,
      });
    });
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

  /**
   * Runs one invocation; resolves when it ends. At `timeoutMs` the worker is terminated and the
   * outcome is `Sandbox.Timedout` (`dead`).
   */
  invoke(event: unknown, context: ContextFields, timeoutMs: number): Promise<SandboxOutcome> {
    const id = ++nextId;
    this.worker.ref();
    return new Promise<SandboxOutcome>((settle) => {
      const resolve = (outcome: SandboxOutcome) => {
        if (!this.dead) this.worker.unref();
        settle(outcome);
      };
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        resolve({
          error: {
            errorType: 'Sandbox.Timedout',
            errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${this.fn.timeout.toFixed(2)} seconds`,
            trace: [],
          },
          log: Buffer.from(
            `${new Date().toISOString()} ${context.awsRequestId} Task timed out after ${this.fn.timeout.toFixed(2)} seconds\n`,
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
      this.worker.postMessage({ type: 'invoke', id, event, context });
    });
  }

  /** Terminates the worker (whatever it is doing). */
  async kill(): Promise<void> {
    this.dead = true;
    await this.worker.terminate().catch(() => undefined);
  }

  private die(error: ErrorEnvelope): void {
    this.dead = true;
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve({ error: error, log: Buffer.alloc(0), dead: true });
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
