/**
 * Evaluation of state fields: JSONPath payload templates (`.$` keys, context object, variables,
 * intrinsic functions) and JSONata expressions (`{% … %}`), with AWS's error names and causes.
 */
import jsonata from 'jsonata';
import { StateEvaluationError, StatesError } from './errors';
import { extensions } from './extensions';
import { compilePath, evaluatePath, JsonPathSyntaxError, normalizedPath } from './jsonpath';

/** Variables visible to a state: its own scope, then the enclosing ones. */
export class Scope {
  /** Created on the first assignment: most iteration scopes never assign. */
  private vars: Map<string, unknown> | undefined;
  constructor(readonly parent?: Scope) {}

  lookup(name: string): { found: true; value: unknown } | { found: false } {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars?.has(name)) return { found: true, value: s.vars.get(name) };
    }
    return { found: false };
  }

  set(name: string, value: unknown): void {
    this.vars ??= new Map();
    this.vars.set(name, value);
  }

  /** Every visible variable, inner scopes shadowing outer ones. */
  all(): Record<string, unknown> {
    const chain: Scope[] = [];
    for (let s: Scope | undefined = this; s; s = s.parent) chain.unshift(s);
    const out: Record<string, unknown> = {};
    for (const s of chain) if (s.vars) for (const [k, v] of s.vars) out[k] = v;
    return out;
  }
}

/** What a JSONPath evaluation sees: `$`, `$$` and the variables. */
export interface PathEnv {
  readonly input: unknown;
  readonly context: unknown;
  readonly scope: Scope;
  readonly random?: () => number;
}

/** JSON text of a value, as history events and error causes show it. */
export function toJson(value: unknown): string {
  return value === undefined ? 'null' : JSON.stringify(value);
}

const VARIABLE = /^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$/s;

/** Resolves one reference path (`$…`, `$$…`, `$var…`); `found` false when nothing is there. */
export function lookupPath(path: string, env: PathEnv): { found: true; value: unknown } | { found: false } {
  try {
    if (path.startsWith('$$')) return evaluatePath(path.slice(1), env.context);
    const variable = VARIABLE.exec(path);
    if (variable) {
      const name = variable[1]!;
      const found = env.scope.lookup(name);
      if (!found.found) {
        throw new StateEvaluationError(
          'States.Runtime',
          `The JSONPath '${path}' could not be resolved: the variable '$${name}' is not defined.`,
        );
      }
      const rest = variable[2] ?? '';
      return rest === '' ? found : evaluatePath(`$${rest}`, found.value);
    }
    return evaluatePath(path, env.input);
  } catch (error) {
    if (error instanceof JsonPathSyntaxError) throw new StateEvaluationError('States.Runtime', error.message);
    throw error;
  }
}

/** Resolves a path for a named field; a missing value fails with AWS's States.Runtime cause. */
export function resolveField(path: string, env: PathEnv, field: string): unknown {
  const found = lookupPath(path, env);
  if (!found.found) {
    const where = path.startsWith('$$') ? env.context : env.input;
    throw new StateEvaluationError(
      'States.Runtime',
      `The JSONPath '${path}' specified for the field '${field}' could not be found in the input '${toJson(where)}'`,
    );
  }
  return found.value;
}

/** InputPath / OutputPath selection (`null` selects `{}`). */
export function selectPath(path: string | null | undefined, value: unknown, env: PathEnv): unknown {
  if (path === undefined || path === '$') return value;
  if (path === null) return {};
  const found = lookupPath(path, { ...env, input: value });
  if (!found.found) {
    throw new StateEvaluationError(
      'States.Runtime',
      `Invalid path '${path}' : No results for path: ${safeNormalized(path)}`,
    );
  }
  return found.value;
}

function safeNormalized(path: string): string {
  try {
    return path.startsWith('$$') ? `$${normalizedPath(path.slice(1)).slice(1)}` : normalizedPath(path);
  } catch {
    return path;
  }
}

/** Evaluates a JSONPath payload template (Parameters, ResultSelector, ItemSelector, …). */
export function evaluateTemplate(template: unknown, env: PathEnv): unknown {
  if (Array.isArray(template)) return template.map((t) => evaluateTemplate(t, env));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') {
      out[key.slice(0, -2)] = evaluateDynamic(value, env, key);
    } else {
      out[key] = evaluateTemplate(value, env);
    }
  }
  return out;
}

