/**
 * The two {@link DataFlow} implementations: JSONPath (InputPath, Parameters, ResultSelector,
 * ResultPath, OutputPath, `.$` templates) and JSONata (Arguments, Output, `$states`), both with Assign.
 */
import { StateEvaluationError, StatesError } from './errors';
import type { DataFlow, FieldValue, Finished, OutputHolder, ParametersHolder, StateRun } from './exec';
import { extensions } from './extensions';
import { setPath } from './jsonpath';
import type { Catcher, QueryLanguage } from './model';
import {
  evaluateJsonataValue,
  evaluateTemplate,
  type JsonataEnv,
  jsonataBody,
  type PathEnv,
  resolveField,
  selectPath,
  toJson,
} from './payload';

/** What a JSONPath evaluation in `run` sees. */
export function pathEnv(run: StateRun, input: unknown, context = run.context): PathEnv {
  return { input, context, scope: run.frame.scope, random: run.frame.run.config.random };
}

let bindingsCache: { key: unknown; value: Record<string, unknown> } | undefined;

/** What a JSONata evaluation in `run` sees: `$states` (input, context and `extra`) and the variables. */
export function jsonataEnv(
  run: StateRun,
  extra: Record<string, unknown> = {},
  context = run.context,
): JsonataEnv {
  const cfg = run.frame.run.config;
  if (bindingsCache?.key !== cfg.random) {
    const value = extensions().awsJsonataBindings({
      random: cfg.random,
      uuid: cfg.uuid,
      partition: cfg.partition,
    });
    bindingsCache = { key: cfg.random, value };
  }
  return {
    states: { input: run.input, context, ...extra },
    scope: run.frame.scope,
    bindings: bindingsCache.value,
  };
}

function store(run: StateRun, values: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(values)) run.frame.scope.set(k, v);
  return values;
}

/** Applies ResultPath: where the result goes in the raw state input. */
function applyResultPath(run: StateRun, result: unknown, resultPath: string | null | undefined): unknown {
  if (resultPath === undefined || resultPath === '$') return result;
  if (resultPath === null) return run.input;
  if (resultPath.startsWith('$$')) {
    throw new StateEvaluationError(
      'States.Runtime',
      `The ResultPath '${resultPath}' cannot reference the context object.`,
    );
  }
  const base = run.input === null || run.input === undefined ? {} : run.input;
  const written = setPath(base, resultPath, result);
  if (!written.ok) {
    throw new StatesError(
      'States.ResultPathMatchFailure',
      `An error occurred while executing the state '${run.state.name}' (entered at the event id #${run.enteredId}). Unable to apply ReferencePath ${resultPath} to input ${toJson(run.input)}`,
    );
  }
  return written.value;
}

/** The JSONPath data flow. */
class JsonPathDataFlow implements DataFlow {
  readonly language: QueryLanguage = 'JSONPath';

  effectiveInput(run: StateRun): unknown {
    return selectPath(run.state.InputPath, run.input, pathEnv(run, run.input));
  }

  async parameters(run: StateRun, effective: unknown, holder: ParametersHolder): Promise<unknown> {
    const value = holder.Parameters;
    return value === undefined ? effective : evaluateTemplate(value, pathEnv(run, effective));
  }

  async evaluate(
    run: StateRun,
    value: unknown,
    _field: string,
    input: unknown,
    context?: Record<string, unknown>,
  ): Promise<unknown> {
    return evaluateTemplate(value, pathEnv(run, input, context));
  }

  async field(run: StateRun, holder: object, name: string, input: unknown): Promise<FieldValue | undefined> {
    const fields = holder as Record<string, unknown>;
    if (fields[name] !== undefined) return { value: fields[name] };
    const path = fields[`${name}Path`];
    if (typeof path !== 'string') return undefined;
    const env = pathEnv(run, input);
    const text = path.trim();
    const value = text.startsWith('$')
      ? resolveField(text, env, `${name}Path`)
      : extensions().evaluateIntrinsic(text, (p) => resolveField(p, env, `${name}Path`), {
          random: env.random ?? Math.random,
        });
    return { value, path };
  }

  private assign(run: StateRun, assign: unknown, input: unknown): Record<string, unknown> | undefined {
    if (assign === undefined || assign === null) return undefined;
    return store(run, evaluateTemplate(assign, pathEnv(run, input)) as Record<string, unknown>);
  }

