/**
 * The intrinsic functions of the Amazon States Language, with the results AWS Step Functions
 * returns (checked against executions recorded on AWS) and its documented input validation.
 * Every failure is a `States.Runtime` StateEvaluationError (a StatesError the state runner prefixes with
 * "An error occurred while executing the state '<name>' …"): AWS reserves `States.IntrinsicFailure`
 * and reports intrinsic processing errors as `States.Runtime`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { StateEvaluationError } from '../errors';

/** What an intrinsic function receives besides its argument values. */
export interface IntrinsicContext {
  /** The call as written, for error messages. */
  readonly text: string;
  /** The template of States.Format when written as a literal: its source with escapes. */
  readonly rawTemplate?: string;
  readonly random: () => number;
  readonly uuid: () => string;
}

export type IntrinsicFunction = (args: unknown[], context: IntrinsicContext) => unknown;

/** Largest string States.Base64Encode / Base64Decode / Hash accept, in characters. */
export const MAX_STRING_INPUT = 10_000;
/** Most items States.ArrayRange may produce. */
export const MAX_RANGE_ITEMS = 1000;

function fail(context: IntrinsicContext, detail: string): never {
  throw new StateEvaluationError('States.Runtime', `The function '${context.text}' failed: ${detail}`);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function arity(args: unknown[], context: IntrinsicContext, name: string, min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    fail(context, `${name} takes ${expected} argument(s), but ${args.length} were given`);
  }
}

function expectArray(value: unknown, context: IntrinsicContext, which: string): unknown[] {
  if (!Array.isArray(value))
    fail(context, `the ${which} argument must be an array, but was ${typeName(value)}`);
  return value;
}

function expectString(value: unknown, context: IntrinsicContext, which: string): string {
  if (typeof value !== 'string') {
    fail(context, `the ${which} argument must be a string, but was ${typeName(value)}`);
  }
  return value;
}

function expectNumber(value: unknown, context: IntrinsicContext, which: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(context, `the ${which} argument must be a number, but was ${typeName(value)}`);
  }
  return value;
}

function expectInteger(value: unknown, context: IntrinsicContext, which: string): number {
  const n = expectNumber(value, context, which);
  if (!Number.isInteger(n)) fail(context, `the ${which} argument must be an integer, but was ${n}`);
  return n;
}

/** Structural JSON equality (object key order does not matter; numbers compare by value). */
export function jsonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEquals(item, b[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) =>
      Object.hasOwn(b as object, k) &&
      jsonEquals((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

/**
 * A number as AWS's Java runtime prints it: integers plainly; other doubles as Java's
 * Double.toString, in `1.0E-5` form below 1e-3 and from 1e7.
 */
export function javaNumber(value: number): string {
  if (Object.is(value, -0)) return '0';
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e7) return String(value);
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

/** JSON text as AWS's Java serialiser writes it: compact, doubles in Java's notation. */
export function javaJson(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? javaNumber(value) : 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(javaJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${javaJson(v)}`).join(',')}}`;
}

/**
 * How States.Format renders an argument: AWS's Java runtime prints strings bare, `null`, numbers and
 * booleans as in JSON, objects as `{k=v, k2=v2}` and arrays as `[a, b]` (Java collection toString).
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return javaNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}=${formatValue(v)}`);
  return `{${entries.join(', ')}}`;
}

/** Splits a template into literal text and `{}` placeholders, honouring `\{`, `\}`, `\'`, `\\` when raw. */
function templateParts(template: string, raw: boolean): { parts: string[]; placeholders: number } {
  const parts: string[] = [''];
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (raw && c === '\\' && i + 1 < template.length) {
      const next = template[i + 1]!;
      parts[parts.length - 1] +=
        next === "'" || next === '{' || next === '}' || next === '\\' ? next : c + next;
      i++;
    } else if (c === '{' && template[i + 1] === '}') {
      parts.push('');
      i++;
    } else {
      parts[parts.length - 1] += c;
    }
  }
  return { parts, placeholders: parts.length - 1 };
}

const format: IntrinsicFunction = (args, context) => {
  if (args.length < 1) fail(context, 'States.Format takes at least 1 argument, but 0 were given');
  const template = expectString(args[0], context, 'first');
  const values = args.slice(1);
  const { parts, placeholders } =
    context.rawTemplate === undefined
      ? templateParts(template, false)
      : templateParts(context.rawTemplate, true);
  if (placeholders !== values.length) {
    fail(
      context,
      `the template has ${placeholders} placeholder(s) '{}' but ${values.length} value argument(s) were given`,
    );
  }
  let out = parts[0]!;
  for (let i = 0; i < values.length; i++) out += formatValue(values[i]) + parts[i + 1]!;
  return out;
};

const stringToJson: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.StringToJson', 1);
  const text = expectString(args[0], context, 'first');
  if (text.trim() === '') return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return Object.is(parsed, -0) ? 0 : parsed;
  } catch (error) {
    return fail(context, `the argument is not valid JSON text (${(error as Error).message})`);
  }
};

const jsonToString: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.JsonToString', 1);
  return javaJson(args[0] ?? null);
};

