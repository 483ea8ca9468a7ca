/**
 * Hyperparameter schemas of the built-in algorithms (SPEC §11.6) and one validator that answers
 * the way the algorithm containers do: every value arrives as a string (CreateTrainingJob), is
 * parsed by its kind, checked against its range or choices, and defaults fill what is absent.
 *
 * The failure texts follow the built-in algorithms' `(caused by ValidationError)` reasons; their
 * exact wording is inferred (docs/algorithms.md).
 */
import { HyperparameterValidationError } from '../errors';

/** How a hyperparameter's string is read. */
export type HyperparameterKind = 'integer' | 'float' | 'boolean' | 'choice' | 'string';

/** One documented hyperparameter. */
export interface HyperparameterSpec {
  readonly kind: HyperparameterKind;
  readonly required?: boolean;
  /** The container's default (as its string); absent = no default. */
  readonly default?: string;
  readonly min?: number;
  readonly max?: number;
  /** Strict bounds (`min < x`, `x < max`). */
  readonly exclusiveMin?: boolean;
  readonly exclusiveMax?: boolean;
  /** Allowed values for `choice`; for numbers, extra words accepted as well (`auto`). */
  readonly choices?: readonly string[];
  /** What the container says it expects (used in the message). */
  readonly expects?: string;
}

/** A schema: hyperparameter name → spec. */
export type HyperparameterSchema = Readonly<Record<string, HyperparameterSpec>>;

/** Validated hyperparameters: numbers, booleans or strings (`auto` and choices stay strings). */
export type HyperparameterValues = Readonly<Record<string, number | boolean | string>>;

function expectation(spec: HyperparameterSpec): string {
  if (spec.expects !== undefined) return spec.expects;
  if (spec.kind === 'choice') return `one of ${spec.choices!.map((c) => `'${c}'`).join(', ')}`;
  if (spec.kind === 'boolean') return "'true' or 'false'";
  const what = spec.kind === 'integer' ? 'an integer' : 'a number';
  const bounds: string[] = [];
  if (spec.min !== undefined) bounds.push(`${spec.exclusiveMin === true ? '>' : '>='} ${spec.min}`);
  if (spec.max !== undefined) bounds.push(`${spec.exclusiveMax === true ? '<' : '<='} ${spec.max}`);
  const extra = spec.choices === undefined ? '' : ` or ${spec.choices.map((c) => `'${c}'`).join(', ')}`;
  return `${what}${bounds.length > 0 ? ` ${bounds.join(' and ')}` : ''}${extra}`;
}

function invalid(name: string, value: string, spec: HyperparameterSpec): HyperparameterValidationError {
  return new HyperparameterValidationError(
    `The value '${value}' is not valid for the '${name}' hyperparameter which expects ${expectation(spec)} (caused by ValidationError)`,
    name,
  );
}

function parseValue(name: string, value: string, spec: HyperparameterSpec): number | boolean | string {
  const text = value.trim();
  if (spec.kind === 'string') return text;
  if (spec.kind === 'boolean') {
    const lower = text.toLowerCase();
    if (lower === 'true' || lower === '1') return true;
    if (lower === 'false' || lower === '0') return false;
    throw invalid(name, value, spec);
  }
  if (spec.kind === 'choice') {
    if (!spec.choices!.includes(text)) throw invalid(name, value, spec);
    return text;
  }
  if (spec.choices?.includes(text) === true) return text;
  const n = spec.kind === 'integer' ? (/^[-+]?\d+$/.test(text) ? Number(text) : Number.NaN) : Number(text);
  if (text === '' || !Number.isFinite(n)) throw invalid(name, value, spec);
  if (spec.min !== undefined && (spec.exclusiveMin === true ? n <= spec.min : n < spec.min)) {
    throw invalid(name, value, spec);
  }
  if (spec.max !== undefined && (spec.exclusiveMax === true ? n >= spec.max : n > spec.max)) {
    throw invalid(name, value, spec);
  }
  return n;
}

/**
 * Validates string hyperparameters against a schema; returns every documented one with its
 * default filled in.
 *
 * @throws {HyperparameterValidationError} for a missing required, an extraneous or an invalid value.
 * @example
 * validateHyperparameterValues(KMEANS_HYPERPARAMETERS, { k: '10', feature_dim: '64' }).k; // 10
 */
export function validateHyperparameterValues(
  schema: HyperparameterSchema,
  given: Readonly<Record<string, string>>,
): HyperparameterValues {
  const extra = Object.keys(given).filter((k) => !(k in schema) && !k.startsWith('_'));
  if (extra.length > 0) {
    throw new HyperparameterValidationError(
      `Additional hyperparameters are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length === 1 ? 'was' : 'were'} unexpected) (caused by ValidationError)`,
      extra[0],
    );
  }
  const missing = Object.entries(schema)
    .filter(([name, spec]) => spec.required === true && given[name] === undefined)
    .map(([name]) => name);
  if (missing.length > 0) {
    throw new HyperparameterValidationError(
      `No value(s) were specified for ${missing.map((k) => `'${k}'`).join(', ')} which are required hyperparameter(s) (caused by ValidationError)`,
      missing[0],
    );
  }
  const out: Record<string, number | boolean | string> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) continue;
    out[name] = parseValue(name, value, spec);
  }
  return out;
}