  private output(run: StateRun, value: unknown): unknown {
    return selectPath(run.state.OutputPath, value, pathEnv(run, value));
  }

  async finishWithResult(run: StateRun, result: unknown): Promise<Finished> {
    const state = run.state as { ResultSelector?: unknown; ResultPath?: string | null };
    const selected =
      state.ResultSelector !== undefined
        ? evaluateTemplate(state.ResultSelector, pathEnv(run, result))
        : result;
    const assigned = this.assign(run, run.state.Assign, selected);
    const output = this.output(run, applyResultPath(run, selected, state.ResultPath));
    return { output, assigned };
  }

  async finishWithoutResult(run: StateRun, effective: unknown, holder: OutputHolder): Promise<Finished> {
    const assigned = this.assign(run, holder.Assign, effective);
    return { output: this.output(run, effective), assigned };
  }

  async caught(
    run: StateRun,
    catcher: Catcher,
    errorOutput: { Error: string; Cause: string },
  ): Promise<Finished> {
    const assigned = this.assign(run, catcher.Assign, errorOutput);
    return { output: applyResultPath(run, errorOutput, catcher.ResultPath), assigned };
  }
}

/** The JSONata data flow. */
class JsonataDataFlow implements DataFlow {
  readonly language: QueryLanguage = 'JSONata';

  effectiveInput(run: StateRun): unknown {
    return run.input;
  }

  async parameters(run: StateRun, effective: unknown, holder: ParametersHolder): Promise<unknown> {
    const value = holder.Arguments;
    return value === undefined ? effective : evaluateJsonataValue(value, jsonataEnv(run), 'Arguments');
  }

  async evaluate(
    run: StateRun,
    value: unknown,
    field: string,
    _input: unknown,
    context?: Record<string, unknown>,
  ): Promise<unknown> {
    return evaluateJsonataValue(value, jsonataEnv(run, {}, context), field);
  }

  async field(run: StateRun, holder: object, name: string): Promise<FieldValue | undefined> {
    const raw = (holder as Record<string, unknown>)[name];
    if (raw === undefined) return undefined;
    if (jsonataBody(raw) === undefined) return { value: raw };
    return { value: await evaluateJsonataValue(raw, jsonataEnv(run), name) };
  }

  private async assign(
    run: StateRun,
    assign: unknown,
    extra: Record<string, unknown>,
  ): Promise<Record<string, unknown> | undefined> {
    if (assign === undefined || assign === null) return undefined;
    const env = jsonataEnv(run, extra);
    if (typeof assign === 'string') {
      return store(run, {
        ...((await evaluateJsonataValue(assign, env, 'Assign')) as Record<string, unknown>),
      });
    }
    // Every value is computed before any variable is set.
    const values: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(assign as Record<string, unknown>)) {
      values[k] = await evaluateJsonataValue(v, env, `Assign/${k}`);
    }
    return store(run, values);
  }

  private async finish(
    run: StateRun,
    holder: OutputHolder,
    fallback: unknown,
    extra: Record<string, unknown>,
  ): Promise<Finished> {
    const output =
      holder.Output === undefined
        ? fallback
        : await evaluateJsonataValue(holder.Output, jsonataEnv(run, extra), 'Output');
    return { output, assigned: await this.assign(run, holder.Assign, extra) };
  }

  finishWithResult(run: StateRun, result: unknown): Promise<Finished> {
    return this.finish(run, run.state, result, { result });
  }

  finishWithoutResult(run: StateRun, _effective: unknown, holder: OutputHolder): Promise<Finished> {
    return this.finish(run, holder, run.input, {});
  }

  caught(run: StateRun, catcher: Catcher, errorOutput: { Error: string; Cause: string }): Promise<Finished> {
    return this.finish(run, catcher, errorOutput, { errorOutput });
  }
}

/** The JSONPath {@link DataFlow}. */
export const JsonPathFlow: DataFlow = new JsonPathDataFlow();
/** The JSONata {@link DataFlow}. */
export const JsonataFlow: DataFlow = new JsonataDataFlow();

/** The data flow of a query language. */
export function flowFor(language: QueryLanguage): DataFlow {
  return language === 'JSONata' ? JsonataFlow : JsonPathFlow;
}
