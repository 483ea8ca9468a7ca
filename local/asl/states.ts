/**
 * The state runner: one function per state type, the JSONPath and JSONata data flow around them,
 * Retry and Catch, and the history events AWS records for each.
 */
import { randomUUID } from 'node:crypto';
import { evaluateRule } from './choice';
import { runDistributedMap } from './distributed-map';
import { StateEvaluationError, StatesError } from './errors';
import { extensions } from './extensions';
import { setPath } from './jsonpath';
import {
  evaluateJsonataValue,
  evaluateTemplate,
  type JsonataEnv,
  jsonataBody,
  type PathEnv,
  resolveField,
  Scope,
  selectPath,
  toJson,
} from './payload';
import {
  asStatesError,
  childController,
  type Frame,
  Interruption,
  pool,
  raceSignal,
  release,
  sleep,
} from './runtime';
import { waitForToken } from './task-tokens';
import { parseTimestamp } from './timestamp';

/** A state definition as parsed JSON. */
export type StateDef = Record<string, unknown>;
/** A set of states with its start (the definition, a branch or an item processor). */
export interface Program {
  readonly StartAt: string;
  readonly States: Record<string, StateDef>;
  readonly QueryLanguage?: string;
}

/** The most iterations an inline Map runs at once (AWS's limit for Inline mode). */
export const INLINE_MAX_CONCURRENCY = 40;

/** The largest state input/output / task result AWS allows, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 262144;

/** What a state produced: its output and the next state (undefined at the end of the frame). */
interface Outcome {
  readonly output: unknown;
  readonly next?: string;
}

/** A state being run: what every helper needs to know about it. */
export interface StateRun {
  readonly name: string;
  readonly def: StateDef;
  readonly frame: Frame;
  readonly input: unknown;
  readonly enteredId: number;
  /** The input as JSON text (empty when the frame records no history). */
  readonly inputJson: string;
  readonly jsonata: boolean;
  readonly context: Record<string, unknown>;
}

/** Runs a program's states from StartAt to an end state; returns the last output. */
export async function runProgram(program: Program, input: unknown, frame: Frame): Promise<unknown> {
  let name = program.StartAt;
  let current = input;
  for (;;) {
    const def = program.States[name];
    if (def === undefined) {
      throw new StatesError('States.Runtime', `The state '${name}' does not exist in the state machine.`);
    }
    const outcome = await runState(name, def, current, frame);
    if (outcome.next === undefined) return outcome.output;
    name = outcome.next;
    current = outcome.output;
  }
}

function typeOf(def: StateDef): string {
  return String(def.Type);
}

/** `inputDetails` / `outputDetails`: payloads are never truncated offline. */
const NOT_TRUNCATED = { truncated: false } as const;

async function runState(name: string, def: StateDef, input: unknown, frame: Frame): Promise<Outcome> {
  if (frame.signal.aborted) throw frame.signal.reason;
  const type = typeOf(def);
  const record = frame.record;
  const inputJson = record ? toJson(input) : '';
  const enteredId = frame.run.emit(frame, `${type}StateEntered`, 'stateEnteredEventDetails', {
    name,
    input: inputJson,
    inputDetails: NOT_TRUNCATED,
  });
  const jsonata = (def.QueryLanguage ?? frame.queryLanguage) === 'JSONata';
  const enteredTime = new Date().toISOString();
  const context: Record<string, unknown> = {
    ...frame.context,
    State:
      type === 'Task'
        ? { EnteredTime: enteredTime, Name: name, RetryCount: 0 }
        : { EnteredTime: enteredTime, Name: name },
  };
  const run: StateRun = { name, def, frame, input, inputJson, enteredId, jsonata, context };
  try {
    switch (type) {
      case 'Pass':
        return await runPass(run);
      case 'Task':
        return await runTask(run);
      case 'Choice':
        return await runChoice(run);
      case 'Wait':
        return await runWait(run);
      case 'Succeed':
        return await runSucceed(run);
      case 'Fail':
        return await runFail(run);
      case 'Parallel':
        return await runParallel(run);
      case 'Map':
        return await runMap(run);
      default:
        throw new StatesError('States.Runtime', `Unknown state type '${type}' in state '${name}'.`);
    }
  } catch (error) {
    const failure = prefixed(error, run);
    if ((failure as { mapStateFailed?: boolean }).mapStateFailed === true) {
      (failure as { mapStateFailed?: boolean }).mapStateFailed = false;
      frame.run.emit(frame, 'MapStateFailed');
    }
    throw failure;
  }
}

