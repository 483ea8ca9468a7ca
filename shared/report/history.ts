/**
 * Reading an execution's GetExecutionHistory events the way the Step Functions console does: which
 * state each event belongs to (following `previousEventId` back to the `…StateEntered` event), each
 * state's outcome, input, output, error, cause, retries and duration, and the timeline of state runs.
 */
import type { HistoryEventLike } from './types';

/** The outcome a state is coloured by. */
export type StateOutcome = 'succeeded' | 'failed' | 'caught' | 'running' | 'cancelled' | 'not-run';

/** One run (entry) of a state. */
export interface StateRun {
  readonly name: string;
  readonly type: string;
  readonly enteredAt: number;
  exitedAt?: number;
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Task/Lambda attempts after the first. */
  retries: number;
  attempts: number;
  failed: boolean;
  resource?: string;
}

/** Everything known about one state over the execution. */
export interface StateSummary {
  readonly name: string;
  readonly outcome: StateOutcome;
  readonly runs: readonly StateRun[];
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly retries: number;
  readonly durationMs?: number;
}

/** What {@link analyzeHistory} gives. */
export interface HistoryAnalysis {
  readonly states: ReadonlyMap<string, StateSummary>;
  /** Each state run in order of entry (the timeline). */
  readonly runs: readonly StateRun[];
  /** The state name of each event id (where the event belongs to a state). */
  readonly stepOf: ReadonlyMap<number, string>;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly executionError?: string;
  readonly executionCause?: string;
}

/** The `…EventDetails` member of an event, if any. */
export function eventDetails(event: HistoryEventLike): Record<string, unknown> | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventDetails') && value !== null && typeof value === 'object') {
      return value as Record<string, unknown>;
    }
  }
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Reads the events into per-state summaries. `executionStatus` marks runs left open. */
export function analyzeHistory(
  events: readonly HistoryEventLike[],
  executionStatus = 'RUNNING',
): HistoryAnalysis {
  const byId = new Map<number, HistoryEventLike>();
  for (const e of events) byId.set(e.id, e);
  const stepOf = new Map<number, string>();
  const runOf = new Map<number, StateRun>();
  const runs: StateRun[] = [];
  const open = new Map<string, StateRun>();
  let executionError: string | undefined;
  let executionCause: string | undefined;
  let endedAt: number | undefined;
  const startedAt = events.length > 0 ? Date.parse(events[0]!.timestamp) : 0;

  const ownerRun = (event: HistoryEventLike): StateRun | undefined => {
    let cursor: HistoryEventLike | undefined = event;
    for (let hops = 0; cursor !== undefined && hops < 10_000; hops++) {
      const found = runOf.get(cursor.id);
      if (found !== undefined) return found;
      if (cursor.previousEventId === undefined || cursor.previousEventId === 0) return undefined;
      cursor = byId.get(cursor.previousEventId);
    }
    return undefined;
  };

  for (const event of events) {
    const at = Date.parse(event.timestamp);
    const details = eventDetails(event) ?? {};
    const type = event.type;
    if (type.endsWith('StateEntered')) {
      const name = str(details.name) ?? '?';
      const run: StateRun = {
        name,
        type: type.slice(0, -'StateEntered'.length),
        enteredAt: at,
        retries: 0,
        attempts: 0,
        failed: false,
        ...(str(details.input) === undefined ? {} : { input: str(details.input)! }),
      };
      runs.push(run);
      runOf.set(event.id, run);
      open.set(name, run);
      stepOf.set(event.id, name);
      continue;
    }
    if (type.endsWith('StateExited')) {
      const name = str(details.name) ?? '?';
      const run = open.get(name) ?? ownerRun(event);
      stepOf.set(event.id, name);
      if (run !== undefined) {
        run.exitedAt = at;
        if (str(details.output) !== undefined) run.output = str(details.output)!;
        runOf.set(event.id, run);
        open.delete(name);
      }
      continue;
    }
    if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      executionError = str(details.error) ?? executionError;
      executionCause = str(details.cause) ?? executionCause;
      endedAt = at;
      // A Fail state has no exit event: the execution's failure is its outcome.
      for (const run of open.values()) {
        if (run.failed) run.exitedAt = at;
        if (run.type === 'Fail' || type !== 'ExecutionFailed') {
          run.exitedAt = at;
          run.failed = true;
          if (executionError !== undefined) run.error = executionError;
          if (executionCause !== undefined) run.cause = executionCause;
        }
      }
      continue;
    }
    if (type === 'ExecutionSucceeded') {
      endedAt = at;
      continue;
    }
    const run = ownerRun(event);
    if (run === undefined) continue;
    runOf.set(event.id, run);
    stepOf.set(event.id, run.name);
    if (type.endsWith('Scheduled')) {
      run.attempts++;
      if (run.attempts > 1) run.retries++;
      const resource = str(details.resource);
      const resourceType = str(details.resourceType);
      if (resource !== undefined)
        run.resource = resourceType === undefined ? resource : `${resourceType}:${resource}`;
    }
    if (/(Failed|TimedOut|ScheduleFailed|StartFailed|SubmitFailed)$/.test(type) && details !== undefined) {
      if (str(details.error) !== undefined) run.error = str(details.error)!;
      if (str(details.cause) !== undefined) run.cause = str(details.cause)!;
      run.failed = true;
    }
    if (/(Succeeded)$/.test(type) && !type.startsWith('MapRun')) {
      // A retried attempt that finally succeeded: the state did not fail.
      run.failed = false;
    }
  }

  const states = new Map<string, StateSummary>();
  const finished = executionStatus !== 'RUNNING';
  for (const run of runs) {
    const previous = states.get(run.name);
    const all = [...(previous?.runs ?? []), run];
    const last = all.at(-1)!;
    let outcome: StateOutcome;
    if (last.failed)
      outcome =
        last.type === 'Fail' ? 'failed' : last.exitedAt === undefined && !finished ? 'running' : 'caught';
    else if (last.exitedAt !== undefined) outcome = 'succeeded';
    else outcome = finished ? (executionStatus === 'FAILED' ? 'failed' : 'cancelled') : 'running';
    // A failed state the execution died in (no Catch took it) is failed, not caught.
    if (outcome === 'caught' && finished && last === runs.at(-1) && executionStatus !== 'SUCCEEDED')
      outcome = 'failed';
    const durations = all.filter((r) => r.exitedAt !== undefined).map((r) => r.exitedAt! - r.enteredAt);
    states.set(run.name, {
      name: run.name,
      outcome,
      runs: all,
      ...(last.input === undefined ? {} : { input: last.input }),
      ...(last.output === undefined ? {} : { output: last.output }),
      ...(last.error === undefined ? {} : { error: last.error }),
      ...(last.cause === undefined ? {} : { cause: last.cause }),
      retries: all.reduce((sum, r) => sum + r.retries, 0),
      ...(durations.length === 0 ? {} : { durationMs: durations.reduce((a, b) => a + b, 0) }),
    });
  }
  return {
    states,
    runs,
    stepOf,
    startedAt,
    ...(endedAt === undefined ? {} : { endedAt }),
    ...(executionError === undefined ? {} : { executionError }),
    ...(executionCause === undefined ? {} : { executionCause }),
  };
}
