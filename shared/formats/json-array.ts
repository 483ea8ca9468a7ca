/**
 * The first element of a JSON array, read from its leading bytes only: a Distributed Map's
 * ResultWriter file (`FAILED_0.json`) can be many megabytes, and a failure report needs only its first
 * entry. The scanner tracks strings, escapes and nesting over byte chunks, with no I/O of its own.
 */
import { JsonLinesFormatError } from '../errors';
import { concatBytes } from './bytes';

const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

/**
 * Feeds the bytes of a JSON array chunk by chunk and reports its first element once it is complete.
 *
 * @example
 * ```ts
 * const scanner = new FirstArrayElement({ source: uri, maxBytes: 4 << 20 });
 * for await (const chunk of readObjectChunks(s3, location)) {
 *   if (scanner.push(chunk)) break;
 * }
 * const first = scanner.value(); // undefined for `[]`
 * ```
 */
export class FirstArrayElement {
  readonly #source: string;
  readonly #maxBytes: number;
  #chunks: Uint8Array[] = [];
  #length = 0;
  #scanned = 0;
  #started = false;
  #start = -1;
  #end = -1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #empty = false;

  /** @param options.source names the file in errors; `maxBytes` caps what is buffered (default 4 MiB). */
  constructor(options: { source: string; maxBytes?: number }) {
    this.#source = options.source;
    this.#maxBytes = options.maxBytes ?? 4 * 1024 * 1024;
  }

  /**
   * Adds bytes; returns true once the first element (or the end of an empty array) has been seen.
   *
   * @throws {JsonLinesFormatError} when the text is not a JSON array, or the first element is longer
   *   than `maxBytes`.
   */
  push(chunk: Uint8Array): boolean {
    if (this.#done()) return true;
    this.#chunks.push(chunk);
    const base = this.#length;
    this.#length += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i] as number;
      const at = base + i;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (byte === BACKSLASH) this.#escaped = true;
        else if (byte === QUOTE) this.#inString = false;
        continue;
      }
      if (!this.#started) {
        if (byte === OPEN_ARRAY) this.#started = true;
        else if (!isSpace(byte)) throw this.#error(at, 'expected a JSON array');
        continue;
      }
      if (this.#start < 0) {
        if (isSpace(byte)) continue;
        if (byte === CLOSE_ARRAY) {
          this.#empty = true;
          return true;
        }
        this.#start = at;
      }
      if (byte === QUOTE) this.#inString = true;
      else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) this.#depth++;
      else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) {
        if (this.#depth === 0) {
          this.#end = at;
          return true;
        }
        this.#depth--;
      } else if (byte === COMMA && this.#depth === 0) {
        this.#end = at;
        return true;
      }
    }
    this.#scanned = this.#length;
    if (this.#length > this.#maxBytes) {
      throw this.#error(this.#scanned, `the first element is longer than ${this.#maxBytes} bytes`);
    }
    return false;
  }

  /**
   * The first element, parsed; undefined for an empty array.
   *
   * @throws {JsonLinesFormatError} when the input ended before the element did, or it is not JSON.
   */
  value(): unknown {
    if (this.#empty) return undefined;
    if (this.#end < 0) throw this.#error(this.#length, 'the array ended before its first element did');
    const bytes = concatBytes(this.#chunks);
    const text = new TextDecoder().decode(bytes.subarray(this.#start, this.#end));
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new JsonLinesFormatError(
        'the first array element is not valid JSON',
        { source: this.#source, offset: this.#start },
        { cause: error },
      );
    }
  }

  #done(): boolean {
    return this.#empty || this.#end >= 0;
  }

  #error(offset: number, message: string): JsonLinesFormatError {
    return new JsonLinesFormatError(message, { source: this.#source, offset });
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