/** Adds AWS's "An error occurred while executing the state …" prefix to interpreter errors. */
function prefixed(error: unknown, run: StateRun): unknown {
  if (!(error instanceof StateEvaluationError) || (error as { prefixed?: boolean }).prefixed) return error;
  const cause = `An error occurred while executing the state '${run.name}' (entered at the event id #${run.enteredId}). ${error.cause ?? ''}`;
  const wrapped = new StateEvaluationError(error.error, cause, error.location);
  (wrapped as { prefixed?: boolean }).prefixed = true;
  if ((error as { mapStateFailed?: boolean }).mapStateFailed === true) {
    (wrapped as { mapStateFailed?: boolean }).mapStateFailed = true;
  }
  if (error.error === 'States.QueryEvaluationError') {
    const d: Record<string, unknown> = { cause, error: error.error };
    if (error.location !== undefined) d.location = error.location;
    d.state = run.name;
    const frame = run.frame;
    // AWS links EvaluationFailed to the event before the state was entered (Wait: to the entry).
    if (run.def.Type !== 'Wait' && frame.record && frame.prev === run.enteredId) {
      frame.prev = (frame.run.events[run.enteredId - 1]?.previousEventId as number | undefined) ?? frame.prev;
    }
    frame.run.emit(frame, 'EvaluationFailed', 'evaluationFailedEventDetails', d);
  }
  return wrapped;
}

function pathEnv(run: StateRun, input: unknown, context = run.context): PathEnv {
  const cfg = run.frame.run.config;
  return { input, context, scope: run.frame.scope, random: cfg.random };
}

export function jsonataEnv(
  run: StateRun,
  extra: Record<string, unknown> = {},
  context = run.context,
): JsonataEnv {
  const cfg = run.frame.run.config;
  return {
    states: { input: run.input, context, ...extra },
    scope: run.frame.scope,
    bindings: jsonataBindings(cfg.random, cfg.uuid, cfg.partition),
  };
}

let bindingsCache: { key: unknown; value: Record<string, unknown> } | undefined;
function jsonataBindings(
  random: () => number,
  uuid: () => string,
  partition: string,
): Record<string, unknown> {
  if (bindingsCache?.key === random) return bindingsCache.value;
  const value = extensions().awsJsonataBindings({ random, uuid, partition });
  bindingsCache = { key: random, value };
  return value;
}

