/**
 * The one error hierarchy of sparkmaker.
 *
 * Every class sets an explicit `name`: that name is what a Lambda reports as `errorType`, what a
 * Step Functions `Retry` / `Catch` matches in `ErrorEquals`, and what the CLI prints. A test checks
 * that every `ErrorEquals` in `statemachines/` is either `States.*` or one of these names, so rename
 * with care. Area modules may add subclasses here (keep them grouped by area).
 */

/** Options accepted by every sparkmaker error: the standard `cause`. */
export type SparkmakerErrorOptions = ErrorOptions;

/** The longest error message sparkmaker makes, in characters; longer ones are cut in the middle. */
export const MAX_MESSAGE_CHARS = 500;

/**
 * Cuts a message longer than `max` characters in the middle, saying how much was cut, so that a
 * message quoting input (a 20 MB header line) stays readable and its end (the location) survives:
 * `no label column 'label' in x.csv (columns: a, b, … [20971012 characters cut] …, y, z)`.
 *
 * @example
 * ```ts
 * capMessage('x'.repeat(10_000)).length; // <= 500
 * ```
 */
export function capMessage(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const marker = (n: number) => ` … [${n} characters cut] … `;
  const room = Math.max(0, max - marker(text.length).length);
  let tail = Math.floor(room * 0.3);
  let head = room - tail;
  // Never split a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text.charAt(head - 1))) head--;
  if (/[\uDC00-\uDFFF]/.test(text.charAt(text.length - tail))) tail--;
  return `${text.slice(0, head)}${marker(text.length - head - tail)}${text.slice(text.length - tail)}`;
}

/**
 * The text of an execution's `cause` fit to show a person: a Lambda error envelope
 * (`{"errorType", "errorMessage", "trace"}`) gives its message only, plain text loses its stack
 * frames (`    at …` lines), and either is capped with {@link capMessage}. The full cause, trace
 * included, stays in the execution's history.
 */
export function causeForDisplay(cause: string): string {
  try {
    const value = JSON.parse(cause) as unknown;
    if (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { errorMessage?: unknown }).errorMessage === 'string'
    ) {
      return capMessage((value as { errorMessage: string }).errorMessage);
    }
  } catch {
    // not JSON: plain text
  }
  return capMessage(
    cause
      .split('\n')
      .filter((line) => !/^\s+at\s/.test(line))
      .join('\n'),
  );
}

/** Base class of every error sparkmaker throws on purpose; its message is capped ({@link capMessage}). */
export class SparkmakerError extends Error {
  constructor(message: string, options?: SparkmakerErrorOptions, maxChars = MAX_MESSAGE_CHARS) {
    super(capMessage(message, maxChars), options);
    this.name = 'SparkmakerError';
  }
}

/**
 * The longest message of an input validation error: it lists every problem of a run input at once
 * (each capped at {@link MAX_MESSAGE_CHARS}), so a user fixes them in one go.
 */
export const MAX_VALIDATION_MESSAGE_CHARS = 2000;

// ---------------------------------------------------------------------------------------------
// Formats (shared/formats)

/** Where in an input a format error was found. Every field is optional; give what is known. */
export interface FormatErrorLocation {
  /** The file or object the bytes came from, when the caller knows it. */
  readonly source?: string;
  /** 1-based line number (text formats). */
  readonly line?: number;
  /** 1-based column number (text formats). */
  readonly column?: number;
  /** 0-based byte offset from the start of the input. */
  readonly offset?: number;
  /** Name of the field or column concerned. */
  readonly field?: string;
}

/** Malformed bytes in a data format: the message says what was expected and where. */
export class FormatError extends SparkmakerError {
  readonly location: FormatErrorLocation;
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(`${message}${describeLocation(location)}`, options);
    this.name = 'FormatError';
    this.location = location;
  }
}

/** Renders a location as ` (file x, line 3, column 4, byte 17)`; empty when nothing is known. */
export function describeLocation(location: FormatErrorLocation): string {
  const parts: string[] = [];
  if (location.source !== undefined) parts.push(location.source);
  if (location.line !== undefined) parts.push(`line ${location.line}`);
  if (location.column !== undefined) parts.push(`column ${location.column}`);
  if (location.field !== undefined) parts.push(`field '${location.field}'`);
  if (location.offset !== undefined) parts.push(`byte ${location.offset}`);
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

/** RFC 4180 CSV that cannot be parsed, or a value that is not a number where one is required. */
export class CsvFormatError extends FormatError {
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(message, location, options);
    this.name = 'CsvFormatError';
  }
}