const array: IntrinsicFunction = (args) => [...args];

const arrayPartition: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayPartition', 2);
  const items = expectArray(args[0], context, 'first');
  const size = expectInteger(args[1], context, 'second');
  if (size <= 0) fail(context, `the chunk size must be greater than 0, but was ${size}`);
  const chunks: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

const arrayContains: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayContains', 2);
  const items = expectArray(args[0], context, 'first');
  return items.some((item) => jsonEquals(item, args[1]));
};

const arrayRange: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayRange', 3);
  const first = expectInteger(args[0], context, 'first');
  const last = expectInteger(args[1], context, 'second');
  const step = expectInteger(args[2], context, 'third');
  if (step === 0) fail(context, 'the step (third argument) must not be 0');
  const out: number[] = [];
  for (let v = first; step > 0 ? v <= last : v >= last; v += step) {
    if (out.length === MAX_RANGE_ITEMS) {
      fail(context, `the range would contain more than ${MAX_RANGE_ITEMS} items`);
    }
    out.push(v);
  }
  return out;
};

const arrayGetItem: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayGetItem', 2);
  const items = expectArray(args[0], context, 'first');
  const index = expectInteger(args[1], context, 'second');
  if (index < 0 || index >= items.length) {
    fail(context, `the index ${index} is out of bounds for an array of length ${items.length}`);
  }
  return items[index];
};

const arrayLength: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayLength', 1);
  return expectArray(args[0], context, 'first').length;
};

const arrayUnique: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.ArrayUnique', 1);
  const items = expectArray(args[0], context, 'first');
  const out: unknown[] = [];
  for (const item of items) if (!out.some((seen) => jsonEquals(seen, item))) out.push(item);
  return out;
};

function limitedString(value: unknown, context: IntrinsicContext, which: string): string {
  const text = expectString(value, context, which);
  if (text.length > MAX_STRING_INPUT) {
    fail(context, `the ${which} argument is longer than ${MAX_STRING_INPUT} characters`);
  }
  return text;
}

const base64Encode: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.Base64Encode', 1);
  return Buffer.from(limitedString(args[0], context, 'first'), 'utf8').toString('base64');
};

/** Base64 text; the trailing `=` padding is optional, as Java's decoder (AWS's runtime) accepts it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

const base64Decode: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.Base64Decode', 1);
  const text = limitedString(args[0], context, 'first');
  if (!BASE64.test(text)) fail(context, 'the argument is not valid base64 text');
  return Buffer.from(text, 'base64').toString('utf8');
};

const HASH_ALGORITHMS: Readonly<Record<string, string>> = {
  MD5: 'md5',
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Hex digest of `data` (UTF-8) with one of AWS's algorithm names; undefined for an unknown name. */
export function hashHex(data: string, algorithm: string): string | undefined {
  const nodeName = HASH_ALGORITHMS[algorithm];
  return nodeName === undefined ? undefined : createHash(nodeName).update(data, 'utf8').digest('hex');
}

