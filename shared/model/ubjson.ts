/**
 * A small UBJSON (Universal Binary JSON, draft 12) decoder: what XGBoost ≥1.6 writes for `*.ubj`.
 *
 * Layout: one type marker byte, then the value; numbers are **big-endian**. Markers: `Z` null,
 * `N` no-op, `T`/`F` booleans, `i` int8, `U` uint8, `I` int16, `l` int32, `L` int64, `d` float32,
 * `D` float64, `H` high-precision number (a string), `C` char, `S` string (an integer length, then
 * UTF-8 bytes), `[`…`]` array, `{`…`}` object whose keys are strings *without* the `S` marker.
 * Containers may be optimised: `$<type>` (every element has that type) and/or `#<count>`; with a
 * count there is no closing bracket. XGBoost writes its float, int and byte vectors as
 * `[$d#L<n>`, `[$l#L<n>`, `[$L#L<n>`, `[$U#L<n>`: those come back as typed arrays (float32 values stay
 * exactly float32), so a 10 MB model decodes without a JS value per node.
 */
import { ModelFormatError } from '../errors';

/** A decoded UBJSON value: JSON values, plus typed arrays for optimised numeric containers. */
export type UbjsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | UbjsonValue[]
  | { [key: string]: UbjsonValue }
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | BigInt64Array;

const MAX_DEPTH = 512;
const decoder = new TextDecoder('utf-8', { fatal: true });

class Cursor {
  offset = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.offset + n > this.bytes.length) {
      throw new ModelFormatError(
        `UBJSON model is truncated: needed ${n} more byte(s) at byte ${this.offset} of ${this.bytes.length}`,
      );
    }
  }
  byte(): number {
    this.need(1);
    return this.bytes[this.offset++] as number;
  }
  peek(): number {
    this.need(1);
    return this.bytes[this.offset] as number;
  }
}

function fail(cursor: Cursor, message: string, at = cursor.offset): never {
  throw new ModelFormatError(`UBJSON model: ${message} at byte ${at}`);
}

function readScalar(c: Cursor, marker: number): UbjsonValue {
  const v = c.view;
  switch (marker) {
    case 0x5a: // Z
      return null;
    case 0x54: // T
      return true;
    case 0x46: // F
      return false;
    case 0x69: // i
      c.need(1);
      c.offset += 1;
      return v.getInt8(c.offset - 1);
    case 0x55: // U
      return c.byte();
    case 0x49: // I
      c.need(2);
      c.offset += 2;
      return v.getInt16(c.offset - 2);
    case 0x6c: // l
      c.need(4);
      c.offset += 4;
      return v.getInt32(c.offset - 4);
    case 0x4c: {
      // L
      c.need(8);
      c.offset += 8;
      const big = v.getBigInt64(c.offset - 8);
      return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(big)
        : big;
    }
    case 0x64: // d
      c.need(4);
      c.offset += 4;
      return v.getFloat32(c.offset - 4);
    case 0x44: // D
      c.need(8);
      c.offset += 8;
      return v.getFloat64(c.offset - 8);
    case 0x43: // C
      return String.fromCharCode(c.byte());
    case 0x53: // S
      return readString(c);
    case 0x48: {
      // H: high-precision number carried as a string
      const text = readString(c);
      const n = Number(text);
      if (Number.isNaN(n)) fail(c, `high-precision number '${text}' is not a number`);
      return n;
    }
    default:
      return fail(c, `unknown type marker 0x${marker.toString(16).padStart(2, '0')}`, c.offset - 1);
  }
}

function readLength(c: Cursor): number {
  const at = c.offset;
  const marker = c.byte();
  const n = readScalar(c, marker);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || marker === 0x64 || marker === 0x44) {
    return fail(c, 'expected a non-negative integer length', at);
  }
  return n;
}

function readString(c: Cursor): string {
  const length = readLength(c);
  c.need(length);
  const start = c.offset;
  c.offset += length;
  try {
    return decoder.decode(c.bytes.subarray(start, start + length));
  } catch {
    return fail(c, 'string is not valid UTF-8', start);
  }
}

