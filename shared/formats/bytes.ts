/**
 * Byte-level helpers shared by the format modules: a growable output buffer with the protobuf
 * varint and little-endian writers, chunk concatenation, and UTF-8 text helpers. No I/O.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** Encodes a string as UTF-8 bytes. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decodes UTF-8 bytes `bytes[start, end)` (invalid sequences become U+FFFD). */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return decoder.decode(bytes.subarray(start, end));
}

/** Joins byte chunks into one array (returns the only chunk itself when there is one). */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0];
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Number of bytes of the base-128 varint of a non-negative integer below 2^53. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 4;
  let rest = Math.floor(value / 0x10000000);
  while (rest > 0) {
    size++;
    rest = Math.floor(rest / 128);
  }
  return size;
}

/**
 * A growable byte buffer with the writers the encoders need. `take()` hands out what was written
 * and starts over, so one sink can serve a whole stream.
 */
export class ByteSink {
  /** The backing buffer; bytes `[0, length)` are written. */
  buffer: Uint8Array;
  /** A DataView on {@link buffer}. */
  view: DataView;
  /** Number of bytes written. */
  length = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }

  /** Appends one byte (the caller has ensured room). */
  byte(value: number): void {
    this.buffer[this.length++] = value;
  }

  /** Appends bytes. */
  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  /** Appends an ASCII/Latin-1 string whose characters are all below 0x80 (no check). */
  ascii(text: string): void {
    this.ensure(text.length);
    const buf = this.buffer;
    let at = this.length;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.length = at;
  }

  /**
   * Appends a number as text: shortest round-trip decimal (as `String()`), `-0` for negative zero,
   * `inf`/`-inf`, and nothing for NaN (a missing value). Small integers skip the string.
   */
  number(value: number): void {
    if (value === (value | 0)) {
      if (value === 0 && 1 / value < 0) {
        this.ascii('-0');
        return;
      }
      this.ensure(11);
      const buf = this.buffer;
      let v = value;
      if (v < 0) {
        buf[this.length++] = 0x2d;
        v = -v;
      }
      let digits = 1;
      for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
      let at = this.length + digits;
      this.length = at;
      do {
        buf[--at] = 0x30 + (v % 10);
        v = Math.floor(v / 10);
      } while (v > 0);
      return;
    }
    if (Number.isNaN(value)) return;
    if (value === Number.POSITIVE_INFINITY) this.ascii('inf');
    else if (value === Number.NEGATIVE_INFINITY) this.ascii('-inf');
    else this.ascii(String(value));
  }

  /** Appends a string as UTF-8. */
  text(text: string): void {
    this.ensure(text.length * 3);
    const { written } = encoder.encodeInto(text, this.buffer.subarray(this.length));
    this.length += written;
  }

  /** Appends the varint of a non-negative integer below 2^53 (the caller has ensured 10 bytes). */
  varint(value: number): void {
    const buf = this.buffer;
    let at = this.length;
    if (value < 0x80000000) {
      let v = value;
      while (v >= 0x80) {
        buf[at++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[at++] = v;
    } else {
      let v = value;
      while (v >= 0x80) {
        buf[at++] = (v % 128) | 0x80;
        v = Math.floor(v / 128);
      }
      buf[at++] = v;
    }
    this.length = at;
  }

  /**
   * Appends an int32 as protobuf does: non-negative values as a plain varint, negative values
   * sign-extended to 64 bits, which is always 10 bytes.
   */
  int32Varint(value: number): void {
    if (value >= 0) {
      this.varint(value);
      return;
    }
    const buf = this.buffer;
    let at = this.length;
    // 64-bit two's complement: low 32 bits = value >>> 0, high 32 bits all ones.
    let lo = value >>> 0;
    for (let i = 0; i < 4; i++) {
      buf[at++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // bits 28..34: 4 low bits left + 3 high bits (ones)
    buf[at++] = (lo & 0x0f) | 0x70 | 0x80;
    for (let i = 0; i < 4; i++) buf[at++] = 0xff;
    buf[at++] = 0x01;
    this.length = at;
  }

  /** Appends a float32 little-endian (the caller has ensured 4 bytes). */
  float32(value: number): void {
    this.view.setFloat32(this.length, value, true);
    this.length += 4;
  }

  /** Appends a float64 little-endian (the caller has ensured 8 bytes). */
  float64(value: number): void {
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  /** Appends a uint32 little-endian (the caller has ensured 4 bytes). */
  uint32(value: number): void {
    this.view.setUint32(this.length, value, true);
    this.length += 4;
  }

  /** Returns a copy of the written bytes and empties the sink (keeping its capacity). */
  take(): Uint8Array {
    const out = this.buffer.slice(0, this.length);
    this.length = 0;
    return out;
  }
}
