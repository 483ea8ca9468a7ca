/** The states without work of their own: Pass, Succeed and Fail. */
import { FailStateError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { FailState, PassState, SucceedState } from '../model';
import { exit } from './common';

/** Pass: its Result, Parameters or input, through the data flow. */
export async function runPass(run: StateRun<PassState>): Promise<Outcome> {
  const { state, flow } = run;
  if (flow.language === 'JSONata') return exit(run, await flow.finishWithoutResult(run, run.input, state));
  const effective = flow.effectiveInput(run);
  const result = state.hasResult ? state.Result : await flow.parameters(run, effective, state);
  return exit(run, await flow.finishWithResult(run, result));
}

/** Succeed: ends the program with its (filtered) input. */
export async function runSucceed(run: StateRun<SucceedState>): Promise<Outcome> {
  const effective = run.flow.effectiveInput(run);
  return exit(run, await run.flow.finishWithoutResult(run, effective, { Output: run.state.Output }));
}

/** Fail: fails the execution with its Error and Cause (literal, JSONata, `…Path` or intrinsic). */
export async function runFail(run: StateRun<FailState>): Promise<Outcome> {
  const error = await run.flow.field(run, run.state, 'Error', run.input);
  const cause = await run.flow.field(run, run.state, 'Cause', run.input);
  throw new FailStateError(
    error === undefined ? undefined : String(error.value),
    cause === undefined ? undefined : String(cause.value),
  );
}