function readTypedArray(c: Cursor, type: number, count: number): UbjsonValue {
  const sizes: Record<number, number> = { 105: 1, 85: 1, 73: 2, 108: 4, 76: 8, 100: 4, 68: 8 };
  const size = sizes[type] as number;
  c.need(count * size);
  const start = c.offset;
  const v = c.view;
  c.offset += count * size;
  switch (type) {
    case 0x55:
      return c.bytes.slice(start, start + count);
    case 0x69: {
      const out = new Int8Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getInt8(start + i);
      return out;
    }
    case 0x49: {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getInt16(start + 2 * i);
      return out;
    }
    case 0x6c: {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getInt32(start + 4 * i);
      return out;
    }
    case 0x4c: {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getBigInt64(start + 8 * i);
      return out;
    }
    case 0x64: {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getFloat32(start + 4 * i);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = v.getFloat64(start + 8 * i);
      return out;
    }
  }
}

function readContainerHeader(c: Cursor): { type: number | undefined; count: number | undefined } {
  let type: number | undefined;
  let count: number | undefined;
  if (c.peek() === 0x24) {
    // $
    c.offset++;
    type = c.byte();
    if (c.peek() !== 0x23) fail(c, "an optimised container with '$' must give a count '#'");
  }
  if (c.peek() === 0x23) {
    // #
    c.offset++;
    count = readLength(c);
  }
  return { type, count };
}

function readValue(c: Cursor, marker: number, depth: number): UbjsonValue {
  if (marker === 0x5b) return readArray(c, depth + 1);
  if (marker === 0x7b) return readObject(c, depth + 1);
  return readScalar(c, marker);
}

function readArray(c: Cursor, depth: number): UbjsonValue {
  if (depth > MAX_DEPTH) fail(c, `nesting deeper than ${MAX_DEPTH}`);
  const { type, count } = readContainerHeader(c);
  if (
    type !== undefined &&
    count !== undefined &&
    [0x69, 0x55, 0x49, 0x6c, 0x4c, 0x64, 0x44].includes(type)
  ) {
    return readTypedArray(c, type, count);
  }
  const out: UbjsonValue[] = [];
  if (count !== undefined) {
    // A count larger than the bytes left cannot be honest: every element takes at least one byte
    // unless the element type is a zero-byte marker.
    if (type === undefined || ![0x5a, 0x54, 0x46, 0x4e].includes(type)) c.need(count);
    for (let i = 0; i < count; i++) out.push(readValue(c, type ?? nextMarker(c), depth));
    return out;
  }
  for (;;) {
    const marker = nextMarker(c);
    if (marker === 0x5d) return out;
    out.push(readValue(c, marker, depth));
  }
}

function readObject(c: Cursor, depth: number): UbjsonValue {
  if (depth > MAX_DEPTH) fail(c, `nesting deeper than ${MAX_DEPTH}`);
  const { type, count } = readContainerHeader(c);
  const out: { [key: string]: UbjsonValue } = {};
  const entry = (): void => {
    const key = readString(c);
    out[key] = readValue(c, type ?? nextMarker(c), depth);
  };
  if (count !== undefined) {
    c.need(count);
    for (let i = 0; i < count; i++) entry();
    return out;
  }
  for (;;) {
    if (c.peek() === 0x4e) {
      c.offset++;
      continue;
    }
    if (c.peek() === 0x7d) {
      c.offset++;
      return out;
    }
    entry();
  }
}

function nextMarker(c: Cursor): number {
  for (;;) {
    const marker = c.byte();
    if (marker !== 0x4e) return marker; // skip no-ops
  }
}

/**
 * Decodes one UBJSON value from `bytes`; trailing bytes are an error.
 *
 * @throws {ModelFormatError} on a truncated input, an unknown marker or invalid UTF-8.
 * @example
 * decodeUbjson(new Uint8Array([0x7b, 0x69, 0x01, 0x61, 0x54, 0x7d])); // { a: true }
 */
export function decodeUbjson(bytes: Uint8Array): UbjsonValue {
  const c = new Cursor(bytes);
  const value = readValue(c, nextMarker(c), 0);
  if (c.offset !== bytes.length) fail(c, `${bytes.length - c.offset} unexpected trailing byte(s)`);
  return value;
}
