/**
 * CSV as RFC 4180 over bytes (UTF-8): fields separated by a one-byte delimiter (`,` by default),
 * records ended by LF or CRLF (a lone CR is accepted too), a final record without a line break,
 * quoted fields that may hold delimiters, quotes (doubled: `""`) and line breaks. Blank lines are
 * skipped; a leading UTF-8 BOM is ignored. An empty field is a missing value. Whether the first
 * record is a header is the caller's business ({@link CsvReader} returns every record).
 *
 * Two readers share these rules:
 * - {@link CsvReader} returns every record as strings (headers, mixed tables);
 * - {@link NumericCsvReader} is the fast path for all-numeric tables: it parses numbers straight
 *   from the bytes into a Float64Array (NaN = missing), picks columns, and can set aside rows that
 *   are not numeric instead of failing.
 *
 * Both are streaming: push chunks, get the complete records; only the start of an unfinished
 * record is kept between pushes.
 */
import { CsvFormatError, type FormatErrorLocation } from '../errors';
import { type ByteSink, utf8Text } from './bytes';
import { EXACT_POWERS_OF_TEN, formatNumber, parseNumber } from './number';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Default refusal threshold for one record: 16 MiB (a record cannot be split across memory). */
export const CSV_DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Options shared by the CSV readers. */
export interface CsvOptions {
  /** Field delimiter, one ASCII character. Default `,`. */
  readonly delimiter?: string;
  /** Name of the input, for error messages. */
  readonly source?: string;
  /** Refuse any record longer than this many bytes. Default 16 MiB. */
  readonly maxRecordBytes?: number;
}

/** One record read by {@link CsvReader}. */
export interface CsvRecord {
  /** The fields, unquoted; `''` is a missing value. */
  readonly fields: string[];
  /** 1-based line on which the record starts. */
  readonly line: number;
  /** 0-based byte offset of the record in the stream. */
  readonly offset: number;
  /** 0-based byte offset just after the record's line break (where the next line starts). */
  readonly end: number;
  /** 1-based line number just after the record (its line plus the line breaks it spans). */
  readonly nextLine: number;
}

function delimiterByte(delimiter: string | undefined): number {
  const d = delimiter ?? ',';
  const code = d.charCodeAt(0);
  if (d.length !== 1 || code >= 0x80 || code === QUOTE || code === LF || code === CR) {
    throw new CsvFormatError(
      `a CSV delimiter must be one ASCII character other than a quote or line break, got '${d}'`,
    );
  }
  return code;
}

/** Position tracking shared by the scanners (stream offset of `data[0]`, current line). */
interface Cursor {
  /** Stream offset of data[0]. */
  base: number;
  /** 1-based line number at the current position. */
  line: number;
  /** Index in data where the current line starts (may be negative: it started in an earlier chunk). */
  lineStart: number;
  source: string | undefined;
}

function locate(c: Cursor, pos: number, line = c.line, lineStart = c.lineStart): FormatErrorLocation {
  const loc = { line, column: pos - lineStart + 1, offset: c.base + pos };
  return c.source === undefined ? loc : { source: c.source, ...loc };
}

function describeByte(b: number | undefined): string {
  if (b === undefined) return 'the end of the input';
  if (b >= 0x20 && b < 0x7f) return `'${String.fromCharCode(b)}'`;
  return `byte 0x${b.toString(16).padStart(2, '0')}`;
}

/** Result of scanning a quoted field: where it ends and its text. */
interface QuotedField {
  /** Index just after the closing quote, or -1 when the data ends first (and more may come). */
  end: number;
  text: string;
  /** Line breaks inside the field. */
  newlines: number;
  /** Index just after the last LF inside the field (or -1). */
  lastLineStart: number;
}

