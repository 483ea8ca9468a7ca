/** Parallel: runs its branches concurrently; the first failure cancels the others. */
import { StatesError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { ParallelState } from '../model';
import { Scope } from '../payload';
import { childController, type Frame, Interruption, release } from '../runtime';
import { exit } from './common';
import { afterRetries, withCatch, withPendingEvent, withRetry } from './retry-catch';

export async function runParallel(run: StateRun<ParallelState>): Promise<Outcome> {
  const { state, flow } = run;
  return withCatch(run, async () => {
    const branchInput = await flow.parameters(run, flow.effectiveInput(run), state);
    const result = await afterRetries(run, () => withRetry(run, () => runBranches(run, branchInput)));
    return exit(run, await flow.finishWithResult(run, result));
  });
}

async function runBranches(run: StateRun<ParallelState>, input: unknown): Promise<unknown[]> {
  const frame = run.frame;
  const branches = run.state.Branches;
  frame.run.emit(frame, 'ParallelStateStarted');
  const controller = childController(frame.signal);
  const results: unknown[] = new Array(branches.length);
  let failure: unknown;
  await Promise.all(
    branches.map(async (branch, i) => {
      const branchFrame: Frame = {
        run: frame.run,
        record: frame.record,
        prev: frame.prev,
        scope: new Scope(frame.scope),
        signal: controller.signal,
        context: frame.context,
        ...(frame.ids !== undefined ? { ids: frame.ids } : {}),
      };
      try {
        results[i] = await run.engine.runProgram(branch, input, branchFrame);
      } catch (error) {
        if (failure === undefined && !(error instanceof Interruption && error.kind === 'CANCELLED')) {
          failure = error;
          if (error instanceof StatesError) error.fromBranch = true;
          controller.abort(new Interruption('CANCELLED'));
        }
      }
    }),
  );
  release(controller);
  if (frame.record) frame.prev = frame.run.lastId;
  if (failure !== undefined) {
    if (frame.signal.aborted) throw frame.signal.reason;
    throw withPendingEvent(failure, 'ParallelStateFailed');
  }
  frame.run.emitAside(frame, 'ParallelStateSucceeded');
  return results;
}
