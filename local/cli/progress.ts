/**
 * Live progress of an execution, one line per top-level state: its name, how long it took, how
 * many retries it needed and, for Map states, how many items or child Lambdas ran. On a terminal the
 * running state is shown on a line that updates in place; elsewhere (CI, pipes) only finished
 * states are printed, so logs stay clean.
 */
import type { HistoryEvent } from '../asl';
import type { LambdaService } from '../services/lambda';
import type { StartedExecution } from '../services/sfn';

export interface ProgressOptions {
  readonly write: (text: string) => void;
  /** Redraw the running state in place (a TTY). */
  readonly live: boolean;
  /** Use colour escapes. */
  readonly color?: boolean;
}

interface StateProgress {
  readonly name: string;
  readonly type: string;
  readonly started: number;
  attempts: number;
  items: number;
  failedItems: number;
  lambdas: number;
  failedLambdas: number;
  lastError?: string;
  /** A failure not followed by a success: the state ends failed (and a Catch may move on). */
  failing: boolean;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)}s` : `${(ms / 1000).toFixed(1)}s`;
}

function timeOf(event: HistoryEvent): number {
  const t = event.timestamp as Date | string;
  return t instanceof Date ? t.getTime() : Date.parse(t);
}

/** Follows one execution until it ends; resolves with the lines it printed for the summary. */
export function followExecution(
  started: StartedExecution,
  options: ProgressOptions,
  lambda?: LambdaService,
): Promise<void> {
  const { execution, stateMachine } = started;
  const topLevel = new Set(Object.keys((stateMachine.definition as { States?: object }).States ?? {}));
  const paint = (code: string, text: string) =>
    options.color === true ? `\u001b[${code}m${text}\u001b[0m` : text;
  let current: StateProgress | undefined;
  let frame = 0;
  let liveShown = false;
  const width = Math.max(12, ...[...topLevel].map((n) => n.length)) + 2;

  const clearLive = () => {
    if (options.live && liveShown) {
      options.write('\r\u001b[2K');
      liveShown = false;
    }
  };
  const drawLive = () => {
    if (!options.live || current === undefined) return;
    const elapsed = Date.now() - current.started;
    const extra = details(current);
    options.write(
      `\r\u001b[2K  ${paint('36', SPINNER[frame++ % SPINNER.length]!)} ${current.name.padEnd(width)}${seconds(elapsed).padStart(8)}${extra === '' ? '' : `  ${extra}`}`,
    );
    liveShown = true;
  };
  const details = (state: StateProgress): string => {
    const parts: string[] = [];
    if (state.attempts > 1) parts.push(`${state.attempts - 1} ${state.attempts === 2 ? 'retry' : 'retries'}`);
    if (state.items > 0 || state.failedItems > 0) {
      parts.push(`${state.items} items${state.failedItems > 0 ? `, ${state.failedItems} failed` : ''}`);
    }
    if (state.lambdas > 0) {
      parts.push(
        `${state.lambdas} Lambda runs${state.failedLambdas > 0 ? `, ${state.failedLambdas} failed` : ''}`,
      );
    }
    return parts.join(', ');
  };
  const finish = (ok: boolean, at: number, note?: string) => {
    if (current === undefined) return;
    clearLive();
    const mark = ok ? paint('32', '✓') : paint('31', '✗');
    const extra = [details(current), note ?? ''].filter((s) => s !== '').join('  ');
    options.write(
      `  ${mark} ${current.name.padEnd(width)}${seconds(at - current.started).padStart(8)}${extra === '' ? '' : `  ${extra}`}\n`,
    );
    current = undefined;
  };

  const stopLambda = lambda?.onInvocation((invocation) => {
    if (current?.type !== 'Map') return;
    current.lambdas++;
    if (invocation.result.functionError !== undefined) current.failedLambdas++;
  });
  const onEvent = (event: HistoryEvent) => {
    const type = event.type;
    if (type.endsWith('StateEntered')) {
      const details = event.stateEnteredEventDetails as { name?: string } | undefined;
      const name = details?.name ?? '';
      // States inside an inline Map iteration are not top-level: they count as the Map's items.
      if (!topLevel.has(name) || current?.name === name) return;
      // Entered without the previous state exiting: that one failed and a Catch moved on.
      if (current !== undefined) finish(false, timeOf(event), current.lastError);
      current = {
        name,
        type: type.replace(/StateEntered$/, ''),
        started: timeOf(event),
        attempts: 0,
        items: 0,
        failedItems: 0,
        lambdas: 0,
        failedLambdas: 0,
        failing: false,
      };
      drawLive();
      return;
    }
    if (current === undefined) return;
    if (type === 'TaskScheduled' || type === 'LambdaFunctionScheduled') {
      if (current.type !== 'Map') current.attempts++;
    } else if (type.endsWith('Failed') || type.endsWith('TimedOut')) {
      const key = Object.keys(event).find((k) => k.endsWith('EventDetails'));
      const error = key === undefined ? undefined : (event[key] as { error?: unknown }).error;
      if (typeof error === 'string') current.lastError = error;
      if (type !== 'MapIterationFailed') current.failing = true;
      if (type === 'MapIterationFailed') current.failedItems++;
      if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut')
        finish(false, timeOf(event), current.lastError);
    } else if (type === 'TaskSucceeded' || type === 'LambdaFunctionSucceeded') {
      current.failing = false;
    } else if (type === 'MapIterationSucceeded') {
      current.items++;
    } else if (type.endsWith('StateExited')) {
      const name = (event.stateExitedEventDetails as { name?: string } | undefined)?.name;
      if (name === current.name)
        finish(!current.failing, timeOf(event), current.failing ? current.lastError : undefined);
    } else if (type === 'ExecutionFailed' || type === 'ExecutionTimedOut' || type === 'ExecutionAborted') {
      const d = (event.executionFailedEventDetails ?? event.executionTimedOutEventDetails ?? {}) as {
        error?: string;
      };
      finish(false, timeOf(event), d.error);
    }
    drawLive();
  };
  for (const event of execution.events) onEvent(event);
  const unsubscribe = execution.onEvent(onEvent);
  const ticker = options.live ? setInterval(drawLive, 100) : undefined;
  return execution.done.then((result) => {
    if (ticker !== undefined) clearInterval(ticker);
    unsubscribe();
    stopLambda?.();
    if (current !== undefined) finish(result.status === 'SUCCEEDED', Date.now(), result.error);
    clearLive();
  });
}
