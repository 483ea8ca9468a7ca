/**
 * The execution machinery shared by every state: the run (history, abort, options), frames (one
 * per branch, iteration or child execution) and cancellable sleeps.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { StatesError } from './errors';
import type { Scope } from './payload';
import type { ResourceRegistry } from './registry';
import type { HistoryEvent } from './types';

/** Resolved options of one execution. */
export interface RunConfig {
  readonly registry: ResourceRegistry;
  readonly timeScale: number;
  readonly random: () => number;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly roleArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly uuid: () => string;
  /** Size at which ResultWriter starts the next `<STATUS>_<n>` file. */
  readonly resultFileBytes: number;
}

/** Why a run was interrupted from outside (stop, execution timeout). */
export class Interruption extends Error {
  constructor(
    readonly kind: 'ABORTED' | 'TIMED_OUT' | 'CANCELLED',
    readonly error?: string,
    override readonly cause?: string,
  ) {
    super(kind);
    this.name = 'Interruption';
  }
}

/** One execution's history and controls. */
export class Run {
  readonly events: HistoryEvent[] = [];
  private readonly listeners = new Set<(event: HistoryEvent) => void>();
  readonly controller = new AbortController();

  constructor(readonly config: RunConfig) {
    // Every running task, branch and child listens to its parent's signal: thousands at once.
    setMaxListeners(0, this.controller.signal);
  }

  onEvent(listener: (event: HistoryEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The id of the last event appended. */
  get lastId(): number {
    return this.events.length;
  }

  /** Emits an event that does not become the frame's previous event (AWS's *StateSucceeded). */
  emitAside(frame: Frame, type: string): number {
    const prev = frame.prev;
    const id = this.emit(frame, type);
    frame.prev = prev;
    return id;
  }

  /** Appends an event (when the frame records history) and returns its id. */
  emit(
    frame: Frame | undefined,
    type: string,
    detailsKey?: string,
    details?: Record<string, unknown>,
  ): number {
    if (frame !== undefined && !frame.record) {
      // A child execution records no history here, but its own event ids still count (AWS names
      // them in causes: "entered at the event id #2").
      if (frame.ids === undefined) return 0;
      frame.prev = ++frame.ids.last;
      return frame.prev;
    }
    const id = this.events.length + 1;
    const event: Record<string, unknown> = {
      id,
      previousEventId: frame?.prev ?? 0,
      timestamp: new Date(),
      type,
    };
    if (detailsKey !== undefined) event[detailsKey] = details ?? {};
    const typed = event as unknown as HistoryEvent;
    this.events.push(typed);
    if (frame !== undefined) frame.prev = id;
    for (const listener of this.listeners) {
      try {
        listener(typed);
      } catch {
        // a listener's failure must not break the execution
      }
    }
    return id;
  }
}

/** A thread of states: the top level, a Parallel branch, a Map iteration or a child execution. */
export interface Frame {
  readonly run: Run;
  /** Whether this frame's states are recorded (Distributed Map children are not). */
  readonly record: boolean;
  /** The id of the last event emitted in this frame. */
  prev: number;
  readonly scope: Scope;
  readonly signal: AbortSignal;
  /** The context object without `State` (Execution, StateMachine, Map…). */
  readonly context: Record<string, unknown>;
  /** The event-id counter of an unrecorded child execution (shared by its branches and iterations). */
  readonly ids?: { last: number };
}

/** Waits `ms` milliseconds unless `signal` aborts first (then rejects with its reason). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Rejects as soon as `signal` aborts; otherwise settles like `promise`. */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A controller aborted when `parent` aborts (with the parent's reason). */
export function childController(parent: AbortSignal): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  if (parent.aborted) controller.abort(parent.reason);
  else {
    const onAbort = () => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    controller.signal.addEventListener('abort', () => parent.removeEventListener('abort', onAbort), {
      once: true,
    });
  }
  return controller;
}

/** Aborts a finished child controller so its listener on the parent signal goes away. */
export function release(controller: AbortController): void {
  if (!controller.signal.aborted) controller.abort(new Interruption('CANCELLED'));
}

/** Normalises anything thrown into a StatesError (non-StatesErrors become States.TaskFailed). */
export function asStatesError(error: unknown): StatesError {
  if (error instanceof StatesError) return error;
  if (error instanceof Interruption) throw error;
  if (error instanceof Error) {
    const name = error.name && error.name !== 'Error' ? error.name : 'States.TaskFailed';
    return new StatesError(name, error.message);
  }
  return new StatesError('States.TaskFailed', String(error));
}

/**
 * Runs `count` jobs with at most `limit` in flight; stops starting new ones once `signal` aborts.
 * Resolves when every started job has settled.
 */
export async function pool(
  count: number,
  limit: number,
  signal: AbortSignal,
  job: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const width = Math.max(1, Math.min(limit, count));
  const workers: Promise<void>[] = [];
  for (let w = 0; w < width; w++) {
    workers.push(
      (async () => {
        while (next < count && !signal.aborted) {
          const index = next++;
          await job(index);
        }
      })(),
    );
  }
  await Promise.all(workers);
}

/** A random UUID (v4). */
export const uuid = (): string => randomUUID();