function exit(run: StateRun, output: unknown, assigned?: Record<string, unknown>): Outcome {
  const frame = run.frame;
  if (frame.record) {
    const text = output === run.input && run.inputJson !== '' ? run.inputJson : toJson(output);
    if (text.length > MAX_PAYLOAD_BYTES / 4 && Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The state/task '${run.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    const d: Record<string, unknown> = { name: run.name, output: text, outputDetails: NOT_TRUNCATED };
    if (assigned !== undefined && Object.keys(assigned).length > 0) {
      const vars: Record<string, string> = {};
      for (const [k, v] of Object.entries(assigned)) vars[k] = toJson(v);
      d.assignedVariables = vars;
      d.assignedVariablesDetails = { truncated: false };
    }
    frame.run.emit(frame, `${typeOf(run.def)}StateExited`, 'stateExitedEventDetails', d);
  }
  return run.def.End === true || run.def.Type === 'Succeed' || run.def.Next === undefined
    ? { output }
    : { output, next: String(run.def.Next) };
}

// ---------------------------------------------------------------- data flow helpers

/** Applies ResultPath: where the result goes in the raw state input. */
function applyResultPath(run: StateRun, rawInput: unknown, result: unknown, resultPath: unknown): unknown {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return rawInput;
  const path = String(resultPath);
  if (path.startsWith('$$')) {
    throw new StateEvaluationError(
      'States.Runtime',
      `The ResultPath '${path}' cannot reference the context object.`,
    );
  }
  const base = rawInput === null || rawInput === undefined ? {} : rawInput;
  const written = setPath(base, path, result);
  if (!written.ok) {
    throw new StatesError(
      'States.ResultPathMatchFailure',
      `An error occurred while executing the state '${run.name}' (entered at the event id #${run.enteredId}). Unable to apply ReferencePath ${path} to input ${toJson(rawInput)}`,
    );
  }
  return written.value;
}

/** Evaluates Assign and stores the variables (all values computed before any is set). */
async function assign(
  run: StateRun,
  assignDef: unknown,
  pathInput: unknown,
  jsonataExtra: Record<string, unknown>,
): Promise<Record<string, unknown> | undefined> {
  if (assignDef === undefined || assignDef === null) return undefined;
  let values: Record<string, unknown>;
  if (run.jsonata) {
    const env = jsonataEnv(run, jsonataExtra);
    const out: Record<string, unknown> = {};
    if (typeof assignDef === 'string') {
      const evaluated = await evaluateJsonataValue(assignDef, env, 'Assign');
      Object.assign(out, evaluated as Record<string, unknown>);
    } else {
      for (const [k, v] of Object.entries(assignDef as Record<string, unknown>)) {
        out[k] = await evaluateJsonataValue(v, env, `Assign/${k}`);
      }
    }
    values = out;
  } else {
    values = evaluateTemplate(assignDef, pathEnv(run, pathInput)) as Record<string, unknown>;
  }
  for (const [k, v] of Object.entries(values)) run.frame.scope.set(k, v);
  return values;
}

/** Evaluates the JSONata Output field (or returns `fallback` when absent). */
async function jsonataOutput(
  run: StateRun,
  fallback: unknown,
  extra: Record<string, unknown>,
): Promise<unknown> {
  if (run.def.Output === undefined) return fallback;
  return evaluateJsonataValue(run.def.Output, jsonataEnv(run, extra), 'Output');
}

/** Reads a field that may be a literal, a `{% %}` expression or given by a `…Path` sibling. */
async function numberField(
  run: StateRun,
  field: string,
  pathInput: unknown,
): Promise<{ value: number; source: 'literal' | 'path' | 'jsonata' } | undefined> {
  const raw = run.def[field];
  if (raw !== undefined) {
    if (run.jsonata && jsonataBody(raw) !== undefined) {
      const v = await evaluateJsonataValue(raw, jsonataEnv(run), field);
      return { value: v as number, source: 'jsonata' };
    }
    return { value: raw as number, source: 'literal' };
  }
  const path = run.def[`${field}Path`];
  if (typeof path === 'string') {
    return { value: resolveField(path, pathEnv(run, pathInput), `${field}Path`) as number, source: 'path' };
  }
  return undefined;
}

// ---------------------------------------------------------------- Pass

async function runPass(run: StateRun): Promise<Outcome> {
  const def = run.def;
  if (run.jsonata) {
    const output = await jsonataOutput(run, run.input, {});
    const assigned = await assign(run, def.Assign, undefined, {});
    return exit(run, output, assigned);
  }
  const effective = selectPath(
    def.InputPath as string | null | undefined,
    run.input,
    pathEnv(run, run.input),
  );
  let result: unknown;
  if (Object.hasOwn(def, 'Result')) result = def.Result;
  else if (def.Parameters !== undefined) result = evaluateTemplate(def.Parameters, pathEnv(run, effective));
  else result = effective;
  const assigned = await assign(run, def.Assign, result, {});
  const merged = applyResultPath(run, run.input, result, def.ResultPath);
  const output = selectPath(def.OutputPath as string | null | undefined, merged, pathEnv(run, merged));
  return exit(run, output, assigned);
}

// ---------------------------------------------------------------- Succeed / Fail

async function runSucceed(run: StateRun): Promise<Outcome> {
  const def = run.def;
  let output: unknown;
  if (run.jsonata) output = await jsonataOutput(run, run.input, {});
  else {
    const effective = selectPath(
      def.InputPath as string | null | undefined,
      run.input,
      pathEnv(run, run.input),
    );
    output = selectPath(def.OutputPath as string | null | undefined, effective, pathEnv(run, effective));
  }
  return exit(run, output);
}

async function runFail(run: StateRun): Promise<Outcome> {
  const def = run.def;
  let error: unknown = def.Error;
  let cause: unknown = def.Cause;
  if (run.jsonata) {
    if (error !== undefined) error = await evaluateJsonataValue(error, jsonataEnv(run), 'Error');
    if (cause !== undefined) cause = await evaluateJsonataValue(cause, jsonataEnv(run), 'Cause');
  } else {
    const env = pathEnv(run, run.input);
    if (typeof def.ErrorPath === 'string') error = dynamicField(def.ErrorPath, env, 'ErrorPath');
    if (typeof def.CausePath === 'string') cause = dynamicField(def.CausePath, env, 'CausePath');
  }
  const failure = new StatesError(
    error === undefined ? '' : String(error),
    cause === undefined ? undefined : String(cause),
  );
  (failure as { fromFailState?: boolean }).fromFailState = true;
  (failure as { hasError?: boolean }).hasError = error !== undefined;
  throw failure;
}

function dynamicField(expression: string, env: PathEnv, field: string): unknown {
  const text = expression.trim();
  if (text.startsWith('$')) return resolveField(text, env, field);
  return extensions().evaluateIntrinsic(
    text,
    (p) => resolveField(p, env, field),
    env.random ? { random: env.random } : {},
  );
}

// ---------------------------------------------------------------- Choice

async function runChoice(run: StateRun): Promise<Outcome> {
  const def = run.def;
  const choices = (def.Choices as StateDef[] | undefined) ?? [];
  if (run.jsonata) {
    const env = jsonataEnv(run);
    for (let i = 0; i < choices.length; i++) {
      const rule = choices[i]!;
      const cond = await evaluateJsonataValue(rule.Condition, env, `Choices[${i}].Condition`);
      if (typeof cond !== 'boolean') {
        throw new StateEvaluationError(
          'States.QueryEvaluationError',
          `The JSONata expression '${jsonataBody(rule.Condition) ?? String(rule.Condition)}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was '${jsonType(cond)}' for value: ${toJson(cond)}`,
          'Condition',
        );
      }
      if (cond) {
        const output =
          rule.Output !== undefined ? await evaluateJsonataValue(rule.Output, env, 'Output') : run.input;
        const assigned = await assign(run, rule.Assign, undefined, {});
        return chooseExit(run, output, assigned, String(rule.Next));
      }
    }
    if (def.Default === undefined) throw noChoice();
    const output = await jsonataOutput(run, run.input, {});
    const assigned = await assign(run, def.Assign, undefined, {});
    return chooseExit(run, output, assigned, String(def.Default));
  }
  const effective = selectPath(
    def.InputPath as string | null | undefined,
    run.input,
    pathEnv(run, run.input),
  );
  const env = pathEnv(run, effective);
  for (const rule of choices) {
    if (evaluateRule(rule, env)) {
      const assigned = await assign(run, rule.Assign, effective, {});
      const output = selectPath(
        def.OutputPath as string | null | undefined,
        effective,
        pathEnv(run, effective),
      );
      return chooseExit(run, output, assigned, String(rule.Next));
    }
  }
  if (def.Default === undefined) throw noChoice();
  const assigned = await assign(run, def.Assign, effective, {});
  const output = selectPath(def.OutputPath as string | null | undefined, effective, pathEnv(run, effective));
  return chooseExit(run, output, assigned, String(def.Default));
}

function noChoice(): StatesError {
  return new StatesError('States.NoChoiceMatched', 'No Matches!');
}

function chooseExit(
  run: StateRun,
  output: unknown,
  assigned: Record<string, unknown> | undefined,
  next: string,
): Outcome {
  exit(run, output, assigned);
  return { output, next };
}

/** The JSON type name AWS uses in its messages. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// ---------------------------------------------------------------- Wait

async function runWait(run: StateRun): Promise<Outcome> {
  const def = run.def;
  const cfg = run.frame.run.config;
  let untilMs: number | undefined;
  let seconds: number | undefined;
  if (run.jsonata) {
    if (def.Seconds !== undefined) {
      const v = await evaluateJsonataValue(def.Seconds, jsonataEnv(run), 'Seconds');
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
        throw new StateEvaluationError(
          'States.QueryEvaluationError',
          `The Seconds field must be a positive integer but was: ${toJson(v)}`,
          'Seconds',
        );
      }
      seconds = v;
    } else if (def.Timestamp !== undefined) {
      const v = await evaluateJsonataValue(def.Timestamp, jsonataEnv(run), 'Timestamp');
      const ts = parseTimestamp(v);
      if (ts === undefined) {
        throw new StateEvaluationError(
          'States.QueryEvaluationError',
          `The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: ${typeof v === 'string' ? v : toJson(v)}`,
          'Timestamp',
        );
      }
      untilMs = ts.ms;
    }
  } else {
    const effective = selectPath(
      def.InputPath as string | null | undefined,
      run.input,
      pathEnv(run, run.input),
    );
    if (typeof def.Seconds === 'number') seconds = def.Seconds;
    else if (typeof def.SecondsPath === 'string') {
      const found = lookupOrFail(run, def.SecondsPath, effective, 'SecondsPath');
      if (typeof found !== 'number' || !Number.isInteger(found)) {
        throw new StateEvaluationError(
          'States.Runtime',
          `The SecondsPath parameter cannot be parsed as a long value: ${def.SecondsPath} == ${toJson(found)}`,
        );
      }
      if (found < 0) {
        throw new StateEvaluationError(
          'States.Runtime',
          `The SecondsPath parameter references a negative value: ${def.SecondsPath} == ${found}`,
        );
      }
      seconds = found;
    } else if (typeof def.Timestamp === 'string') {
      untilMs = parseTimestamp(def.Timestamp)?.ms;
    } else if (typeof def.TimestampPath === 'string') {
      const found = lookupOrFail(run, def.TimestampPath, effective, 'TimestampPath');
      const ts = parseTimestamp(found);
      if (ts === undefined) {
        throw new StateEvaluationError(
          'States.Runtime',
          `The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: ${def.TimestampPath} == ${typeof found === 'string' ? found : toJson(found)}`,
        );
      }
      untilMs = ts.ms;
    }
  }
  const waitMs = seconds !== undefined ? seconds * 1000 : untilMs !== undefined ? untilMs - Date.now() : 0;
  await sleep(waitMs * cfg.timeScale, run.frame.signal);
  if (run.jsonata) {
    const output = await jsonataOutput(run, run.input, {});
    const assigned = await assign(run, def.Assign, undefined, {});
    return exit(run, output, assigned);
  }
  const effective = selectPath(
    def.InputPath as string | null | undefined,
    run.input,
    pathEnv(run, run.input),
  );
  const assigned = await assign(run, def.Assign, effective, {});
  const output = selectPath(def.OutputPath as string | null | undefined, effective, pathEnv(run, effective));
  return exit(run, output, assigned);
}

function lookupOrFail(run: StateRun, path: string, input: unknown, field: string): unknown {
  try {
    return resolveField(path, pathEnv(run, input), field);
  } catch (error) {
    if (error instanceof StateEvaluationError && error.error === 'States.Runtime') {
      throw new StateEvaluationError(
        'States.Runtime',
        `The ${field} parameter does not reference an input value: ${path}`,
      );
    }
    throw error;
  }
}

// ---------------------------------------------------------------- Retry / Catch

interface Retrier {
  readonly ErrorEquals: string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

interface Catcher {
  readonly ErrorEquals: string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: unknown;
}

/**
 * Whether a Retry/Catch ErrorEquals list matches `error`. `States.Runtime` is terminal: no retrier
 * or catcher matches it, not even one naming it, so the execution fails (AWS: a runtime error such
 * as an OutputPath that selects nothing cannot be caught). `States.TaskFailed` matches task errors
 * except `States.Timeout`; `States.BranchFailed` matches the error of a failed Parallel branch.
 */
export function errorMatches(errorEquals: readonly string[], error: StatesError | string): boolean {
  const name = typeof error === 'string' ? error : error.error;
  if (name === 'States.Runtime') return false;
  const fromBranch = typeof error !== 'string' && (error as { fromBranch?: boolean }).fromBranch === true;
  for (const candidate of errorEquals) {
    if (candidate === name) return true;
    if (candidate === 'States.ALL') return true;
    if (candidate === 'States.BranchFailed' && fromBranch) return true;
    if (candidate === 'States.TaskFailed' && name !== 'States.Timeout' && !name.startsWith('States.'))
      return true;
  }
  return false;
}

/** Runs `attempt` with the state's Retry policy; `attempt` receives the retry count. */
async function withRetry<T>(run: StateRun, attempt: (retryCount: number) => Promise<T>): Promise<T> {
  const retriers = (run.def.Retry as Retrier[] | undefined) ?? [];
  const counts = retriers.map(() => 0);
  const cfg = run.frame.run.config;
  for (let retryCount = 0; ; retryCount++) {
    try {
      return await attempt(retryCount);
    } catch (thrown) {
      if (thrown instanceof Interruption || run.frame.signal.aborted) throw thrown;
      const error = asStatesError(thrown);
      const index = retriers.findIndex((r) => errorMatches(r.ErrorEquals, error));
      const retrier = retriers[index];
      if (retrier === undefined) throw error;
      const maxAttempts = retrier.MaxAttempts ?? 3;
      const done = counts[index]!;
      if (done >= maxAttempts) throw error;
      counts[index] = done + 1;
      const interval = retrier.IntervalSeconds ?? 1;
      const backoff = retrier.BackoffRate ?? 2;
      let delay = interval * backoff ** done;
      if (retrier.MaxDelaySeconds !== undefined) delay = Math.min(delay, retrier.MaxDelaySeconds);
      if (retrier.JitterStrategy === 'FULL') delay = cfg.random() * delay;
      await sleep(delay * 1000 * cfg.timeScale, run.frame.signal);
    }
  }
}

/** Applies the first matching catcher, or rethrows. */
async function withCatch(run: StateRun, body: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await body();
  } catch (thrown) {
    if (thrown instanceof Interruption || run.frame.signal.aborted) throw thrown;
    const error = asStatesError(prefixed(thrown, run));
    const catchers = (run.def.Catch as Catcher[] | undefined) ?? [];
    const catcher = catchers.find((c) => errorMatches(c.ErrorEquals, error));
    if (catcher === undefined) throw error;
    const errorOutput = { Error: error.error, Cause: error.cause ?? '' };
    let output: unknown;
    let assigned: Record<string, unknown> | undefined;
    if (run.jsonata) {
      const extra = { errorOutput };
      output =
        catcher.Output !== undefined
          ? await evaluateJsonataValue(catcher.Output, jsonataEnv(run, extra), 'Output')
          : errorOutput;
      assigned = await assign(run, catcher.Assign, undefined, extra);
    } else {
      assigned = await assign(run, catcher.Assign, errorOutput, {});
      output = applyResultPath(run, run.input, errorOutput, catcher.ResultPath);
    }
    exit(run, output, assigned);
    return { output, next: catcher.Next };
  }
}