/** Scans a quoted field whose opening quote is at `pos`. */
function scanQuoted(data: Uint8Array, pos: number, final: boolean, c: Cursor): QuotedField {
  const n = data.length;
  let at = pos + 1;
  let doubled = false;
  let newlines = 0;
  let lastLineStart = -1;
  for (;;) {
    const q = data.indexOf(QUOTE, at);
    const stop = q === -1 ? n : q;
    for (let i = at; i < stop; i++) {
      if (data[i] === LF) {
        newlines++;
        lastLineStart = i + 1;
      }
    }
    if (q === -1) {
      if (!final) return { end: -1, text: '', newlines, lastLineStart };
      throw new CsvFormatError(
        'unterminated quoted field: the input ends before the closing quote',
        locate(c, pos),
      );
    }
    if (q + 1 < n && data[q + 1] === QUOTE) {
      doubled = true;
      at = q + 2;
      continue;
    }
    if (q + 1 >= n && !final) return { end: -1, text: '', newlines, lastLineStart };
    let text = utf8Text(data, pos + 1, q);
    if (doubled) text = text.replaceAll('""', '"');
    return { end: q + 1, text, newlines, lastLineStart };
  }
}

/**
 * Parses one record starting at `pos` (which is not a blank line), pushing its fields into `out`.
 * Returns the index after its line break, or -1 when the data ends first and more may come.
 * Advances `c.line` / `c.lineStart` past the record.
 */
function scanRecord(
  data: Uint8Array,
  pos: number,
  final: boolean,
  delim: number,
  out: string[],
  c: Cursor,
): number {
  const n = data.length;
  let line = c.line;
  let lineStart = c.lineStart;
  for (;;) {
    let b: number | undefined;
    if (pos < n && data[pos] === QUOTE) {
      const q = scanQuoted(data, pos, final, { ...c, line, lineStart });
      if (q.end < 0) return -1;
      if (q.newlines > 0) {
        line += q.newlines;
        lineStart = q.lastLineStart;
      }
      out.push(q.text);
      pos = q.end;
      b = data[pos];
      if (pos < n && b !== delim && b !== LF && b !== CR) {
        throw new CsvFormatError(
          `expected '${String.fromCharCode(delim)}' or the end of the line after a closing quote, found ${describeByte(b)}`,
          locate(c, pos, line, lineStart),
        );
      }
    } else {
      const start = pos;
      while (pos < n) {
        b = data[pos];
        if (b === delim || b === LF || b === CR) break;
        if (b === QUOTE) {
          throw new CsvFormatError(
            'unexpected quote inside an unquoted field (RFC 4180: quote the whole field and double the quote)',
            locate(c, pos, line, lineStart),
          );
        }
        pos++;
      }
      if (pos >= n && !final) return -1;
      out.push(utf8Text(data, start, pos));
      b = data[pos];
    }
    if (pos >= n) {
      c.line = line;
      c.lineStart = lineStart;
      return n;
    }
    if (b === delim) {
      pos++;
      continue;
    }
    const end = lineEnd(data, pos, final);
    if (end < 0) return -1;
    c.line = line + 1;
    c.lineStart = end;
    return end;
  }
}

/** Given a CR or LF at `pos`, returns the index after the line break (-1: a CR ends the data, need more). */
function lineEnd(data: Uint8Array, pos: number, final: boolean): number {
  if (data[pos] === LF) return pos + 1;
  if (pos + 1 < data.length) return data[pos + 1] === LF ? pos + 2 : pos + 1;
  return final ? pos + 1 : -1;
}

/** Skips blank lines at `pos`; returns the new position, or -1 when a CR at the end needs more data. */
function skipBlankLines(data: Uint8Array, pos: number, final: boolean, c: Cursor): number {
  while (pos < data.length) {
    const b = data[pos];
    if (b !== LF && b !== CR) return pos;
    const end = lineEnd(data, pos, final);
    if (end < 0) return -1;
    c.line++;
    c.lineStart = end;
    pos = end;
  }
  return pos;
}

/** Keeps the unfinished tail of a stream between pushes; shared by both readers. */
class Pending {
  bytes: Uint8Array = new Uint8Array(0);
  /** Whether the BOM check at the very start has been done. */
  started = false;

  constructor(
    readonly maxRecordBytes: number,
    readonly source: string | undefined,
  ) {}

