/**
 * JSON Lines: one JSON object per line (LF or CRLF), UTF-8. Blank lines are skipped. Streaming: push
 * chunks, get the objects of the complete lines; a line that is not a JSON object either throws or,
 * in `collect` mode, is set aside with its reason so a converter can quarantine it.
 */

import { JsonLinesFormatError } from '../errors';
import { LineSplitter } from './lines';

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
  readonly #lines: LineSplitter;
  #ended = false;

  constructor(options: JsonLinesOptions = {}) {
    this.#options = options;
    this.#maxLineBytes = options.maxLineBytes ?? 16 * 1024 * 1024;
    this.#lines = new LineSplitter({
      maxLineBytes: this.#maxLineBytes,
      skipBom: true,
      tooLong: (line, offset) =>
        new JsonLinesFormatError(`a JSON Lines line longer than ${this.#maxLineBytes} bytes`, {
          ...(options.source === undefined ? {} : { source: options.source }),
          line,
          offset,
        }),
    });
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
    const records: JsonLinesRecord[] = [];
    const rejected: JsonLinesRejectedLine[] = [];
    this.#lines.push(chunk, final, (text, line, offset) => {
      if (text.trim().length === 0) return;
      const parsed = parseLine(text);
      if (typeof parsed === 'string') {
        if (this.#options.onInvalidLine !== 'collect') {
          throw new JsonLinesFormatError(parsed, {
            ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
            line,
            offset,
          });
        }
        rejected.push({ line, offset, text, reason: parsed });
      } else records.push({ value: parsed, line, offset, text });
    });
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
