/**
 * Compares what the interpreter produced for a conformance case with what AWS recorded.
 *
 * The recordings replaced volatile values by placeholders, which match any value:
 * - `<...>` tokens (`<ArnPart_0idx>`, `<uuid:1>`, `<region>`), alone or inside a longer string, and
 *   `generated-uuid` standing for a UUID (always);
 * and, in cases flagged `expected_has_placeholders`:
 * - the words `date` and `timestamp` standing for a whole value (a date string, an epoch number, or
 *   the header list it replaced);
 * - `snf_role_arn` and `lambda_function_name`, standing for the execution role ARN and a function
 *   name; `RandomNumberGenerated`, standing for States.MathRandom's number;
 * - a string equal to its own key
 *   (`"RequestId": "RequestId"`), the recorder's key-value replacement of whatever value was there.
 * Everything else compares exactly; numbers compare numerically (`3` equals `3.0`).
 */
import type { ConformanceCase } from './case';

/** What an execution produced, as the runner reports it. */
export interface ActualResult {
  status: string;
  output?: unknown;
  error?: string | undefined;
  cause?: string | undefined;
}

/** The verdict for one case: `pass`, and the first differences found when it fails. */
export interface Verdict {
  pass: boolean;
  differences: string[];
}

/** Placeholder words standing for one whole string value. */
const STRING_PLACEHOLDERS = new Set(['snf_role_arn', 'lambda_function_name']);
/** Placeholder words standing for one whole value of any type. */
const VALUE_PLACEHOLDERS = new Set(['date', 'timestamp']);
/** Placeholder words standing for one number (States.MathRandom's result). */
const NUMBER_PLACEHOLDERS = new Set(['RandomNumberGenerated']);
const TOKEN = /<[^<>\s]{1,80}>/g;
const HAS_TOKEN = /<[^<>\s]{1,80}>/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when `expected` (which may hold placeholders) matches the actual string. */
export function stringMatches(expected: string, actual: string): boolean {
  if (expected === actual) return true;
  if (expected === 'generated-uuid') return UUID.test(actual);
  if (!HAS_TOKEN.test(expected)) return false;
  const pattern = expected
    .split(TOKEN)
    .map((part) => escapeRegExp(part))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(actual);
}