  /** Joins the pending bytes and the new chunk. */
  join(chunk: Uint8Array): Uint8Array {
    let data: Uint8Array;
    if (this.bytes.length === 0) data = chunk;
    else {
      data = new Uint8Array(this.bytes.length + chunk.length);
      data.set(this.bytes);
      data.set(chunk, this.bytes.length);
    }
    return data;
  }

  /** Leading BOM length (3) at stream start, once enough bytes are there; -1 when undecided. */
  bom(data: Uint8Array, final: boolean): number {
    if (this.started) return 0;
    if (
      data.length < 3 &&
      !final &&
      [0xef, 0xbb, 0xbf].slice(0, data.length).every((b, i) => data[i] === b)
    ) {
      return -1;
    }
    this.started = true;
    return data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
  }

  /** Keeps `data[from…]` for the next push, refusing an oversized unfinished record. */
  keep(data: Uint8Array, from: number, c: Cursor): void {
    const rest = data.length - from;
    if (rest > this.maxRecordBytes) {
      throw new CsvFormatError(
        `a CSV record longer than ${this.maxRecordBytes} bytes (unbalanced quote?)`,
        this.source === undefined
          ? { line: c.line, offset: c.base + from }
          : { source: this.source, line: c.line, offset: c.base + from },
      );
    }
    this.bytes = rest === 0 ? new Uint8Array(0) : new Uint8Array(data.subarray(from));
    c.base += from;
    c.lineStart -= from;
  }
}

/**
 * Streaming RFC 4180 reader: every record as strings.
 *
 * @example
 * const reader = new CsvReader({ source: 'features.csv' });
 * const records = [...reader.push(bytes), ...reader.end()];
 * const [header, ...rows] = records;
 */
export class CsvReader {
  readonly #delim: number;
  readonly #pending: Pending;
  readonly #cursor: Cursor;
  #ended = false;

  constructor(options: CsvOptions = {}) {
    this.#delim = delimiterByte(options.delimiter);
    this.#pending = new Pending(options.maxRecordBytes ?? CSV_DEFAULT_MAX_RECORD_BYTES, options.source);
    this.#cursor = { base: 0, line: 1, lineStart: 0, source: options.source };
  }

  /** Adds a chunk and returns the records it completes. */
  push(chunk: Uint8Array): CsvRecord[] {
    return this.#run(chunk, false, Number.POSITIVE_INFINITY);
  }

