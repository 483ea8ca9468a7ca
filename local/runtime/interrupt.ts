/**
 * Runs end when the CLI is interrupted: on SIGINT or SIGTERM every running execution is stopped as
 * StopExecution would (ABORTED, with an `ExecutionAborted` event) and its training, transform and
 * EMR jobs are stopped; the command then ends as usual (summary, exit code 130 / 143). A second
 * signal exits at once.
 */
import type { Runtime } from './index';

/** What {@link handleInterrupts} reports. */
export interface InterruptHandle {
  /** The signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** Resolves once the runs stopped after a signal (immediately when none came). */
  readonly stopped: Promise<void>;
  /** The exit code for a command that was interrupted (128 + signal number), else `code`. */
  exitCode(code: number): number;
  /** Removes the signal handlers. */
  dispose(): void;
}

const NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Stops `runtime`'s runs on SIGINT / SIGTERM; `write` gets one line per stopped execution. */
export function handleInterrupts(runtime: Runtime, write: (text: string) => void): InterruptHandle {
  let received: NodeJS.Signals | undefined;
  let stopped: Promise<void> = Promise.resolve();
  const onSignal = (signal: NodeJS.Signals) => {
    if (received !== undefined) {
      write(`\nsparkmaker: ${signal} again: exiting without waiting\n`);
      process.exit(128 + (NUMBERS[signal] ?? 1));
    }
    received = signal;
    write(`\nsparkmaker: ${signal}: stopping the running executions and their jobs…\n`);
    stopped = runtime
      .stop(`${signal} received by sparkmaker (pid ${process.pid})`)
      .then((arns) => {
        for (const arn of arns) write(`sparkmaker: stopped ${arn.split(':').pop()}: ABORTED\n`);
        // Work that cannot be interrupted (an in-process trainer finishing its round) must not hold
        // the process once the command has printed its summary.
        setTimeout(() => process.exit(128 + (NUMBERS[signal] ?? 1)), 3000).unref();
      })
      .catch((error: unknown) =>
        write(`sparkmaker: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`),
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    get signal() {
      return received;
    },
    get stopped() {
      return stopped;
    },
    exitCode: (code) => (received === undefined ? code : 128 + (NUMBERS[received] ?? 1)),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** One line per execution the runtime found RUNNING at start-up with its process gone. */
export function orphanLines(runtime: Runtime): string[] {
  return runtime.orphansAborted.map(
    (record) =>
      `sparkmaker: ${record.name} (${record.stateMachineName}) was RUNNING but its process (pid ${
        /pid (\d+)/.exec(record.cause ?? '')?.[1] ?? 'unknown'
      }) is gone: marked ABORTED\n`,
  );
}