const hash: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.Hash', 2);
  if (args[0] === null || args[0] === undefined) fail(context, 'the data (first argument) must not be null');
  const data = typeof args[0] === 'string' ? args[0] : JSON.stringify(args[0]);
  if (data.length > MAX_STRING_INPUT) {
    fail(context, `the first argument is longer than ${MAX_STRING_INPUT} characters`);
  }
  const algorithm = expectString(args[1], context, 'second');
  const digest = hashHex(data, algorithm);
  if (digest === undefined) {
    fail(
      context,
      `the algorithm '${algorithm}' is not supported; use one of ${Object.keys(HASH_ALGORITHMS).join(', ')}`,
    );
  }
  return digest;
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const jsonMerge: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.JsonMerge', 3);
  const [left, right, deep] = args;
  if (!isPlainObject(left))
    fail(context, `the first argument must be a JSON object, but was ${typeName(left)}`);
  if (!isPlainObject(right)) {
    fail(context, `the second argument must be a JSON object, but was ${typeName(right)}`);
  }
  if (typeof deep !== 'boolean')
    fail(context, `the third argument must be a boolean, but was ${typeName(deep)}`);
  if (deep) fail(context, 'only shallow merging is supported: the third argument must be false');
  return { ...left, ...right };
};

/** The 32-bit signed range AWS's integer arguments must fit in. */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** A deterministic generator in [0, 1) for a seed (mulberry32): the same seed gives the same numbers. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const mathRandom: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.MathRandom', 2, 3);
  // AWS accepts non-integer bounds (States.MathRandom(12.5, 44.51) succeeds) and rounds them.
  const start = javaRound(expectNumber(args[0], context, 'first'));
  const end = javaRound(expectNumber(args[1], context, 'second'));
  const random = args.length === 3 ? seededRandom(expectInteger(args[2], context, 'third')) : context.random;
  if (start >= end) fail(context, `the start (${start}) must be less than the end (${end})`);
  return start + Math.floor(random() * (end - start));
};

/** Java's Math.round: half rounds towards positive infinity (JS Math.round does the same). */
function javaRound(n: number): number {
  const r = Math.round(n);
  return Object.is(r, -0) ? 0 : r;
}

const mathAdd: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.MathAdd', 2);
  const a = javaRound(expectNumber(args[0], context, 'first'));
  const b = javaRound(expectNumber(args[1], context, 'second'));
  for (const v of [a, b]) {
    if (v < INT_MIN || v > INT_MAX)
      fail(context, `the value ${v} is outside the range ${INT_MIN} to ${INT_MAX}`);
  }
  return a + b;
};

/** Splits on every character of `delimiters` and drops empty pieces (Java StringTokenizer). */
export function tokenize(text: string, delimiters: string): string[] {
  const set = new Set(Array.from(delimiters));
  const out: string[] = [];
  let current = '';
  for (const ch of text) {
    if (set.has(ch)) {
      if (current !== '') out.push(current);
      current = '';
    } else current += ch;
  }
  if (current !== '') out.push(current);
  return out;
}

const stringSplit: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.StringSplit', 2);
  const text = expectString(args[0], context, 'first');
  const delimiters = expectString(args[1], context, 'second');
  return tokenize(text, delimiters);
};

const uuid: IntrinsicFunction = (args, context) => {
  arity(args, context, 'States.UUID', 0);
  return context.uuid();
};

/** Every intrinsic function, by its full name. */
export const INTRINSIC_FUNCTIONS: Readonly<Record<string, IntrinsicFunction>> = {
  'States.Format': format,
  'States.StringToJson': stringToJson,
  'States.JsonToString': jsonToString,
  'States.Array': array,
  'States.ArrayPartition': arrayPartition,
  'States.ArrayContains': arrayContains,
  'States.ArrayRange': arrayRange,
  'States.ArrayGetItem': arrayGetItem,
  'States.ArrayLength': arrayLength,
  'States.ArrayUnique': arrayUnique,
  'States.Base64Encode': base64Encode,
  'States.Base64Decode': base64Decode,
  'States.Hash': hash,
  'States.JsonMerge': jsonMerge,
  'States.MathRandom': mathRandom,
  'States.MathAdd': mathAdd,
  'States.StringSplit': stringSplit,
  'States.UUID': uuid,
};

/** Default UUID source: a random version-4 UUID. */
export const defaultUuid = (): string => randomUUID();
