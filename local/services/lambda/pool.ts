/**
 * The pool of local Lambda sandboxes: at most `limit` worker threads at once (`--workers`, the core
 * count by default), each dedicated to one function and kept warm, as Lambda keeps execution
 * environments. An invocation takes an idle sandbox of its function (warm), else starts one (cold)
 * while there is room, else replaces an idle sandbox of another function, else waits its turn.
 */
import type { FunctionDefinition } from './index';
import type { Sandbox } from './sandbox';

interface Waiter {
  readonly fn: FunctionDefinition;
  readonly resolve: (lease: Lease) => void;
}

/** A sandbox taken for one invocation; `cold` when it was started for it. */
export interface Lease {
  readonly sandbox: Sandbox;
  readonly cold: boolean;
}

/** Bounded, per-function warm sandboxes. */
export class SandboxPool {
  private readonly sandboxes = new Set<Sandbox>();
  private readonly waiters: Waiter[] = [];
  private closed = false;

  constructor(
    /** The most sandboxes alive at once. */
    readonly limit: number,
    private readonly create: (fn: FunctionDefinition) => Sandbox,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`workers must be ≥ 1, got ${limit}`);
  }

  /** How many sandboxes are alive (warm, warming or busy). */
  get size(): number {
    return this.sandboxes.size;
  }

  /** Takes a sandbox of `fn` for one invocation, waiting while all are busy. */
  acquire(fn: FunctionDefinition): Promise<Lease> {
    if (this.closed) return Promise.reject(new Error('the Lambda service is closed'));
    const lease = this.take(fn);
    if (lease !== undefined) return Promise.resolve(lease);
    return new Promise((resolve) => this.waiters.push({ fn, resolve }));
  }

  /** Gives a sandbox back (a dead one is dropped) and serves the waiters. */
  release(sandbox: Sandbox): void {
    sandbox.busy = false;
    if (sandbox.dead) this.sandboxes.delete(sandbox);
    this.serve();
  }

  /** Terminates every sandbox. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.sandboxes].map((s) => s.kill()));
    this.sandboxes.clear();
  }

  private take(fn: FunctionDefinition): Lease | undefined {
    for (const sandbox of this.sandboxes) if (sandbox.dead && !sandbox.busy) this.sandboxes.delete(sandbox);
    for (const sandbox of this.sandboxes) {
      if (!sandbox.busy && !sandbox.dead && sandbox.fn.name === fn.name) {
        sandbox.busy = true;
        return { sandbox, cold: false };
      }
    }
    if (this.sandboxes.size >= this.limit) {
      const idle = [...this.sandboxes].find((s) => !s.busy);
      if (idle === undefined) return undefined;
      this.sandboxes.delete(idle);
      void idle.kill();
    }
    const sandbox = this.create(fn);
    sandbox.busy = true;
    this.sandboxes.add(sandbox);
    return { sandbox, cold: true };
  }

  private serve(): void {
    for (let i = 0; i < this.waiters.length; ) {
      const waiter = this.waiters[i]!;
      const lease = this.take(waiter.fn);
      if (lease === undefined) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      waiter.resolve(lease);
    }
  }
}
