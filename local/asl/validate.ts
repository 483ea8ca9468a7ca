/**
 * Definition checks: reject what Step Functions rejects at CreateStateMachine, with its message
 * (`Invalid State Machine Definition: 'CODE: message at /path, CODE: …'`).
 */
import { StatesError } from './errors';
import { extensions } from './extensions';
import { type Program, parseProgram } from './model';
import { isValidPath } from './payload';

const STATE_TYPES = ['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map'];

const REQUIRED: Record<string, string[]> = {
  Task: ['Resource'],
  Choice: ['Choices'],
  Parallel: ['Branches'],
};

const JSONPATH_ONLY = ['InputPath', 'Parameters', 'ResultSelector', 'ResultPath', 'OutputPath', 'ItemsPath'];

type Json = Record<string, unknown>;

/** How the definition will run (an Express machine refuses `.sync` and `.waitForTaskToken`). */
export interface ValidationOptions {
  readonly type?: 'STANDARD' | 'EXPRESS';
}

/**
 * Throws `StatesError('States.InvalidDefinition', <AWS's message>)` for a definition AWS would
 * reject; every problem found is listed, as AWS lists them.
 *
 * @example
 * validateDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } }); // passes
 */
export function validateDefinition(definition: unknown, options: ValidationOptions = {}): void {
  const problems: string[] = [];
  if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
    problems.push('SCHEMA_VALIDATION_FAILED: The definition must be a JSON object at /');
  } else {
    const root = definition as Json;
    const language = root.QueryLanguage === 'JSONata' ? 'JSONata' : 'JSONPath';
    if (
      root.QueryLanguage !== undefined &&
      root.QueryLanguage !== 'JSONata' &&
      root.QueryLanguage !== 'JSONPath'
    ) {
      problems.push(`SCHEMA_VALIDATION_FAILED: Value is not one of [JSONata, JSONPath] at /QueryLanguage`);
    }
    validateProgram(root, '', language, options.type ?? 'STANDARD', problems);
  }
  if (problems.length > 0) {
    throw new StatesError(
      'States.InvalidDefinition',
      `Invalid State Machine Definition: '${problems.join(', ')}'`,
    );
  }
}

function validateProgram(
  program: Json,
  at: string,
  language: 'JSONata' | 'JSONPath',
  type: 'STANDARD' | 'EXPRESS',
  problems: string[],
): void {
  const missing = ['StartAt', 'States'].filter((f) => program[f] === undefined);
  if (missing.length > 0) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: These fields are required: [${missing.join(', ')}] at ${at || '/'}`,
    );
    return;
  }
  const states = program.States;
  if (typeof states !== 'object' || states === null || Array.isArray(states)) {
    problems.push(`SCHEMA_VALIDATION_FAILED: States must be an object at ${at}/States`);
    return;
  }
  const names = new Set(Object.keys(states));
  const reachable = new Set<string>();
  const startAt = String(program.StartAt);
  if (!names.has(startAt)) {
    problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${startAt} at ${at}/StartAt`);
  } else {
    reachable.add(startAt);
  }
  const edges = new Map<string, string[]>();
  for (const [name, raw] of Object.entries(states as Json)) {
    const path = `${at}/States/${name}`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      problems.push(`SCHEMA_VALIDATION_FAILED: A state must be an object at ${path}`);
      continue;
    }
    const state = raw as Json;
    const targets = validateState(state, path, names, language, type, problems);
    edges.set(name, targets);
  }
  const queue = [...reachable];
  while (queue.length > 0) {
    for (const next of edges.get(queue.pop()!) ?? []) {
      if (!reachable.has(next)) {
        reachable.add(next);
        queue.push(next);
      }
    }
  }
  for (const name of names) {
    if (!reachable.has(name)) {
      problems.push(`MISSING_TRANSITION_TARGET: State "${name}" is not reachable. at ${at}/States/${name}`);
    }
  }
}