  /** Ends the stream and returns the last record (the one without a final line break), if any. */
  end(): CsvRecord[] {
    if (this.#ended) return [];
    this.#ended = true;
    return this.#run(new Uint8Array(0), true, Number.POSITIVE_INFINITY);
  }

  #run(chunk: Uint8Array, final: boolean, limit: number): CsvRecord[] {
    const c = this.#cursor;
    const data = this.#pending.join(chunk);
    const records: CsvRecord[] = [];
    let pos = this.#pending.bom(data, final);
    if (pos < 0) {
      this.#pending.keep(data, 0, c);
      return records;
    }
    while (records.length < limit) {
      const next = skipBlankLines(data, pos, final, c);
      if (next < 0) break;
      pos = next;
      if (pos >= data.length) break;
      const line = c.line;
      const fields: string[] = [];
      const end = scanRecord(data, pos, final, this.#delim, fields, c);
      if (end < 0) break;
      records.push({ fields, line, offset: c.base + pos, end: c.base + end, nextLine: c.line });
      pos = end;
    }
    this.#pending.keep(data, pos, c);
    return records;
  }
}

/**
 * Parses a whole CSV byte array (or string) into records.
 *
 * @throws CsvFormatError with the line and column of the first malformed record.
 */
export function parseCsv(input: Uint8Array | string, options: CsvOptions = {}): CsvRecord[] {
  const reader = new CsvReader(options);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  return [...reader.push(bytes), ...reader.end()];
}

// ---------------------------------------------------------------------------------------------
// The numeric fast path

/** A row the numeric reader set aside (mode `collect`). */
export interface CsvRejectedRow {
  /** 1-based line on which the row starts. */
  readonly line: number;
  /** 0-based byte offset of the row in the stream. */
  readonly offset: number;
  /** The row as written (without its line break). */
  readonly text: string;
  /** Why: `expected a number, got 'abc'` or `expected 5 fields, found 4`. */
  readonly reason: string;
  /** 0-based index of the offending field, when one field is to blame. */
  readonly fieldIndex?: number;
}

/** Options of {@link NumericCsvReader}. */
export interface NumericCsvOptions extends CsvOptions {
  /** Fields per row. Default: the number of fields of the first row. Rows with another count are rejected. */
  readonly columns?: number;
  /** Input columns (0-based) to output, in output order. Default: all. Others are skipped unparsed. */
  readonly select?: readonly number[];
  /** `throw` (default): a non-numeric selected field or a wrong field count throws CsvFormatError;
   * `collect`: such rows are left out of the values and listed in `rejected`. */
  readonly onInvalidRow?: 'throw' | 'collect';
  /** Output positions (indices into `select`) that must hold a value: an empty field there rejects the row. */
  readonly required?: readonly number[];
  /** Line number of the first byte pushed (default 1), when the stream was entered mid-file. */
  readonly startLine?: number;
  /** Byte offset of the first byte pushed (default 0), when the stream was entered mid-file. */
  readonly startOffset?: number;
}

/** Rows read by {@link NumericCsvReader.push}: a row-major matrix of `rows × width` numbers. */
export interface NumericCsvBatch {
  readonly rows: number;
  /** Numbers per row (the number of selected columns). */
  readonly width: number;
  /** Row-major values; NaN is a missing value. Length `rows * width`. */
  readonly values: Float64Array;
  /** 1-based line of each row. */
  readonly lines: Int32Array;
  /** Rows set aside (mode `collect` only), in input order. */
  readonly rejected: CsvRejectedRow[];
}

/**
 * Streaming reader for all-numeric CSV (no header: strip it first). Parses numbers directly from
 * the bytes (correctly rounded, as `Number()`), quoted fields included, into Float64Arrays.
 *
 * @example
 * // XGBoost training CSV: label first, no header
 * const reader = new NumericCsvReader();
 * const batch = reader.push(bytes);
 * const label0 = batch.values[0], firstFeature0 = batch.values[1];
 */
export class NumericCsvReader {
  readonly #delim: number;
  readonly #pending: Pending;
  readonly #cursor: Cursor;
  readonly #collect: boolean;
  readonly #required: readonly number[];
  #columns: number | undefined;
  readonly #select: readonly number[] | undefined;
  /** For each input column: its output position, or -1 when not selected. */
  #outputOf: Int32Array = new Int32Array(0);
  #width = 0;
  #ended = false;
  #values = new Float64Array(1024);
  #lines = new Int32Array(64);

  constructor(options: NumericCsvOptions = {}) {
    this.#delim = delimiterByte(options.delimiter);
    this.#pending = new Pending(options.maxRecordBytes ?? CSV_DEFAULT_MAX_RECORD_BYTES, options.source);
    this.#cursor = {
      base: options.startOffset ?? 0,
      line: options.startLine ?? 1,
      lineStart: 0,
      source: options.source,
    };
    this.#required = options.required ?? [];
    this.#collect = options.onInvalidRow === 'collect';
    this.#select = options.select;
    if (options.select !== undefined) {
      const seen = new Set<number>();
      for (const s of options.select) {
        if (!Number.isInteger(s) || s < 0 || seen.has(s)) {
          throw new CsvFormatError(
            `select must list distinct column indices >= 0, got [${options.select.join(', ')}]`,
          );
        }
        seen.add(s);
      }
    }
    if (options.columns !== undefined) this.#setColumns(options.columns);
  }

  /** Fields per row (known after the first row when not given). */
  get columns(): number | undefined {
    return this.#columns;
  }

