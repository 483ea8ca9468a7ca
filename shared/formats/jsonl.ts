/**
 * JSON Lines: one JSON object per line (LF or CRLF), UTF-8. Blank lines are skipped. Streaming: push
 * chunks, get the objects of the complete lines; a line that is not a JSON object either throws or,
 * in `collect` mode, is set aside with its reason so a converter can quarantine it.
 */
import { JsonLinesFormatError } from '../errors';
import { concatBytes, utf8Text } from './bytes';

/** One object read, with where it came from. */
export interface JsonLinesRecord {
  readonly value: Record<string, unknown>;
  /** 1-based line number. */
  readonly line: number;
  /** 0-based byte offset of the line in the stream. */
  readonly offset: number;
  /** The line as written (without its line break). */
  readonly text: string;
}

/** A line that is not a JSON object (mode `collect`). */
export interface JsonLinesRejectedLine {
  readonly line: number;
  readonly offset: number;
  readonly text: string;
  readonly reason: string;
}

/** Options of {@link JsonLinesReader}. */
export interface JsonLinesOptions {
  /** Name of the input, for error messages. */
  readonly source?: string;
  /** `throw` (default) or `collect` lines that are not JSON objects. */
  readonly onInvalidLine?: 'throw' | 'collect';
  /** Refuse a line longer than this many bytes. Default 16 MiB. */
  readonly maxLineBytes?: number;
}

/** What one push returns. */
export interface JsonLinesBatch {
  readonly records: JsonLinesRecord[];
  readonly rejected: JsonLinesRejectedLine[];
}

/**
 * Streaming JSON Lines reader.
 *
 * @example
 * const reader = new JsonLinesReader({ source: 'rows.jsonl' });
 * const { records } = reader.push(bytes);
 * reader.end();
 */
export class JsonLinesReader {
  readonly #options: JsonLinesOptions;
  readonly #maxLineBytes: number;
  #pending: Uint8Array = new Uint8Array(0);
  /** Pieces of a line received after `#pending`, not yet joined (no line break in them). */
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  #base = 0;
  #line = 1;
  #ended = false;

  constructor(options: JsonLinesOptions = {}) {
    this.#options = options;
    this.#maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
  }

  /** Adds a chunk and returns the objects of the lines it completes. */
  push(chunk: Uint8Array): JsonLinesBatch {
    return this.#run(chunk, false);
  }

  /** Ends the stream: returns the object of a last line without a line break, if any. */
  end(): JsonLinesBatch {
    if (this.#ended) return { records: [], rejected: [] };
    this.#ended = true;
    return this.#run(new Uint8Array(0), true);
  }

  #run(chunk: Uint8Array, final: boolean): JsonLinesBatch {
    if (!final && this.#pending.length + this.#waitingBytes > 0 && chunk.indexOf(0x0a) < 0) {
      // A long line arriving in pieces: keep the pieces and join them once, when its end arrives.
      this.#waiting.push(chunk);
      this.#waitingBytes += chunk.length;
      if (this.#pending.length + this.#waitingBytes > this.#maxLineBytes) {
        throw new JsonLinesFormatError(`a JSON Lines line longer than ${this.#maxLineBytes} bytes`, {
          ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
          line: this.#line,
          offset: this.#base,
        });
      }
      return { records: [], rejected: [] };
    }
    if (this.#waiting.length > 0) {
      chunk = concatBytes([...this.#waiting, chunk]);
      this.#waiting = [];
      this.#waitingBytes = 0;
    }
    let data = chunk;
    if (this.#pending.length > 0) {
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
    }
    const records: JsonLinesRecord[] = [];
    const rejected: JsonLinesRejectedLine[] = [];
    let pos = 0;
    if (this.#base === 0 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) pos = 3;
    for (;;) {
      let nl = data.indexOf(0x0a, pos);
      if (nl < 0) {
        if (!final || pos >= data.length) break;
        nl = data.length;
      }
      let end = nl;
      if (end > pos && data[end - 1] === 0x0d) end--;
      const text = utf8Text(data, pos, end);
      const offset = this.#base + pos;
      if (text.trim().length > 0) {
        const parsed = parseLine(text);
        if (typeof parsed === 'string') {
          if (this.#options.onInvalidLine !== 'collect') {
            throw new JsonLinesFormatError(parsed, {
              ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
              line: this.#line,
              offset,
            });
          }
          rejected.push({ line: this.#line, offset, text, reason: parsed });
        } else records.push({ value: parsed, line: this.#line, offset, text });
      }
      this.#line++;
      pos = nl + 1;
    }
    pos = Math.min(pos, data.length);
    if (data.length - pos > this.#maxLineBytes) {
      throw new JsonLinesFormatError(`a JSON Lines line longer than ${this.#maxLineBytes} bytes`, {
        ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
        line: this.#line,
        offset: this.#base + pos,
      });
    }
    this.#pending = pos >= data.length ? new Uint8Array(0) : new Uint8Array(data.subarray(pos));
    this.#base += pos;
    return { records, rejected };
  }
}

/** Parses one line: the object, or the reason it is not one. */
function parseLine(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
  }
  return value as Record<string, unknown>;
}

/**
 * Parses a whole JSON Lines byte array (or string) into objects.
 *
 * @throws JsonLinesFormatError naming the line and byte offset of the first line that is not an object.
 */
export function parseJsonLines(
  input: Uint8Array | string,
  options: JsonLinesOptions = {},
): JsonLinesRecord[] {
  const reader = new JsonLinesReader(options);
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  return [...reader.push(bytes).records, ...reader.end().records];
}