// ---------------------------------------------------------------- Task

const LAMBDA_ARN = /^arn:[^:]+:lambda:/;

/** `resourceType` and `resource` as TaskScheduled shows them (`lambda` / `invoke`). */
export function splitResource(resource: string): { resourceType: string; resource: string } {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:(.+)$/.exec(resource);
  if (!m) return { resourceType: 'unknown', resource };
  const parts = m[1]!.split(':');
  const last = parts.pop() ?? '';
  return { resourceType: parts.join(':'), resource: last };
}

async function runTask(run: StateRun): Promise<Outcome> {
  const def = run.def;
  return withCatch(run, async () => {
    let effective: unknown;
    let parameters: unknown;
    let resource = String(def.Resource);
    if (resource.endsWith('.waitForTaskToken')) run.context.Task = { Token: randomUUID() };
    if (run.jsonata) {
      effective = run.input;
      parameters =
        def.Arguments !== undefined
          ? await evaluateJsonataValue(def.Arguments, jsonataEnv(run), 'Arguments')
          : run.input;
      if (jsonataBody(resource) !== undefined)
        resource = String(await evaluateJsonataValue(resource, jsonataEnv(run), 'Resource'));
    } else {
      effective = selectPath(def.InputPath as string | null | undefined, run.input, pathEnv(run, run.input));
      parameters =
        def.Parameters !== undefined ? evaluateTemplate(def.Parameters, pathEnv(run, effective)) : effective;
    }
    const timeout = await numberField(run, 'TimeoutSeconds', effective);
    const heartbeat = await numberField(run, 'HeartbeatSeconds', effective);
    let credentials: unknown;
    if (def.Credentials !== undefined) {
      credentials = run.jsonata
        ? await evaluateJsonataValue(def.Credentials, jsonataEnv(run), 'Credentials')
        : evaluateTemplate(def.Credentials, pathEnv(run, effective));
    }
    const result = await withRetry(run, (retryCount) =>
      invokeTask(run, resource, parameters, retryCount, timeout?.value, heartbeat?.value, credentials),
    );
    return finishWithResult(run, result);
  });
}

