/**
 * Reading a JSON payload field by field with the path of each field in every message
 * (`spot.maxWaitSeconds must be an integer between 1 and 2419200, got "ten"`), unknown fields rejected
 * by name with the closest known name suggested, and every problem reported at once.
 */
import { capMessage, InputValidationError } from './errors';

/** Edit distance between two strings (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const prev = d[i - 1] as number[];
      let best = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The candidate closest to `name` (case-insensitive), if it is close enough to be a likely typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const allowed = Math.max(2, Math.floor(name.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** Collects the problems found in one payload; {@link Problems.throwIfAny} reports them together. */
export class Problems {
  private readonly list: { field: string; message: string }[] = [];

  constructor(
    /** What is being validated, for the message: `training input`. */
    readonly subject: string,
    /** Every field path of the payload, to suggest a field that sits at another level. */
    readonly knownPaths: readonly string[] = [],
  ) {}

  add(field: string, message: string): void {
    this.list.push({ field, message });
  }

  get count(): number {
    return this.list.length;
  }

  /** @throws {InputValidationError} listing every problem; `field` is the first one's path. */
  throwIfAny(): void {
    const first = this.list[0];
    if (first === undefined) return;
    const lines = this.list.map((p) => capMessage(p.message));
    const message =
      lines.length === 1
        ? `Invalid ${this.subject}: ${lines[0]}`
        : `Invalid ${this.subject} (${lines.length} problems): ${lines.join('; ')}`;
    throw new InputValidationError(message, first.field);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function join(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** Options of a string field. */
export interface StringOptions {
  readonly allowed?: readonly string[];
  readonly pattern?: RegExp;
  /** What the pattern means, for the message. */
  readonly patternHint?: string;
}

/** Options of a numeric field. */
export interface NumberOptions {
  readonly min?: number;
  readonly max?: number;
}

/**
 * One JSON object of the payload. Construction rejects fields not in `known`; getters return the
 * checked value, or `undefined` (absent or invalid: the problem is recorded, the caller goes on to
 * find the next one).
 */
export class FieldReader {
  private readonly value: Record<string, unknown>;

  constructor(
    value: unknown,
    private readonly path: string,
    known: readonly string[],
    private readonly problems: Problems,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.add(path || '(root)', `${path || 'the input'} must be a JSON object, got ${describe(value)}`);
      this.value = {};
      return;
    }
    this.value = value as Record<string, unknown>;
    for (const name of Object.keys(this.value)) {
      if (known.includes(name)) continue;
      const full = join(path, name === '' ? '""' : name);
      problems.add(full, `unknown field '${full}'${suggestion(name, path, known, problems.knownPaths)}`);
    }
  }

  /** True when the field is present (and not null). */
  has(name: string): boolean {
    return this.value[name] !== undefined && this.value[name] !== null;
  }

  /** The raw value of a field. */
  raw(name: string): unknown {
    return this.value[name];
  }

  /** The path of a field, for messages. */
  pathOf(name: string): string {
    return join(this.path, name);
  }

  string(name: string, options: StringOptions = {}): string | undefined {
    if (!this.has(name)) return undefined;
    const value = this.value[name];
    const field = this.pathOf(name);
    if (typeof value !== 'string' || value === '') {
      this.problems.add(field, `${field} must be a non-empty string, got ${describe(value)}`);
      return undefined;
    }
    if (options.allowed !== undefined && !options.allowed.includes(value)) {
      const near = closest(value, options.allowed);
      const hint = near === undefined ? '' : ` (did you mean '${near}'?)`;
      this.problems.add(
        field,
        `${field} must be one of ${options.allowed.map((a) => `'${a}'`).join(', ')}, got ${describe(value)}${hint}`,
      );
      return undefined;
    }
    if (options.pattern !== undefined && !options.pattern.test(value)) {
      this.problems.add(
        field,
        `${field} must be ${options.patternHint ?? `like ${options.pattern}`}, got ${describe(value)}`,
      );
      return undefined;
    }
    return value;
  }

  integer(name: string, options: NumberOptions = {}): number | undefined {
    return this.numeric(name, options, true);
  }

  number(name: string, options: NumberOptions = {}): number | undefined {
    return this.numeric(name, options, false);
  }

  boolean(name: string): boolean | undefined {
    if (!this.has(name)) return undefined;
    const value = this.value[name];
    if (typeof value !== 'boolean') {
      const field = this.pathOf(name);
      this.problems.add(field, `${field} must be true or false, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  /** A nested object, read with its own known fields; `undefined` when absent. */
  object(name: string, known: readonly string[]): FieldReader | undefined {
    if (!this.has(name)) return undefined;
    return new FieldReader(this.value[name], this.pathOf(name), known, this.problems);
  }

  /** Records a problem about a field of this object. */
  problem(name: string, message: string): void {
    this.problems.add(this.pathOf(name), message);
  }

  private numeric(name: string, options: NumberOptions, integer: boolean): number | undefined {
    if (!this.has(name)) return undefined;
    const value = this.value[name];
    const field = this.pathOf(name);
    const min = options.min ?? Number.NEGATIVE_INFINITY;
    const max = options.max ?? Number.POSITIVE_INFINITY;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value)) &&
      value >= min &&
      value <= max;
    if (!ok) {
      const kind = integer ? 'an integer' : 'a number';
      const bounds =
        options.min !== undefined && options.max !== undefined
          ? ` between ${min} and ${max}`
          : options.min !== undefined
            ? ` ≥ ${min}`
            : options.max !== undefined
              ? ` ≤ ${max}`
              : '';
      this.problems.add(field, `${field} must be ${kind}${bounds}, got ${describe(value)}`);
      return undefined;
    }
    return value as number;
  }
}

function suggestion(
  name: string,
  path: string,
  known: readonly string[],
  knownPaths: readonly string[],
): string {
  const near = closest(name, known);
  if (near !== undefined) return ` (did you mean '${join(path, near)}'?)`;
  const elsewhere = knownPaths.filter((p) => p.split('.').at(-1) === name);
  if (elsewhere.length > 0) return ` (did you mean '${elsewhere[0]}'?)`;
  const nearPath = closest(name, knownPaths);
  if (nearPath !== undefined) return ` (did you mean '${nearPath}'?)`;
  return known.length > 0 ? `; known fields here: ${known.join(', ')}` : '';
}