function evaluateDynamic(expression: string, env: PathEnv, field: string): unknown {
  const text = expression.trim();
  if (text.startsWith('$')) return resolveField(text, env, field);
  const ext = extensions();
  if (ext.isIntrinsicCall(text)) {
    return ext.evaluateIntrinsic(
      text,
      (path) => resolveField(path, env, field),
      env.random ? { random: env.random } : {},
    );
  }
  throw new StateEvaluationError(
    'States.Runtime',
    `The value for the field '${field}' must be a valid JSONPath or a valid intrinsic function call`,
  );
}

/** True when `path` can be parsed as a JSONPath. */
export function isValidPath(path: string): boolean {
  try {
    if (path.startsWith('$$')) compilePath(path.slice(1));
    else if (VARIABLE.test(path)) compilePath(`$${VARIABLE.exec(path)?.[2] ?? ''}`);
    else compilePath(path);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- JSONata

/** What a JSONata evaluation sees as `$states` and the variables. */
export interface JsonataEnv {
  readonly states: Record<string, unknown>;
  readonly scope: Scope;
  readonly bindings: Record<string, unknown>;
}

const compiled = new Map<string, jsonata.Expression>();
/** A JSONata expression: the whole string starts with `{%` and ends with `%}` (no blanks around). */
const JSONATA = /^\{%(.*)%\}$/s;

/** The expression inside `{% … %}`, or undefined when `value` is not a JSONata string. */
export function jsonataBody(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = JSONATA.exec(value);
  return m ? m[1]!.trim() : undefined;
}

function compile(expression: string, field: string): jsonata.Expression {
  let expr = compiled.get(expression);
  if (expr === undefined) {
    try {
      expr = jsonata(expression);
    } catch (error) {
      throw new StateEvaluationError(
        'States.QueryEvaluationError',
        `The JSONata expression '${expression}' specified for the field '${field}' threw an error during evaluation. ${jsonataMessage(error)}`,
        field,
      );
    }
    if (compiled.size > 5000) compiled.clear();
    compiled.set(expression, expr);
  }
  return expr;
}

function jsonataMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const e = error as { message?: string; code?: string; position?: number; token?: string };
    return e.message ?? String(error);
  }
  return String(error);
}

/** Converts a JSONata result to plain JSON (sequences to arrays); functions are reported. */
function toPlain(value: unknown): { ok: true; value: unknown } | { ok: false } {
  if (typeof value === 'function') return { ok: false };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) {
      if (v === undefined) continue;
      const p = toPlain(v);
      if (!p.ok) return p;
      out.push(p.value);
    }
    return { ok: true, value: out };
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const p = toPlain(v);
      if (!p.ok) return p;
      out[k] = p.value;
    }
    return { ok: true, value: out };
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return { ok: false };
  return { ok: true, value };
}

/** Evaluates one JSONata expression; `undefined` stays undefined (callers decide if it is an error). */
export async function evaluateJsonata(expression: string, env: JsonataEnv, field: string): Promise<unknown> {
  const expr = compile(expression, field);
  let result: unknown;
  try {
    result = await expr.evaluate(null, { ...env.bindings, ...env.scope.all(), states: env.states });
  } catch (error) {
    if (error instanceof StatesError) throw error;
    throw new StateEvaluationError(
      'States.QueryEvaluationError',
      `The JSONata expression '${expression}' specified for the field '${field}' threw an error during evaluation. ${jsonataMessage(error)}`,
      field,
    );
  }
  if (result === undefined) return undefined;
  const plain = toPlain(result);
  if (!plain.ok) {
    throw new StateEvaluationError(
      'States.QueryEvaluationError',
      `The JSONata expression '${expression}' specified for the field '${field}' returned an unsupported result type.`,
      field,
    );
  }
  return plain.value;
}

/**
 * Evaluates a JSONata field value: a `{% %}` string, or an object/array whose strings may be
 * `{% %}` expressions. An expression returning nothing fails with States.QueryEvaluationError.
 */
export async function evaluateJsonataValue(value: unknown, env: JsonataEnv, field: string): Promise<unknown> {
  const body = jsonataBody(value);
  if (body !== undefined) {
    const result = await evaluateJsonata(body, env, field);
    if (result === undefined) {
      throw new StateEvaluationError(
        'States.QueryEvaluationError',
        `The JSONata expression '${body}' specified for the field '${field}' returned nothing (undefined).`,
        field,
      );
    }
    return result;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++)
      out.push(await evaluateJsonataValue(value[i], env, `${field}[${i}]`));
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await evaluateJsonataValue(v, env, `${field}/${k}`);
    return out;
  }
  return value;
}

/** True when a value holds any `{% %}` expression (used to skip evaluation of constants). */
export function hasJsonata(value: unknown): boolean {
  if (typeof value === 'string') return JSONATA.test(value);
  if (Array.isArray(value)) return value.some(hasJsonata);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(hasJsonata);
  return false;
}