async function invokeTask(
  run: StateRun,
  resource: string,
  parameters: unknown,
  retryCount: number,
  timeoutSeconds: number | undefined,
  heartbeatSeconds: number | undefined,
  credentials: unknown,
): Promise<unknown> {
  const frame = run.frame;
  const cfg = frame.run.config;
  const isLambda = LAMBDA_ARN.test(resource);
  const split = splitResource(resource);
  const waitForToken_ = resource.endsWith('.waitForTaskToken');
  const taskToken = waitForToken_
    ? ((run.context.Task as { Token?: string } | undefined)?.Token ?? randomUUID())
    : undefined;
  const state = run.context.State as Record<string, unknown>;
  const context: Record<string, unknown> = { ...run.context, State: { ...state, RetryCount: retryCount } };
  if (taskToken !== undefined) context.Task = { Token: taskToken };
  if (isLambda) {
    const d: Record<string, unknown> = {
      input: frame.record ? toJson(parameters) : '',
      inputDetails: NOT_TRUNCATED,
      resource,
    };
    if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
    frame.run.emit(frame, 'LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', d);
    frame.run.emit(frame, 'LambdaFunctionStarted');
  } else {
    const d: Record<string, unknown> = {
      resourceType: split.resourceType,
      resource: split.resource,
      region: cfg.region,
      parameters: frame.record ? toJson(parameters) : '',
    };
    if (timeoutSeconds !== undefined) d.timeoutInSeconds = timeoutSeconds;
    if (heartbeatSeconds !== undefined) d.heartbeatInSeconds = heartbeatSeconds;
    frame.run.emit(frame, 'TaskScheduled', 'taskScheduledEventDetails', d);
    frame.run.emit(frame, 'TaskStarted', 'taskStartedEventDetails', {
      resourceType: split.resourceType,
      resource: split.resource,
    });
  }
  const handler = cfg.registry.resolve(resource);
  const controller = childController(frame.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  let settled = false;
  const armHeartbeat = () => {
    if (heartbeatSeconds === undefined || settled) return;
    if (heartbeatTimer !== undefined) clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(
      () => controller.abort(new StatesError('States.HeartbeatTimeout')),
      heartbeatSeconds * 1000 * cfg.timeScale,
    );
  };
  try {
    if (handler === undefined) {
      throw new StatesError('States.TaskFailed', `No handler is registered for the resource '${resource}'.`);
    }
    if (timeoutSeconds !== undefined) {
      timer = setTimeout(
        () => controller.abort(new StatesError('States.Timeout')),
        timeoutSeconds * 1000 * cfg.timeScale,
      );
    }
    armHeartbeat();
    const request = {
      resource,
      input: parameters,
      signal: controller.signal,
      heartbeat: armHeartbeat,
      context,
      ...(taskToken !== undefined ? { taskToken } : {}),
      ...(credentials !== undefined ? { credentials } : {}),
    };
    let result: unknown;
    if (taskToken !== undefined) {
      const callback = waitForToken(taskToken, armHeartbeat);
      try {
        await raceSignal(handler(request), controller.signal);
        result = await raceSignal(callback.promise, controller.signal);
      } finally {
        callback.cancel();
      }
    } else {
      result = await raceSignal(handler(request), controller.signal);
    }
    const text = JSON.stringify(result ?? null);
    if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The state/task '${isLambda || split.resourceType === 'unknown' ? run.name : split.resourceType}' returned a result with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    if (isLambda) {
      frame.run.emit(frame, 'LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
        output: frame.record ? text : '',
        outputDetails: { truncated: false },
      });
    } else {
      frame.run.emit(frame, 'TaskSucceeded', 'taskSucceededEventDetails', {
        resourceType: split.resourceType,
        resource: split.resource,
        output: frame.record ? text : '',
        outputDetails: { truncated: false },
      });
    }
    return result === undefined ? null : result;
  } catch (thrown) {
    if (thrown instanceof Interruption) throw thrown;
    if (frame.signal.aborted) throw frame.signal.reason;
    const error = asStatesError(thrown);
    const timedOut = error.error === 'States.Timeout' || error.error === 'States.HeartbeatTimeout';
    const d: Record<string, unknown> = {};
    if (!isLambda) {
      d.resourceType = split.resourceType;
      d.resource = split.resource;
    }
    d.error = error.error;
    if (error.cause !== undefined) d.cause = error.cause;
    if (isLambda) {
      frame.run.emit(
        frame,
        timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
        timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
        d,
      );
    } else {
      frame.run.emit(
        frame,
        timedOut ? 'TaskTimedOut' : 'TaskFailed',
        timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails',
        d,
      );
    }
    throw error;
  } finally {
    settled = true;
    if (timer !== undefined) clearTimeout(timer);
    if (heartbeatTimer !== undefined) clearTimeout(heartbeatTimer);
    if (!controller.signal.aborted) controller.abort(new Interruption('CANCELLED'));
  }
}

