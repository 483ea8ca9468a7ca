/**
 * Splits a byte stream into `\n`-terminated lines (a `\r` before the `\n` dropped), for the
 * line-oriented formats (LibSVM, JSON Lines). Pure: bytes in, decoded lines out through a callback.
 * Only the unfinished last line is kept between pushes; the pieces of a long line are gathered and
 * joined once, when its end arrives, and a line longer than the limit is refused while it is still
 * arriving.
 */
import { concatBytes, utf8Text } from './bytes';

/** Receives one complete line: its text, 1-based line number and byte offset in the stream. */
export type LineHandler = (text: string, line: number, offset: number) => void;

export interface LineSplitterOptions {
  /** The longest line accepted, in bytes. */
  readonly maxLineBytes: number;
  /** Skip a UTF-8 byte order mark at the very start of the stream. */
  readonly skipBom?: boolean;
  /** Makes the format's error for a line over the limit. */
  readonly tooLong: (line: number, offset: number) => Error;
}

/** A streaming line splitter; see the module comment. */
export class LineSplitter {
  readonly #options: LineSplitterOptions;
  #pending: Uint8Array = new Uint8Array(0);
  /** Pieces of a line received after `#pending`, not yet joined (no line break in them). */
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  #base = 0;
  #line = 1;

  constructor(options: LineSplitterOptions) {
    this.#options = options;
  }

  /** Adds a chunk (`final` for the end of the stream) and hands each line it completes to `onLine`. */
  push(chunk: Uint8Array, final: boolean, onLine: LineHandler): void {
    const max = this.#options.maxLineBytes;
    if (!final && this.#pending.length + this.#waitingBytes > 0 && chunk.indexOf(0x0a) < 0) {
      // A long line arriving in pieces: keep the pieces and join them once, when its end arrives.
      this.#waiting.push(chunk);
      this.#waitingBytes += chunk.length;
      if (this.#pending.length + this.#waitingBytes > max)
        throw this.#options.tooLong(this.#line, this.#base);
      return;
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
    let pos = 0;
    if (
      this.#options.skipBom &&
      this.#base === 0 &&
      data[0] === 0xef &&
      data[1] === 0xbb &&
      data[2] === 0xbf
    ) {
      pos = 3;
    }
    for (;;) {
      let nl = data.indexOf(0x0a, pos);
      if (nl < 0) {
        if (!final || pos >= data.length) break;
        nl = data.length;
      }
      let end = nl;
      if (end > pos && data[end - 1] === 0x0d) end--;
      onLine(utf8Text(data, pos, end), this.#line, this.#base + pos);
      this.#line++;
      pos = nl + 1;
    }
    pos = Math.min(pos, data.length);
    if (data.length - pos > max) throw this.#options.tooLong(this.#line, this.#base + pos);
    this.#pending = pos >= data.length ? new Uint8Array(0) : new Uint8Array(data.subarray(pos));
    this.#base += pos;
  }
}