/** Checks one state; returns the names it can transition to. */
function validateState(
  state: Json,
  path: string,
  names: Set<string>,
  parentLanguage: 'JSONata' | 'JSONPath',
  type: 'STANDARD' | 'EXPRESS',
  problems: string[],
): string[] {
  if (state.Type === undefined) {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Type] at ${path}`);
    return [];
  }
  const stateType = String(state.Type);
  if (!STATE_TYPES.includes(stateType)) {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: Value is not one of [${STATE_TYPES.join(', ')}] at ${path}/Type`,
    );
    return [];
  }
  const language =
    state.QueryLanguage === 'JSONata'
      ? 'JSONata'
      : state.QueryLanguage === 'JSONPath'
        ? 'JSONPath'
        : parentLanguage;
  if (parentLanguage === 'JSONata' && state.QueryLanguage === 'JSONPath') {
    problems.push(
      `SCHEMA_VALIDATION_FAILED: A state cannot use JSONPath when the state machine uses JSONata at ${path}/QueryLanguage`,
    );
  }
  const required = [...(REQUIRED[stateType] ?? [])];
  if (stateType === 'Map' && state.ItemProcessor === undefined && state.Iterator === undefined)
    required.push('ItemProcessor');
  const missing = required.filter((f) => state[f] === undefined);
  if (missing.length > 0) {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [${missing.join(', ')}] at ${path}`);
  }
  if (language === 'JSONata') {
    for (const field of JSONPATH_ONLY) {
      if (state[field] !== undefined) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: The field '${field}' is not supported with the JSONata query language at ${path}/${field}`,
        );
      }
    }
  }
  if (language === 'JSONPath') checkPaths(state, path, problems);
  const terminal = stateType === 'Choice' || stateType === 'Succeed' || stateType === 'Fail';
  if (!terminal && state.End !== true && state.Next === undefined) {
    problems.push(`SCHEMA_VALIDATION_FAILED: These fields are required: [Next] at ${path}`);
  }
  if (!terminal && state.End === true && state.Next !== undefined) {
    problems.push(`SCHEMA_VALIDATION_FAILED: The field 'Next' cannot be used with 'End' at ${path}`);
  }
  if (stateType === 'Task' && typeof state.Resource === 'string' && type === 'EXPRESS') {
    for (const suffix of ['.sync', '.waitForTaskToken']) {
      if (state.Resource.endsWith(suffix) || state.Resource.includes(`${suffix}:`)) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: Express state machine does not support '${suffix}' service integration at ${path}/Resource`,
        );
      }
    }
  }
  const targets: [string, string][] = [];
  if (typeof state.Next === 'string') targets.push([state.Next, `${path}/Next`]);
  if (typeof state.Default === 'string') targets.push([state.Default, `${path}/Default`]);
  const choices = Array.isArray(state.Choices) ? (state.Choices as Json[]) : [];
  choices.forEach((c, i) => {
    if (typeof c.Next === 'string') targets.push([c.Next, `${path}/Choices[${i}]/Next`]);
  });
  const catchers = Array.isArray(state.Catch) ? (state.Catch as Json[]) : [];
  catchers.forEach((c, i) => {
    if (typeof c.Next === 'string') targets.push([c.Next, `${path}/Catch[${i}]/Next`]);
  });
  for (const field of ['Retry', 'Catch'] as const) {
    const list = Array.isArray(state[field]) ? (state[field] as Json[]) : [];
    list.forEach((entry, i) => {
      const errors = Array.isArray(entry.ErrorEquals) ? (entry.ErrorEquals as unknown[]) : undefined;
      if (errors === undefined || errors.length === 0) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: These fields are required: [ErrorEquals] at ${path}/${field}[${i}]`,
        );
      } else if (errors.includes('States.ALL') && (errors.length > 1 || i !== list.length - 1)) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: States.ALL must appear alone in the last ${field === 'Retry' ? 'retrier' : 'catcher'} at ${path}/${field}[${i}]/ErrorEquals`,
        );
      }
    });
  }
  for (const [target, where] of targets) {
    if (!names.has(target))
      problems.push(`MISSING_TRANSITION_TARGET: Missing 'Next' target: ${target} at ${where}`);
  }
  if (stateType === 'Parallel' && Array.isArray(state.Branches)) {
    (state.Branches as Json[]).forEach((branch, i) => {
      validateProgram(branch, `${path}/Branches[${i}]`, language, type, problems);
    });
  }
  if (stateType === 'Map') {
    const processor = (state.ItemProcessor ?? state.Iterator) as Json | undefined;
    if (processor !== undefined) {
      const config = (processor.ProcessorConfig as Json | undefined) ?? {};
      const childType =
        config.Mode === 'DISTRIBUTED' && config.ExecutionType === 'EXPRESS' ? 'EXPRESS' : type;
      const childLanguage =
        processor.QueryLanguage === 'JSONata'
          ? 'JSONata'
          : processor.QueryLanguage === 'JSONPath'
            ? 'JSONPath'
            : language;
      validateProgram(
        processor,
        `${path}/${state.ItemProcessor !== undefined ? 'ItemProcessor' : 'Iterator'}`,
        childLanguage,
        childType,
        problems,
      );
    }
  }
  return targets.map(([t]) => t);
}

const PATH_FIELDS = ['InputPath', 'OutputPath', 'ResultPath', 'ItemsPath'];
const TEMPLATE_FIELDS = ['Parameters', 'ResultSelector', 'ItemSelector'];

/** JSONPath fields must parse; `.$` values must be a path or an intrinsic function call. */
function checkPaths(state: Json, path: string, problems: string[]): void {
  for (const field of PATH_FIELDS) {
    const value = state[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' || !isValidPath(value)) {
      problems.push(
        `SCHEMA_VALIDATION_FAILED: The value for the field '${field}' must be a valid JSONPath at ${path}/${field}`,
      );
    }
  }
  for (const field of TEMPLATE_FIELDS) checkTemplate(state[field], `${path}/${field}`, problems);
}

function checkTemplate(template: unknown, path: string, problems: string[]): void {
  if (Array.isArray(template)) {
    for (const [i, t] of template.entries()) checkTemplate(t, `${path}[${i}]`, problems);
    return;
  }
  if (typeof template !== 'object' || template === null) return;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      const text = typeof value === 'string' ? value.trim() : '';
      const ok = text.startsWith('$') ? isValidPath(text) : extensions().isIntrinsicCall(text);
      if (!ok) {
        problems.push(
          `SCHEMA_VALIDATION_FAILED: The value for the field '${key}' must be a valid JSONPath or a valid intrinsic function call at ${path}`,
        );
      }
    } else {
      checkTemplate(value, `${path}/${key}`, problems);
    }
  }
}

/**
 * Parses a definition into its typed program: validates it as Step Functions does at
 * CreateStateMachine (throwing `States.InvalidDefinition` with AWS's message), then builds the
 * discriminated union of typed states the interpreter runs.
 *
 * @example
 * const program = parseDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } });
 * program.states.get('A')?.Type; // 'Pass'
 */
export function parseDefinition(definition: unknown, options: ValidationOptions = {}): Program {
  validateDefinition(definition, options);
  return parseProgram(definition as Record<string, unknown>);
}