// ---------------------------------------------------------------- Parallel

async function runParallel(run: StateRun): Promise<Outcome> {
  const def = run.def;
  return withCatch(run, async () => {
    let effective: unknown;
    let branchInput: unknown;
    if (run.jsonata) {
      effective = run.input;
      branchInput =
        def.Arguments !== undefined
          ? await evaluateJsonataValue(def.Arguments, jsonataEnv(run), 'Arguments')
          : run.input;
    } else {
      effective = selectPath(def.InputPath as string | null | undefined, run.input, pathEnv(run, run.input));
      branchInput =
        def.Parameters !== undefined ? evaluateTemplate(def.Parameters, pathEnv(run, effective)) : effective;
    }
    const result = await afterRetries(run, () => withRetry(run, () => runBranches(run, branchInput)));
    return finishWithResult(run, result);
  });
}

async function runBranches(run: StateRun, input: unknown): Promise<unknown[]> {
  const frame = run.frame;
  const branches = (run.def.Branches as Program[] | undefined) ?? [];
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
        queryLanguage: queryLanguageOf(branch, run),
        ...(frame.ids !== undefined ? { ids: frame.ids } : {}),
      };
      try {
        results[i] = await runProgram(branch, input, branchFrame);
      } catch (error) {
        if (failure === undefined && !(error instanceof Interruption && error.kind === 'CANCELLED')) {
          failure = error;
          if (typeof error === 'object' && error !== null)
            (error as { fromBranch?: boolean }).fromBranch = true;
          controller.abort(new Interruption('CANCELLED'));
        }
      }
    }),
  );
  release(controller);
  if (frame.record) frame.prev = frame.run.lastId;
  if (failure !== undefined) {
    if (frame.signal.aborted) throw frame.signal.reason;
    throw markFailed(failure, 'ParallelStateFailed');
  }
  frame.run.emitAside(frame, 'ParallelStateSucceeded');
  return results;
}