/** A LibSVM line that is not `label[:weight] [qid:n] idx:value …`. */
export class LibSvmFormatError extends FormatError {
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(message, location, options);
    this.name = 'LibSvmFormatError';
  }
}

/** A RecordIO frame or an `aialgs.data.Record` protobuf message that is malformed or unsupported. */
export class RecordIOFormatError extends FormatError {
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(message, location, options);
    this.name = 'RecordIOFormatError';
  }
}

/** A Parquet file that cannot be read or written. */
export class ParquetFormatError extends FormatError {
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(message, location, options);
    this.name = 'ParquetFormatError';
  }
}

/** A JSON Lines line that is not a JSON object. */
export class JsonLinesFormatError extends FormatError {
  constructor(message: string, location: FormatErrorLocation = {}, options?: SparkmakerErrorOptions) {
    super(message, location, options);
    this.name = 'JsonLinesFormatError';
  }
}

/** A conversion request that cannot be carried out (unknown column, no features, bad options). */
export class ConversionError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'ConversionError';
  }
}

// ---------------------------------------------------------------------------------------------
// Models (shared/model)

/** A model artifact that is corrupt, truncated or not an XGBoost model at all. */
export class ModelFormatError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'ModelFormatError';
  }
}

/** A well-formed model that sparkmaker does not score (gblinear, dart, an unknown objective). */
export class UnsupportedModelError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'UnsupportedModelError';
  }
}

/**
 * Hyperparameters a built-in algorithm refuses (missing, extraneous, out of range); the message is
 * the algorithm container's reason (shared/algorithms).
 */
export class HyperparameterValidationError extends SparkmakerError {
  readonly hyperparameter: string | undefined;
  constructor(message: string, hyperparameter?: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'HyperparameterValidationError';
    this.hyperparameter = hyperparameter;
  }
}

// ---------------------------------------------------------------------------------------------
// Workflows (functions/)

/** A run input (or event) that does not validate: the message names the field and what was expected. */
export class InputValidationError extends SparkmakerError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: SparkmakerErrorOptions) {
    super(message, options, MAX_VALIDATION_MESSAGE_CHARS);
    this.name = 'InputValidationError';
    this.field = field;
  }
}

/** A function's configuration (environment) is missing or invalid. Read once at cold start. */
export class ConfigurationError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/** An S3 object or prefix the run needs does not exist. */
export class ObjectNotFoundError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'ObjectNotFoundError';
  }
}

/** No model matches the request (no S3 artifact, no approved package in the group). */
export class ModelNotFoundError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'ModelNotFoundError';
  }
}

/** The trained model's metrics do not pass the configured quality gate. */
export class QualityGateError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'QualityGateError';
  }
}

/** Evaluation could not be computed (no predictions, count mismatch between labels and output). */
export class EvaluationError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'EvaluationError';
  }
}

/** A scoring run cannot be committed: shards missing or failed beyond what the run tolerates. */
export class IncompleteRunError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'IncompleteRunError';
  }
}

/** A transient failure worth retrying (throttling, a busy dependency). State machines retry it. */
export class TransientError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

// ---------------------------------------------------------------------------------------------
// Jobs (jobs/, local/services/emr)

/**
 * The feature job failed: bad arguments, no input, or the feature SQL raised an error (the message
 * carries the engine's own error text).
 */
export class FeatureJobError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'FeatureJobError';
  }
}

/**
 * Too many cells of a column do not parse as the column's type (a word in a numeric column, a
 * malformed date): the feature job counted them per column, wrote the rows with the reason to the
 * quarantine prefix and stopped, because the share passed the declaration's `badCellThreshold`.
 */
export class BadCellsError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'BadCellsError';
  }
}

// ---------------------------------------------------------------------------------------------
// Endpoints (shared/endpoint, the endpoint scoring mode)

/** A single row serialises to more bytes than one InvokeEndpoint request may carry. */
export class EndpointPayloadError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'EndpointPayloadError';
  }
}

/**
 * InvokeEndpoint failed for good: the container refused the request (`ModelError` with a 4xx
 * original status, carrying the container's own message), the endpoint is missing, its answer does
 * not match the rows sent, or the retries of a transient failure ran out.
 */
export class EndpointInvocationError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'EndpointInvocationError';
  }
}

/** The endpoint a run needs ended `Failed`, or did not reach `InService` in time. */
export class EndpointFailedError extends SparkmakerError {
  constructor(message: string, options?: SparkmakerErrorOptions) {
    super(message, options);
    this.name = 'EndpointFailedError';
  }
}