  #setColumns(columns: number): void {
    const select = this.#select ?? Array.from({ length: columns }, (_, i) => i);
    const max = Math.max(-1, ...select);
    if (max >= columns) {
      throw new CsvFormatError(`column ${max + 1} was selected but rows have ${columns} fields`);
    }
    this.#columns = columns;
    this.#width = select.length;
    this.#outputOf = new Int32Array(columns + 1).fill(-1);
    select.forEach((input, output) => {
      this.#outputOf[input] = output;
    });
  }

  /** Adds a chunk and returns the rows it completes. */
  push(chunk: Uint8Array): NumericCsvBatch {
    return this.#run(chunk, false);
  }

  /** Ends the stream and returns the last row (without a final line break), if any. */
  end(): NumericCsvBatch {
    if (this.#ended)
      return {
        rows: 0,
        width: this.#width,
        values: new Float64Array(0),
        lines: new Int32Array(0),
        rejected: [],
      };
    this.#ended = true;
    return this.#run(new Uint8Array(0), true);
  }

  #run(chunk: Uint8Array, final: boolean): NumericCsvBatch {
    const c = this.#cursor;
    const data = this.#pending.join(chunk);
    const rejected: CsvRejectedRow[] = [];
    let rows = 0;
    let pos = this.#pending.bom(data, final);
    if (pos < 0) {
      this.#pending.keep(data, 0, c);
      return { rows: 0, width: this.#width, values: new Float64Array(0), lines: new Int32Array(0), rejected };
    }
    const n = data.length;
    const delim = this.#delim;
    for (;;) {
      const first = data[pos];
      if (first === LF || first === CR) {
        const next = skipBlankLines(data, pos, final, c);
        if (next < 0) break;
        pos = next;
      }
      if (pos >= n) break;
      if (this.#columns === undefined) {
        // The first row decides the field count: count it with the general scanner.
        const fields: string[] = [];
        const probe: Cursor = { ...c };
        if (scanRecord(data, pos, final, delim, fields, probe) < 0) break;
        this.#setColumns(fields.length);
      }
      const width = this.#width;
      if ((rows + 1) * width > this.#values.length) {
        const grown = new Float64Array(Math.max(this.#values.length * 2, (rows + 1) * width));
        grown.set(this.#values.subarray(0, rows * width));
        this.#values = grown;
      }
      if (rows >= this.#lines.length) {
        const grown = new Int32Array(this.#lines.length * 2);
        grown.set(this.#lines);
        this.#lines = grown;
      }
      const end = this.#scanRow(data, pos, final, rows * width, rejected);
      if (end < 0) break;
      if (end > 0) {
        this.#lines[rows] = this.#lastRowLine;
        rows++;
        pos = end;
      } else pos = this.#rejectedEnd;
    }
    this.#pending.keep(data, pos, c);
    const values = this.#values.slice(0, rows * this.#width);
    const lines = this.#lines.slice(0, rows);
    return { rows, width: this.#width, values, lines, rejected };
  }

  #lastRowLine = 0;
  #rejectedEnd = 0;

  /**
   * Scans one row at `pos` into `#values[at…]`. Returns the index after the row (> 0) when it was
   * accepted, 0 when it was rejected (then `#rejectedEnd` is the index after it), -1 when the data
   * ends before the row does and more may come.
   */
  #scanRow(data: Uint8Array, pos: number, final: boolean, at: number, rejected: CsvRejectedRow[]): number {
    const c = this.#cursor;
    const n = data.length;
    const delim = this.#delim;
    const outputOf = this.#outputOf;
    const values = this.#values;
    const columns = this.#columns!;
    const powers = EXACT_POWERS_OF_TEN;
    const rowStart = pos;
    const startLine = c.line;
    let line = c.line;
    let lineStart = c.lineStart;
    let col = 0;
    let reason: string | undefined;
    let badField = -1;
    let badPos = 0;
    let badLine = 0;
    let badLineStart = 0;
    for (;;) {
      const output = col < columns ? outputOf[col]! : -1;
      let b = data[pos];
      if (b === QUOTE) {
        const q = scanQuoted(data, pos, final, { ...c, line, lineStart });
        if (q.end < 0) return -1;
        if (output >= 0 && reason === undefined) {
          const v = parseNumber(q.text);
          if (v === undefined) {
            reason = `expected a number, got '${q.text}'`;
            badField = col;
            badPos = pos;
            badLine = line;
            badLineStart = lineStart;
          } else values[at + output] = v;
        }
        if (q.newlines > 0) {
          line += q.newlines;
          lineStart = q.lastLineStart;
        }
        pos = q.end;
        b = data[pos];
        if (pos < n && b !== delim && b !== LF && b !== CR) {
          throw new CsvFormatError(
            `expected '${String.fromCharCode(delim)}' or the end of the line after a closing quote, found ${describeByte(b)}`,
            locate(c, pos, line, lineStart),
          );
        }
      } else if (output >= 0) {
        // Fast number: [+-] digits [. digits] [(e|E) [+-] digits], straight from the bytes.
        const start = pos;
        let negative = false;
        if (b === 0x2d) {
          negative = true;
          b = data[++pos];
        } else if (b === 0x2b) b = data[++pos];
        let mantissa = 0;
        let digits = 0;
        let exponent = 0;
        let d = (b ?? 0) - 0x30;
        while (d >= 0 && d <= 9) {
          mantissa = mantissa * 10 + d;
          if (mantissa !== 0) digits++;
          b = data[++pos];
          d = (b ?? 0) - 0x30;
        }
        let any = pos > start + (negative || data[start] === 0x2b ? 1 : 0);
        if (b === 0x2e) {
          b = data[++pos];
          d = (b ?? 0) - 0x30;
          while (d >= 0 && d <= 9) {
            mantissa = mantissa * 10 + d;
            if (mantissa !== 0) digits++;
            exponent--;
            any = true;
            b = data[++pos];
            d = (b ?? 0) - 0x30;
          }
        }
        if (any && (b === 0x65 || b === 0x45)) {
          b = data[++pos];
          let expNegative = false;
          if (b === 0x2d) {
            expNegative = true;
            b = data[++pos];
          } else if (b === 0x2b) b = data[++pos];
          let e = 0;
          let expDigits = 0;
          d = (b ?? 0) - 0x30;
          while (d >= 0 && d <= 9) {
            if (e < 100000) e = e * 10 + d;
            expDigits++;
            b = data[++pos];
            d = (b ?? 0) - 0x30;
          }
          if (expDigits === 0) any = false;
          exponent += expNegative ? -e : e;
        }
        if (pos >= n && !final) return -1;
        if (any && (pos >= n || b === delim || b === LF || b === CR)) {
          let v: number;
          if (digits <= 15 && exponent >= -22 && exponent <= 22) {
            v = exponent >= 0 ? mantissa * powers[exponent]! : mantissa / powers[-exponent]!;
            if (negative) v = -v;
          } else v = Number(latin1(data, start, pos));
          values[at + output] = v;
        } else if (!any && pos === start && (pos >= n || b === delim || b === LF || b === CR)) {
          values[at + output] = Number.NaN; // empty field: missing
        } else {
          // Not a plain number (blanks, nan, inf, text): take the whole field the slow way.
          while (pos < n) {
            b = data[pos];
            if (b === delim || b === LF || b === CR) break;
            if (b === QUOTE) {
              throw new CsvFormatError(
                'unexpected quote inside an unquoted field (RFC 4180: quote the whole field and double the quote)',
                locate(c, pos, line, lineStart),
              );
            }
            pos++;
          }
          if (pos >= n && !final) return -1;
          const text = utf8Text(data, start, pos);
          const v = parseNumber(text);
          if (v === undefined) {
            if (reason === undefined) {
              reason = `expected a number, got '${text}'`;
              badField = col;
              badPos = start;
              badLine = line;
              badLineStart = lineStart;
            }
          } else values[at + output] = v;
        }
      } else {
        // A column nobody asked for: skip it.
        while (pos < n) {
          b = data[pos];
          if (b === delim || b === LF || b === CR) break;
          if (b === QUOTE) {
            throw new CsvFormatError(
              'unexpected quote inside an unquoted field (RFC 4180: quote the whole field and double the quote)',
              locate(c, pos, line, lineStart),
            );
          }
          pos++;
        }
        if (pos >= n && !final) return -1;
      }
      if (pos < n && data[pos] === delim) {
        pos++;
        col++;
        continue;
      }
      break;
    }
    // pos is at a line break or the end of the data.
    const textEnd = pos;
    let end = pos;
    if (pos < n) {
      end = lineEnd(data, pos, final);
      if (end < 0) return -1;
    }
    if (col + 1 !== columns && reason === undefined) {
      reason = `expected ${columns} fields, found ${col + 1}`;
      badPos = rowStart;
      badLine = startLine;
      badLineStart = c.lineStart;
    }
    if (reason === undefined) {
      for (const output of this.#required) {
        if (Number.isNaN(values[at + output]!)) {
          const input = this.#select?.[output] ?? output;
          reason = 'expected a number, the field is empty';
          badField = input;
          badPos = rowStart;
          badLine = startLine;
          badLineStart = c.lineStart;
          break;
        }
      }
    }
    c.line = pos < n ? line + 1 : line;
    c.lineStart = pos < n ? end : lineStart;
    this.#lastRowLine = startLine;
    if (reason === undefined) return end;
    const location = locate(c, badPos, badLine, badLineStart);
    if (!this.#collect) {
      throw new CsvFormatError(badField >= 0 ? `field ${badField + 1}: ${reason}` : reason, location);
    }
    rejected.push({
      line: startLine,
      offset: c.base + rowStart,
      text: utf8Text(data, rowStart, textEnd),
      reason,
      ...(badField >= 0 ? { fieldIndex: badField } : {}),
    });
    this.#rejectedEnd = end;
    return 0;
  }
}

function latin1(data: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/**
 * Parses a whole all-numeric CSV byte array.
 *
 * @throws CsvFormatError naming the line and column of the first non-numeric field.
 */
export function parseNumericCsv(
  input: Uint8Array | string,
  options: NumericCsvOptions = {},
): NumericCsvBatch {
  const reader = new NumericCsvReader(options);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const a = reader.push(bytes);
  const b = reader.end();
  if (b.rows === 0 && b.rejected.length === 0) return a;
  const values = new Float64Array(a.values.length + b.values.length);
  values.set(a.values);
  values.set(b.values, a.values.length);
  const lines = new Int32Array(a.rows + b.rows);
  lines.set(a.lines);
  lines.set(b.lines, a.rows);
  return { rows: a.rows + b.rows, width: b.width, values, lines, rejected: [...a.rejected, ...b.rejected] };
}

// ---------------------------------------------------------------------------------------------
// Writer

/** Quotes a field when RFC 4180 requires it (delimiter, quote, CR or LF inside), doubling quotes. */
export function formatCsvField(value: string, delimiter = ','): string {
  if (value.includes('"')) return `"${value.replaceAll('"', '""')}"`;
  if (value.includes(delimiter) || value.includes('\n') || value.includes('\r')) return `"${value}"`;
  return value;
}

/**
 * Formats one record (without its line break). Numbers use {@link formatNumber} (NaN → empty,
 * i.e. missing); `null` and `undefined` are empty fields.
 */
export function formatCsvRecord(
  fields: readonly (string | number | null | undefined)[],
  delimiter = ',',
): string {
  return fields
    .map((f) =>
      f === null || f === undefined
        ? ''
        : typeof f === 'number'
          ? formatNumber(f)
          : formatCsvField(f, delimiter),
    )
    .join(delimiter);
}

/** Appends `source[start, start + count)` as one CSV line (`\n`-terminated) to a sink. NaN → empty field. */
export function writeCsvNumbers(
  sink: ByteSink,
  source: ArrayLike<number>,
  start: number,
  count: number,
): void {
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      sink.ensure(1);
      sink.byte(0x2c);
    }
    sink.number(source[start + i]!);
  }
  sink.ensure(1);
  sink.byte(0x0a);
}