function queryLanguageOf(program: Program, run: StateRun): 'JSONPath' | 'JSONata' {
  const q = program.QueryLanguage ?? (run.jsonata ? 'JSONata' : run.frame.queryLanguage);
  return q === 'JSONata' ? 'JSONata' : 'JSONPath';
}

/** Marks a composite failure whose `<Type>StateFailed` event is due once retries are exhausted. */
function markFailed(error: unknown, eventType: string): unknown {
  if (typeof error === 'object' && error !== null)
    (error as { failedEvent?: string }).failedEvent = eventType;
  return error;
}

/** Runs a retried composite body; emits its deferred `<Type>StateFailed` event on final failure. */
async function afterRetries<T>(run: StateRun, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const eventType = (error as { failedEvent?: string } | null)?.failedEvent;
    if (eventType !== undefined && !run.frame.signal.aborted) {
      run.frame.run.emit(run.frame, eventType);
      delete (error as { failedEvent?: string }).failedEvent;
    }
    throw error;
  }
}

/** ResultSelector / Output, Assign, ResultPath and OutputPath applied to a Task, Parallel or Map result. */
async function finishWithResult(run: StateRun, result: unknown): Promise<Outcome> {
  const def = run.def;
  if (run.jsonata) {
    const extra = { result };
    const output = await jsonataOutput(run, result, extra);
    const assigned = await assign(run, def.Assign, undefined, extra);
    return exit(run, output, assigned);
  }
  const selected =
    def.ResultSelector !== undefined ? evaluateTemplate(def.ResultSelector, pathEnv(run, result)) : result;
  const assigned = await assign(run, def.Assign, selected, {});
  const merged = applyResultPath(run, run.input, selected, def.ResultPath);
  const output = selectPath(def.OutputPath as string | null | undefined, merged, pathEnv(run, merged));
  return exit(run, output, assigned);
}

// ---------------------------------------------------------------- Map

/** The item processor of a Map state (ItemProcessor or the legacy Iterator). */
export function processorOf(def: StateDef): Program & { ProcessorConfig?: Record<string, unknown> } {
  return (def.ItemProcessor ?? def.Iterator) as Program & { ProcessorConfig?: Record<string, unknown> };
}

/** Everything a Map state needs after its input is processed. */
export interface MapSetup {
  readonly effective: unknown;
  readonly maxConcurrency: number;
  /** Builds the input of item `index` (ItemSelector / Parameters), with the Map context. */
  select(value: unknown, index: number): Promise<unknown>;
}

async function runMap(run: StateRun): Promise<Outcome> {
  const def = run.def;
  const processor = processorOf(def);
  const distributed = processor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
  return withCatch(run, async () => {
    const effective = run.jsonata
      ? run.input
      : selectPath(def.InputPath as string | null | undefined, run.input, pathEnv(run, run.input));
    const maxConcurrency = await readMaxConcurrency(run, effective);
    const selector = def.ItemSelector ?? def.Parameters;
    const setup: MapSetup = {
      effective,
      maxConcurrency,
      select: async (value, index) => {
        if (selector === undefined) return value;
        const context = { ...run.context, Map: { Item: { Index: index, Value: value } } };
        if (run.jsonata) return evaluateJsonataValue(selector, jsonataEnv(run, {}, context), 'ItemSelector');
        return evaluateTemplate(selector, pathEnv(run, effective, context));
      },
    };
    const result = await afterRetries(run, () =>
      withRetry(run, async () => {
        if (distributed) return runDistributedMap(run, setup);
        let items: unknown[];
        try {
          items = await readItems(run, effective);
        } catch (error) {
          if (error instanceof StateEvaluationError)
            (error as { mapStateFailed?: boolean }).mapStateFailed = true;
          throw error;
        }
        return runInlineMap(run, setup, items);
      }),
    );
    return finishWithResult(run, result);
  });
}