interface CompareOptions {
  /** The case's `expected_has_placeholders`: enables the placeholder words and key-name placeholders. */
  keyPlaceholders: boolean;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? 'undefined' : text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** Structural comparison with placeholders; appends differences (with their JSON path) to `out`. */
export function compareValues(
  expected: unknown,
  actual: unknown,
  path: string,
  out: string[],
  options: CompareOptions,
  key?: string,
): void {
  if (out.length >= 5) return;
  if (typeof expected === 'string') {
    if (options.keyPlaceholders) {
      if (VALUE_PLACEHOLDERS.has(expected) && actual !== undefined && actual !== null) return;
      if (key !== undefined && expected === key && actual !== undefined) return;
      if (STRING_PLACEHOLDERS.has(expected) && typeof actual === 'string') return;
      if (NUMBER_PLACEHOLDERS.has(expected) && typeof actual === 'number') return;
    }
    if (typeof actual === 'string' && stringMatches(expected, actual)) return;
    out.push(`${path}: expected ${describe(expected)}, got ${describe(actual)}`);
    return;
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number' || actual !== expected) {
      out.push(`${path}: expected ${describe(expected)}, got ${describe(actual)}`);
    }
    return;
  }
  if (expected === null || typeof expected === 'boolean') {
    if (actual !== expected) out.push(`${path}: expected ${describe(expected)}, got ${describe(actual)}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) {
      out.push(`${path}: expected an array, got ${describe(actual)}`);
      return;
    }
    if (actual.length !== expected.length) {
      out.push(`${path}: expected ${expected.length} items, got ${actual.length}: ${describe(actual)}`);
      return;
    }
    expected.forEach((item, i) => {
      compareValues(item, actual[i], `${path}[${i}]`, out, options);
    });
    return;
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) {
      out.push(`${path}: expected an object, got ${describe(actual)}`);
      return;
    }
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    const missing = Object.keys(e).filter((k) => !Object.hasOwn(a, k));
    const extra = Object.keys(a).filter((k) => !Object.hasOwn(e, k));
    if (missing.length > 0) out.push(`${path}: missing keys ${missing.join(', ')}`);
    if (extra.length > 0) out.push(`${path}: unexpected keys ${extra.join(', ')}`);
    for (const k of Object.keys(e)) {
      if (Object.hasOwn(a, k)) compareValues(e[k], a[k], `${path}.${k}`, out, options, k);
    }
    return;
  }
  out.push(`${path}: cannot compare expected ${describe(expected)}`);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Parses JSON strings nested in a value, as the recorder's JsonStringTransformer did for outputs
 * marked `parsed-by-JsonStringTransformer`.
 */
function parseNestedJsonStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      const parsed = parseJson(value);
      if (parsed.ok) return parseNestedJsonStrings(parsed.value);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map(parseNestedJsonStrings);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, parseNestedJsonStrings(v)]));
  }
  return value;
}

function compareOptional(
  label: string,
  expected: string | null | undefined,
  actual: string | undefined,
  out: string[],
): void {
  const e = expected ?? undefined;
  const a = actual === '' || actual === null ? undefined : actual;
  if (e === undefined || a === undefined) {
    if (e !== a) out.push(`${label}: expected ${describe(e ?? null)}, got ${describe(a ?? null)}`);
    return;
  }
  if (!stringMatches(e, a)) out.push(`${label}: expected ${describe(e)}, got ${describe(a)}`);
}

/** Judges one case: status, then output (SUCCEEDED) or error and cause (the other statuses). */
export function judge(testCase: ConformanceCase, actual: ActualResult): Verdict {
  const expected = testCase.expected;
  const differences: string[] = [];
  const options = { keyPlaceholders: testCase.expected_has_placeholders === true };
  if (actual.status !== expected.status) {
    differences.push(`status: expected ${expected.status}, got ${actual.status}`);
    if (actual.error !== undefined) differences.push(`error ${actual.error}: ${describe(actual.cause)}`);
    return { pass: false, differences };
  }
  if (expected.status === 'SUCCEEDED') {
    const output = (expected.output_repr ?? '').startsWith('parsed-by-JsonStringTransformer')
      ? parseNestedJsonStrings(actual.output)
      : actual.output;
    compareValues(expected.output ?? null, output ?? null, '$', differences, options);
  } else {
    compareOptional('error', expected.error, actual.error, differences);
    if (expected.cause_repr === 'parsed-object' && expected.cause !== null && expected.cause !== undefined) {
      const parsed = actual.cause === undefined ? { ok: false as const } : parseJson(actual.cause);
      if (!parsed.ok) differences.push(`cause: expected a JSON object, got ${describe(actual.cause)}`);
      else compareValues(expected.cause, parsed.value, 'cause', differences, options);
    } else {
      compareOptional('cause', expected.cause as string | null | undefined, actual.cause, differences);
    }
  }
  return { pass: differences.length === 0, differences };
}

/** The part of a history event the history check compares. */
export interface EventSkeleton {
  id: number;
  previousEventId: number;
  type: string;
}

/**
 * Compares the shape of an execution history with the recorded one: the same event types in the
 * same order, with the same ids and previousEventIds (where the recording pins them).
 * Undefined when they agree, else the first disagreement. (Event details are not compared.)
 */
export function compareHistory(
  expected: readonly EventSkeleton[],
  actual: readonly EventSkeleton[],
): string | undefined {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === undefined) return `event ${i + 1}: unexpected ${a?.type}`;
    if (a === undefined) return `event ${i + 1}: missing ${e.type}`;
    if (e.type !== a.type) return `event ${i + 1} is ${e.type} in the recording, got ${a.type}`;
    // The recorder zeroes the ids of events whose order AWS does not fix (parallel branches), or writes them as `[0]`.
    const pinned = typeof e.id === 'number' && e.id !== 0;
    if (pinned && (e.id !== a.id || e.previousEventId !== a.previousEventId)) {
      return `event ${i + 1} (${e.type}) is id ${e.id} after ${e.previousEventId} in the recording, got id ${a.id} after ${a.previousEventId}`;
    }
  }
  return undefined;
}
