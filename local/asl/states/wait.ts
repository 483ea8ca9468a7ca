/** Wait: Seconds, Timestamp or their `…Path` forms, each with AWS's message for a bad value. */
import { StateEvaluationError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { WaitState } from '../model';
import { toJson } from '../payload';
import { sleep } from '../runtime';
import { parseTimestamp } from '../timestamp';
import { exit } from './common';

const show = (v: unknown): string => (typeof v === 'string' ? v : toJson(v));

/** Reads a `…Path` field, failing as AWS does when the path selects nothing. */
async function pathValue(run: StateRun<WaitState>, name: 'Seconds' | 'Timestamp', effective: unknown) {
  try {
    return await run.flow.field(run, run.state, name, effective);
  } catch (error) {
    const path = run.state[`${name}Path`];
    if (error instanceof StateEvaluationError && error.error === 'States.Runtime' && path !== undefined) {
      throw new StateEvaluationError(
        'States.Runtime',
        `The ${name}Path parameter does not reference an input value: ${path}`,
      );
    }
    throw error;
  }
}

/** How long to wait, in milliseconds. */
async function waitMs(run: StateRun<WaitState>, effective: unknown): Promise<number> {
  const jsonata = run.flow.language === 'JSONata';
  const seconds = await pathValue(run, 'Seconds', effective);
  if (seconds !== undefined) {
    const v = seconds.value;
    if (jsonata && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw new StateEvaluationError(
        'States.QueryEvaluationError',
        `The Seconds field must be a positive integer but was: ${toJson(v)}`,
        'Seconds',
      );
    }
    if (seconds.path !== undefined && (typeof v !== 'number' || !Number.isInteger(v))) {
      throw new StateEvaluationError(
        'States.Runtime',
        `The SecondsPath parameter cannot be parsed as a long value: ${seconds.path} == ${toJson(v)}`,
      );
    }
    if (seconds.path !== undefined && (v as number) < 0) {
      throw new StateEvaluationError(
        'States.Runtime',
        `The SecondsPath parameter references a negative value: ${seconds.path} == ${v}`,
      );
    }
    return (v as number) * 1000;
  }
  const timestamp = await pathValue(run, 'Timestamp', effective);
  if (timestamp === undefined) return 0;
  const ts = parseTimestamp(timestamp.value);
  if (ts === undefined && jsonata) {
    throw new StateEvaluationError(
      'States.QueryEvaluationError',
      `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${show(timestamp.value)}`,
      'Timestamp',
    );
  }
  if (ts === undefined && timestamp.path !== undefined) {
    throw new StateEvaluationError(
      'States.Runtime',
      `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${timestamp.path} == ${show(timestamp.value)}`,
    );
  }
  return ts === undefined ? 0 : ts.ms - Date.now();
}

export async function runWait(run: StateRun<WaitState>): Promise<Outcome> {
  const effective = run.flow.effectiveInput(run);
  const ms = await waitMs(run, effective);
  await sleep(ms * run.frame.run.config.timeScale, run.frame.signal);
  return exit(run, await run.flow.finishWithoutResult(run, effective, run.state));
}
