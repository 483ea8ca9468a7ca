/** What every state module shares: leaving a state (the StateExited event and the next state). */
import { StatesError } from '../errors';
import type { Finished, Outcome, StateRun } from '../exec';
import { toJson } from '../payload';

/** The largest state input/output / task result AWS allows, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 262144;

/** `inputDetails` / `outputDetails`: payloads are never truncated offline. */
export const NOT_TRUNCATED = { truncated: false } as const;

/** The JSON type name AWS uses in its messages. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Leaves the state: checks the output size, records `<Type>StateExited` (with the assigned
 * variables) and goes to `next` (the state's own successor unless a Choice or Catch says otherwise).
 */
export function exit(run: StateRun, finished: Finished, next = run.state.next): Outcome {
  const { output, assigned } = finished;
  const frame = run.frame;
  if (frame.record) {
    const text = output === run.input && run.inputJson !== '' ? run.inputJson : toJson(output);
    if (text.length > MAX_PAYLOAD_BYTES / 4 && Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The state/task '${run.state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    const d: Record<string, unknown> = { name: run.state.name, output: text, outputDetails: NOT_TRUNCATED };
    if (assigned !== undefined && Object.keys(assigned).length > 0) {
      const vars: Record<string, string> = {};
      for (const [k, v] of Object.entries(assigned)) vars[k] = toJson(v);
      d.assignedVariables = vars;
      d.assignedVariablesDetails = { truncated: false };
    }
    frame.run.emit(frame, `${run.state.Type}StateExited`, 'stateExitedEventDetails', d);
  }
  return next === undefined ? { output } : { output, next };
}
