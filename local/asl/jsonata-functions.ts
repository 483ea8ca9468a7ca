/**
 * The JSONata functions AWS Step Functions adds to JSONata 2.0 (`$partition`, `$range`, `$hash`,
 * `$random` with an optional seed, `$uuid`, `$parse`), as bindings for `expression.evaluate(input, bindings)`.
 * A failing call throws a plain Error whose message says what was expected; the interpreter wraps it
 * into `States.QueryEvaluationError` with the expression and field, as AWS reports it.
 *
 * @example
 * ```ts
 * await jsonata('$partition([1,2,3], 2)').evaluate(null, awsJsonataBindings()); // [[1,2],[3]]
 * ```
 */
import { randomUUID } from 'node:crypto';
import { hashHex, MAX_RANGE_ITEMS, seededRandom } from './intrinsics/functions';

/** Options of {@link awsJsonataBindings}. */
export interface AwsJsonataOptions {
  /** Source of `$random()` without a seed (default Math.random). */
  random?: () => number;
  /** Source of `$uuid()` (default a random v4 UUID). */
  uuid?: () => string;
  /** Accepted for API compatibility; AWS's `$partition` is the array function, not the AWS partition. */
  partition?: string;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** JSONata treats a single value as a one-item array. */
function asArray(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? Array.from(value) : [value];
}

/** `$partition(array, size)`: consecutive chunks of `size` items, the last one possibly shorter. */
export function partition(array: unknown, size: unknown): unknown[][] | undefined {
  const items = asArray(array);
  if (items === undefined) return undefined;
  // AWS fails $partition on an empty array (States.ArrayPartition returns [] instead).
  if (items.length === 0) throw new Error('$partition: the array must not be empty');
  if (!isInteger(size) || size <= 0) {
    throw new Error(`$partition: the chunk size must be a positive integer, but was ${JSON.stringify(size)}`);
  }
  const chunks: unknown[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A JSONata sequence: a one-item result collapses to the item, as AWS's `$range(1, 9, 9)` gives `1`. */
function sequence<T>(items: T[]): T[] {
  return Object.defineProperty(items, 'sequence', { value: true, enumerable: false });
}

/**
 * `$range(start, end, step?)`: integers from start to end inclusive, `step` apart (default 1), as a
 * JSONata sequence (AWS returns `1`, not `[1]`, for `$range(1, 9, 9)`).
 */
export function range(start: unknown, end: unknown, step: unknown = 1): number[] {
  if (!isInteger(start) || !isInteger(end) || !isInteger(step)) {
    throw new Error(
      `$range: start, end and step must be integers, but were ${JSON.stringify(start)}, ${JSON.stringify(end)}, ${JSON.stringify(step)}`,
    );
  }
  if (step === 0) throw new Error('$range: the step must not be 0');
  const out: number[] = [];
  for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
    if (out.length === MAX_RANGE_ITEMS)
      throw new Error(`$range: the range would exceed ${MAX_RANGE_ITEMS} items`);
    out.push(v);
  }
  return sequence(out);
}

/** `$hash(value, algorithm)`: hex digest with MD5, SHA-1, SHA-256, SHA-384 or SHA-512. */
export function hash(value: unknown, algorithm: unknown = 'SHA-256'): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string')
    throw new Error(`$hash: the value must be a string, but was ${typeName(value)}`);
  const digest = typeof algorithm === 'string' ? hashHex(value, algorithm) : undefined;
  if (digest === undefined) {
    throw new Error(
      `$hash: the algorithm ${JSON.stringify(algorithm)} is not supported; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512`,
    );
  }
  return digest;
}

/** `$parse(text)`: the JSON value `text` holds. */
export function parse(text: unknown): unknown {
  if (text === undefined) return undefined;
  if (typeof text !== 'string')
    throw new Error(`$parse: the argument must be a string, but was ${typeName(text)}`);
  try {
    const value: unknown = JSON.parse(text);
    return Object.is(value, -0) ? 0 : value;
  } catch (error) {
    throw new Error(`$parse: the argument is not valid JSON text: ${(error as Error).message}`);
  }
}

/** The functions AWS binds when it evaluates JSONata, ready to pass as `evaluate` bindings. */
export function awsJsonataBindings(options: AwsJsonataOptions = {}): Record<string, unknown> {
  const random = options.random ?? Math.random;
  const uuid = options.uuid ?? (() => randomUUID());
  return {
    partition,
    range,
    hash,
    random: (seed?: unknown): number => {
      if (seed === undefined) return random();
      if (typeof seed !== 'number' || !Number.isFinite(seed)) {
        throw new Error(`$random: the seed must be a number, but was ${typeName(seed)}`);
      }
      return seededRandom(Math.trunc(seed))();
    },
    uuid: (): string => uuid(),
    parse,
  };
}
