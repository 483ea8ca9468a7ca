/**
 * LibSVM text (SPEC §5): one row per line, `label[:weight] [qid:n] idx:value idx:value …`, tokens
 * separated by spaces or tabs. The index base is always explicit: XGBoost reads indices literally
 * (0-based), Spark writes them 1-based. In memory, indices are always 0-based column numbers.
 *
 * An omitted entry is a *missing* value for XGBoost, not a zero, so the writers write every present
 * value, zeros included, and omit only missing ones (NaN).
 */

import { LibSvmFormatError } from '../errors';
import type { ByteSink } from './bytes';
import { LineSplitter } from './lines';
import { formatNumber, parseNumber } from './number';

/** How column numbers are written in the file: 0 (XGBoost) or 1 (Spark, libsvm tools). */
export type LibSvmIndexBase = 0 | 1;

/** One LibSVM row; `indices` are 0-based column numbers whatever the file's index base. */
export interface LibSvmRow {
  readonly label: number;
  readonly weight?: number;
  readonly qid?: number;
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/** A row as read, with where it came from. */
export interface LibSvmLine extends LibSvmRow {
  /** 1-based line number. */
  readonly line: number;
  /** 0-based byte offset of the line in the stream. */
  readonly offset: number;
}

/** Options of {@link LibSvmReader}. */
export interface LibSvmOptions {
  /** The index base of the file: 0 (XGBoost, SageMaker) or 1 (Spark). Required: guessing shifts every feature. */
  readonly indexBase: LibSvmIndexBase;
  /**
   * `true` (default): the first token is `label[:weight]`. `false` (inference input): tokens without
   * a colon are ignored, as the SageMaker XGBoost container does; the label is NaN.
   */
  readonly hasLabel?: boolean;
  /** Name of the input, for error messages. */
  readonly source?: string;
  /** Refuse a line longer than this many bytes. Default 16 MiB. */
  readonly maxLineBytes?: number;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Streaming LibSVM reader: push chunks, get the rows of the complete lines. Blank lines are skipped;
 * LF and CRLF line ends are accepted.
 *
 * @example
 * const reader = new LibSvmReader({ indexBase: 0 });
 * const rows = [...reader.push(bytes), ...reader.end()];
 */
export class LibSvmReader {
  readonly #options: LibSvmOptions;
  readonly #maxLineBytes: number;
  readonly #lines: LineSplitter;
  #ended = false;

  constructor(options: LibSvmOptions) {
    if (options.indexBase !== 0 && options.indexBase !== 1) {
      throw new LibSvmFormatError(`indexBase must be 0 or 1, got ${String(options.indexBase)}`);
    }
    this.#options = options;
    this.#maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    this.#lines = new LineSplitter({
      maxLineBytes: this.#maxLineBytes,
      tooLong: (line, offset) =>
        new LibSvmFormatError(`a LibSVM line longer than ${this.#maxLineBytes} bytes`, {
          ...(options.source === undefined ? {} : { source: options.source }),
          line,
          offset,
        }),
    });
  }

  /** Adds a chunk and returns the rows of the lines it completes. */
  push(chunk: Uint8Array): LibSvmLine[] {
    return this.#run(chunk, false);
  }

  /** Ends the stream and returns the row of a last line without a line break, if any. */
  end(): LibSvmLine[] {
    if (this.#ended) return [];
    this.#ended = true;
    return this.#run(new Uint8Array(0), true);
  }

  #run(chunk: Uint8Array, final: boolean): LibSvmLine[] {
    const rows: LibSvmLine[] = [];
    this.#lines.push(chunk, final, (text, line, offset) => {
      const row = parseLibSvmLine(text, this.#options, line, offset);
      if (row !== undefined) rows.push(row);
    });
    return rows;
  }
}

/**
 * Parses one LibSVM line (without its line break). Returns undefined for a blank line.
 *
 * @throws LibSvmFormatError naming the line, column and token that is wrong.
 */
