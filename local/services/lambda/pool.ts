/**
 * The pool of local Lambda workers. At most `limit` invocations run at once (`--workers`, the core
 * count by default). A worker serves the functions of one `memorySize` (its heap cap) and keeps one
 * warm module instance per function, as Lambda keeps execution environments. An invocation takes an
 * idle worker of its memory size that already holds its function (warm), else any idle worker of
 * that size (the function's cold start there), else a new worker while fewer than `maxAlive` live,
 * else replaces the least recently used idle worker, else waits its turn.
 */
import type { FunctionDefinition } from './index';
import type { Sandbox } from './sandbox';

interface Waiter {
  readonly fn: FunctionDefinition;
  readonly resolve: (sandbox: Sandbox) => void;
}

/** Bounded workers, warm per function. */
export class SandboxPool {
  private readonly sandboxes = new Set<Sandbox>();
  private readonly waiters: Waiter[] = [];
  private busy = 0;
  private closed = false;

  constructor(
    /** The most invocations running at once. */
    readonly limit: number,
    /** The most workers alive (idle ones included). */
    readonly maxAlive: number,
    private readonly create: (memorySize: number) => Sandbox,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`workers must be ≥ 1, got ${limit}`);
  }

  /** How many workers are alive (idle, loading or busy). */
  get size(): number {
    return this.sandboxes.size;
  }

  /** Takes a worker for one invocation of `fn`, waiting while `limit` invocations run. */
  acquire(fn: FunctionDefinition): Promise<Sandbox> {
    if (this.closed) return Promise.reject(new Error('the Lambda service is closed'));
    const sandbox = this.take(fn);
    if (sandbox !== undefined) return Promise.resolve(sandbox);
    return new Promise((resolve) => this.waiters.push({ fn, resolve }));
  }

  /** Gives a worker back (a dead one is dropped) and serves the waiters. */
  release(sandbox: Sandbox): void {
    sandbox.busy = false;
    this.busy--;
    if (sandbox.dead) this.sandboxes.delete(sandbox);
    this.serve();
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sandboxes].map((s) => s.kill()));
    this.sandboxes.clear();
  }

  private take(fn: FunctionDefinition): Sandbox | undefined {
    if (this.busy >= this.limit) return undefined;
    for (const sandbox of this.sandboxes) if (sandbox.dead && !sandbox.busy) this.sandboxes.delete(sandbox);
    const idle = [...this.sandboxes].filter((s) => !s.busy && !s.dead);
    let chosen =
      idle.find((s) => s.memorySize === fn.memorySize && s.has(fn)) ??
      idle.find((s) => s.memorySize === fn.memorySize);
    if (chosen === undefined) {
      if (this.sandboxes.size >= this.maxAlive) {
        const oldest = idle.sort((a, b) => a.lastUsed - b.lastUsed)[0];
        if (oldest === undefined) return undefined;
        this.sandboxes.delete(oldest);
        void oldest.kill();
      }
      chosen = this.create(fn.memorySize);
      this.sandboxes.add(chosen);
    }
    chosen.busy = true;
    this.busy++;
    return chosen;
  }

  private serve(): void {
    for (let i = 0; i < this.waiters.length && this.busy < this.limit; ) {
      const waiter = this.waiters[i]!;
      const sandbox = this.take(waiter.fn);
      if (sandbox === undefined) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.resolve(sandbox);
    }
  }
}
