/** Choice rules (JSONPath comparison operators) with Step Functions' type rules. */
import { StateEvaluationError } from './errors';
import { deepEqual } from './json-equal';
import { lookupPath, type PathEnv } from './payload';
import { compareInstants, parseTimestamp } from './timestamp';

type Rule = Record<string, unknown>;

const COMPARISONS = [
  'StringEquals',
  'StringLessThan',
  'StringGreaterThan',
  'StringLessThanEquals',
  'StringGreaterThanEquals',
  'StringMatches',
  'NumericEquals',
  'NumericLessThan',
  'NumericGreaterThan',
  'NumericLessThanEquals',
  'NumericGreaterThanEquals',
  'BooleanEquals',
  'TimestampEquals',
  'TimestampLessThan',
  'TimestampGreaterThan',
  'TimestampLessThanEquals',
  'TimestampGreaterThanEquals',
  'IsNull',
  'IsPresent',
  'IsNumeric',
  'IsString',
  'IsBoolean',
  'IsTimestamp',
] as const;

/** Every comparison operator name, with its `…Path` variants where AWS has them. */
export const CHOICE_OPERATORS: ReadonlySet<string> = new Set([
  ...COMPARISONS,
  ...COMPARISONS.filter((c) => !c.startsWith('Is') && c !== 'StringMatches').map((c) => `${c}Path`),
]);

/** Evaluates a JSONPath choice rule (And / Or / Not or a comparison on Variable). */
export function evaluateRule(rule: Rule, env: PathEnv): boolean {
  if (Array.isArray(rule.And)) return (rule.And as Rule[]).every((r) => evaluateRule(r, env));
  if (Array.isArray(rule.Or)) return (rule.Or as Rule[]).some((r) => evaluateRule(r, env));
  if (typeof rule.Not === 'object' && rule.Not !== null) return !evaluateRule(rule.Not as Rule, env);
  const variable = String(rule.Variable);
  const operator = Object.keys(rule).find((k) => CHOICE_OPERATORS.has(k));
  if (operator === undefined) {
    throw new StateEvaluationError('States.Runtime', 'The Choice rule has no comparison operator.');
  }
  const found = lookupPath(variable, env);
  if (operator === 'IsPresent') return found.found === rule.IsPresent;
  if (!found.found) {
    throw new StateEvaluationError(
      'States.Runtime',
      `Invalid path '${variable}': The choice state's condition path references an invalid value.`,
    );
  }
  const value = found.value;
  let operand = rule[operator];
  let name = operator;
  if (operator.endsWith('Path')) {
    name = operator.slice(0, -4);
    const ref = lookupPath(String(operand), env);
    if (!ref.found) {
      throw new StateEvaluationError(
        'States.Runtime',
        `Invalid path '${String(operand)}': The choice state's condition path references an invalid value.`,
      );
    }
    operand = ref.value;
  }
  return compare(name, value, operand);
}

function compare(name: string, value: unknown, operand: unknown): boolean {
  switch (name) {
    case 'IsNull':
      return (value === null) === operand;
    case 'IsNumeric':
      return (typeof value === 'number') === operand;
    case 'IsString':
      return (typeof value === 'string') === operand;
    case 'IsBoolean':
      return (typeof value === 'boolean') === operand;
    case 'IsTimestamp':
      return (parseTimestamp(value) !== undefined) === operand;
    case 'BooleanEquals':
      return typeof value === 'boolean' && value === operand;
    case 'StringMatches':
      return typeof value === 'string' && typeof operand === 'string' && wildcardMatch(value, operand);
  }
  if (name.startsWith('String')) {
    if (typeof value !== 'string' || typeof operand !== 'string') return false;
    return order(name.slice(6), value < operand ? -1 : value > operand ? 1 : 0);
  }
  if (name.startsWith('Numeric')) {
    if (typeof value !== 'number' || typeof operand !== 'number') return false;
    return order(name.slice(7), value < operand ? -1 : value > operand ? 1 : 0);
  }
  if (name.startsWith('Timestamp')) {
    const a = parseTimestamp(value);
    const b = parseTimestamp(operand);
    if (a === undefined || b === undefined) return false;
    return order(name.slice(9), compareInstants(a, b));
  }
  return deepEqual(value, operand);
}

function order(relation: string, cmp: number): boolean {
  switch (relation) {
    case 'Equals':
      return cmp === 0;
    case 'LessThan':
      return cmp < 0;
    case 'GreaterThan':
      return cmp > 0;
    case 'LessThanEquals':
      return cmp <= 0;
    case 'GreaterThanEquals':
      return cmp >= 0;
    default:
      return false;
  }
}

const matchers = new Map<string, RegExp>();

/** StringMatches: `*` matches any run of characters; `\*` and `\\` are literal. */
export function wildcardMatch(value: string, pattern: string): boolean {
  let re = matchers.get(pattern);
  if (re === undefined) {
    let source = '';
    for (let i = 0; i < pattern.length; i++) {
      const c = pattern[i]!;
      if (c === '\\' && i + 1 < pattern.length) {
        source += escapeRegExp(pattern[++i]!);
      } else if (c === '*') source += '.*';
      else source += escapeRegExp(c);
    }
    re = new RegExp(`^${source}$`, 's');
    matchers.set(pattern, re);
  }
  return re.test(value);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
