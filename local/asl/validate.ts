/** Definition checks: reject what Step Functions rejects, with its message. */
import { StatesError } from './errors';

const STATE_TYPES = new Set(['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

function invalid(message: string): never {
  throw new StatesError('States.InvalidDefinition', message);
}

/** Throws StatesError('States.InvalidDefinition', AWS's message) for a definition AWS would reject. */
export function validateDefinition(definition: unknown): void {
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    invalid(
      "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition must be a JSON object'",
    );
  }
  validateProgram(definition as Record<string, unknown>, '');
}

function validateProgram(program: Record<string, unknown>, where: string): void {
  const states = program.States;
  if (typeof program.StartAt !== 'string') {
    invalid(
      `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [StartAt] at /${where}'`,
    );
  }
  if (typeof states !== 'object' || states === null) {
    invalid(
      `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /${where}'`,
    );
  }
  const names = Object.keys(states);
  if (!names.includes(program.StartAt)) {
    invalid(
      `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: ${program.StartAt} at /${where}StartAt'`,
    );
  }
  for (const [name, raw] of Object.entries(states as Record<string, unknown>)) {
    const state = raw as Record<string, unknown>;
    const at = `/${where}States/${name}`;
    if (typeof state !== 'object' || state === null || !STATE_TYPES.has(String(state.Type))) {
      invalid(
        `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value is not a valid state type at ${at}/Type'`,
      );
    }
    const terminal = state.Type === 'Choice' || state.Type === 'Succeed' || state.Type === 'Fail';
    if (!terminal && state.End !== true && typeof state.Next !== 'string') {
      invalid(
        `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: State "${name}" is not an end state and has no Next at ${at}'`,
      );
    }
    const targets: string[] = [];
    if (typeof state.Next === 'string') targets.push(state.Next);
    if (typeof state.Default === 'string') targets.push(state.Default);
    for (const c of (state.Choices as Record<string, unknown>[] | undefined) ?? [])
      if (typeof c.Next === 'string') targets.push(c.Next);
    for (const c of (state.Catch as Record<string, unknown>[] | undefined) ?? [])
      if (typeof c.Next === 'string') targets.push(c.Next);
    for (const t of targets) {
      if (!names.includes(t))
        invalid(
          `Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: ${t} at ${at}'`,
        );
    }
    if (state.Type === 'Parallel') {
      const branches = (state.Branches as Record<string, unknown>[] | undefined) ?? [];
      for (const [i, b] of branches.entries()) validateProgram(b, `${where}States/${name}/Branches[${i}]/`);
    }
    if (state.Type === 'Map') {
      const processor = (state.ItemProcessor ?? state.Iterator) as Record<string, unknown> | undefined;
      if (processor === undefined) {
        invalid(
          `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [ItemProcessor] at ${at}'`,
        );
      }
      validateProgram(processor, `${where}States/${name}/ItemProcessor/`);
    }
  }
}