async function readMaxConcurrency(run: StateRun, effective: unknown): Promise<number> {
  const def = run.def;
  let value: unknown = def.MaxConcurrency;
  if (run.jsonata && jsonataBody(value) !== undefined) {
    value = await evaluateJsonataValue(value, jsonataEnv(run), 'MaxConcurrency');
  } else if (value === undefined && typeof def.MaxConcurrencyPath === 'string') {
    value = resolveField(def.MaxConcurrencyPath, pathEnv(run, effective), 'MaxConcurrencyPath');
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new StateEvaluationError(
        'States.Runtime',
        `The MaxConcurrencyPath field refers to value "${typeof value === 'string' ? value : toJson(value)}" which is not a valid integer: ${def.MaxConcurrencyPath}`,
      );
    }
    value = n;
  }
  const n = typeof value === 'number' ? value : 0;
  return n <= 0 ? 10000 : n;
}

/** The items of a Map state from Items (JSONata) or ItemsPath (JSONPath). */
export async function readItems(run: StateRun, effective: unknown): Promise<unknown[]> {
  const def = run.def;
  let items: unknown;
  if (run.jsonata) {
    if (def.Items !== undefined) {
      const body = jsonataBody(def.Items);
      items = await evaluateJsonataValue(def.Items, jsonataEnv(run), 'Items');
      if (!Array.isArray(items)) {
        throw new StateEvaluationError(
          'States.QueryEvaluationError',
          `The JSONata expression '${body ?? toJson(def.Items)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonType(items)}' for value: ${toJson(items)}`,
          'Items',
        );
      }
      return items;
    }
    items = run.input;
    if (!Array.isArray(items)) {
      throw new StateEvaluationError(
        'States.QueryEvaluationError',
        `Map state input must be an array but was: ${toJson(items)}`,
      );
    }
    return items;
  }
  const path = typeof def.ItemsPath === 'string' ? def.ItemsPath : '$';
  items = path === '$' ? effective : resolveField(path, pathEnv(run, effective), 'ItemsPath');
  if (!Array.isArray(items)) {
    throw new StateEvaluationError(
      'States.Runtime',
      `Invalid path '${path}' : The ItemsPath field refers to a value that is not an array: ${toJson(items)}`,
    );
  }
  return items;
}

async function runInlineMap(run: StateRun, setup: MapSetup, items: unknown[]): Promise<unknown[]> {
  const frame = run.frame;
  const program = processorOf(run.def);
  frame.run.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
  const controller = childController(frame.signal);
  const results: unknown[] = new Array(items.length);
  let failure: unknown;
  const language = queryLanguageOf(program, run);
  // AWS chains each iteration after the previous one's last state event; Succeeded/Failed markers
  // of iterations do not become anyone's previous event.
  let pointer = frame.prev;
  // AWS runs at most 40 iterations of an inline Map at a time, whatever MaxConcurrency says.
  const width = Math.min(setup.maxConcurrency, INLINE_MAX_CONCURRENCY);
  await pool(items.length, width, controller.signal, async (index) => {
    const iterationFrame: Frame = {
      run: frame.run,
      record: frame.record,
      prev: pointer,
      scope: new Scope(frame.scope),
      signal: controller.signal,
      context: frame.context,
      queryLanguage: language,
      ...(frame.ids !== undefined ? { ids: frame.ids } : {}),
    };
    const name = run.name;
    try {
      const input = await setup.select(items[index], index);
      iterationFrame.prev = pointer;
      frame.run.emit(iterationFrame, 'MapIterationStarted', 'mapIterationStartedEventDetails', {
        name,
        index,
      });
      pointer = iterationFrame.prev;
      results[index] = await runProgram(program, input, iterationFrame);
      pointer = iterationFrame.prev;
      frame.run.emit(iterationFrame, 'MapIterationSucceeded', 'mapIterationSucceededEventDetails', {
        name,
        index,
      });
    } catch (error) {
      if (error instanceof Interruption && error.kind === 'CANCELLED') {
        frame.run.emit(iterationFrame, 'MapIterationAborted', 'mapIterationAbortedEventDetails', {
          name,
          index,
        });
        return;
      }
      if (failure === undefined) {
        failure = error;
        pointer = iterationFrame.prev;
        frame.run.emit(iterationFrame, 'MapIterationFailed', 'mapIterationFailedEventDetails', {
          name,
          index,
        });
        controller.abort(new Interruption('CANCELLED'));
      }
    }
  });
  release(controller);
  if (failure !== undefined) {
    if (frame.record) frame.prev = pointer;
    if (frame.signal.aborted) throw frame.signal.reason;
    throw markFailed(failure, 'MapStateFailed');
  }
  if (frame.record) frame.prev = frame.run.lastId;
  frame.run.emitAside(frame, 'MapStateSucceeded');
  return results;
}