export function parseLibSvmLine(
  text: string,
  options: LibSvmOptions,
  line = 1,
  offset = 0,
): LibSvmLine | undefined {
  const hasLabel = options.hasLabel ?? true;
  const base = options.indexBase;
  const tokens: { text: string; column: number }[] = [];
  const re = /[^ \t\r]+/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) tokens.push({ text: m[0], column: m.index + 1 });
  if (tokens.length === 0) return undefined;
  const fail = (message: string, column: number): LibSvmFormatError =>
    new LibSvmFormatError(message, {
      ...(options.source === undefined ? {} : { source: options.source }),
      line,
      column,
      offset: offset + column - 1,
    });
  let label = Number.NaN;
  let weight: number | undefined;
  let qid: number | undefined;
  let i = 0;
  if (hasLabel) {
    const first = tokens[0]!;
    const [labelText, weightText, extra] = first.text.split(':');
    const l = parseNumber(labelText ?? '');
    if (l === undefined || Number.isNaN(l) || extra !== undefined) {
      throw fail(`expected a label (a number, optionally 'label:weight'), got '${first.text}'`, first.column);
    }
    label = l;
    if (weightText !== undefined) {
      const w = parseNumber(weightText);
      if (w === undefined || Number.isNaN(w))
        throw fail(`expected a weight after 'label:', got '${first.text}'`, first.column);
      weight = w;
    }
    i = 1;
  }
  const next = tokens[i];
  if (next?.text.startsWith('qid:')) {
    const q = next.text.slice(4);
    if (!INTEGER.test(q)) throw fail(`expected an integer query id, got '${next.text}'`, next.column);
    qid = Number(q);
    i++;
  }
  const indices: number[] = [];
  const values: number[] = [];
  for (; i < tokens.length; i++) {
    const token = tokens[i]!;
    const colon = token.text.indexOf(':');
    if (colon < 0) {
      if (!hasLabel) continue;
      throw fail(`expected 'index:value', got '${token.text}'`, token.column);
    }
    const indexText = token.text.slice(0, colon);
    const index = INTEGER.test(indexText) ? Number(indexText) : Number.NaN;
    if (!Number.isSafeInteger(index) || index < base) {
      throw fail(
        `expected an integer index >= ${base} (index base ${base}), got '${token.text}'`,
        token.column,
      );
    }
    const value = parseNumber(token.text.slice(colon + 1));
    if (value === undefined || token.text.length === colon + 1) {
      throw fail(`expected a number after '${indexText}:', got '${token.text}'`, token.column);
    }
    indices.push(index - base);
    values.push(value);
  }
  return {
    label,
    ...(weight === undefined ? {} : { weight }),
    ...(qid === undefined ? {} : { qid }),
    indices,
    values,
    line,
    offset,
  };
}

/**
 * Parses a whole LibSVM byte array (or string).
 *
 * @example
 * parseLibSvm('1 0:0.5 3:2\n', { indexBase: 0 }) // [{ label: 1, indices: [0, 3], values: [0.5, 2], … }]
 */
export function parseLibSvm(input: Uint8Array | string, options: LibSvmOptions): LibSvmLine[] {
  const reader = new LibSvmReader(options);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  return [...reader.push(bytes), ...reader.end()];
}

/**
 * Formats one row as a LibSVM line (without the line break). Entries whose value is NaN (missing)
 * are omitted; zeros are written.
 */
export function formatLibSvmRow(row: LibSvmRow, indexBase: LibSvmIndexBase): string {
  let line = formatNumber(row.label);
  if (row.weight !== undefined) line += `:${formatNumber(row.weight)}`;
  if (row.qid !== undefined) line += ` qid:${row.qid}`;
  for (let i = 0; i < row.indices.length; i++) {
    const v = row.values[i]!;
    if (Number.isNaN(v)) continue;
    line += ` ${row.indices[i]! + indexBase}:${formatNumber(v)}`;
  }
  return line;
}

/**
 * Appends a dense row `source[start, start + count)` as a LibSVM line (`\n`-terminated): column `j`
 * is written as index `j + indexBase`; NaN (missing) is omitted, zero is written.
 * With `label` undefined the line has no label token (inference input).
 */
export function writeLibSvmDense(
  sink: ByteSink,
  label: number | undefined,
  source: ArrayLike<number>,
  start: number,
  count: number,
  indexBase: LibSvmIndexBase,
): void {
  let first = true;
  if (label !== undefined) {
    sink.number(label);
    first = false;
  }
  for (let j = 0; j < count; j++) {
    const v = source[start + j]!;
    if (Number.isNaN(v)) continue;
    sink.ensure(1);
    if (!first) sink.byte(0x20);
    first = false;
    sink.number(j + indexBase);
    sink.ensure(1);
    sink.byte(0x3a);
    sink.number(v);
  }
  sink.ensure(1);
  sink.byte(0x0a);
}
