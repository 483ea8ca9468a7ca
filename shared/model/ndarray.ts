/**
 * MXNet NDArray list files (`mx.nd.save` / `NDArray::Save(dmlc::Stream*, arrays, names)`), the
 * `model_algo-1` format of SageMaker's KMeans and PCA and the `.params` inside Linear Learner's
 * module (SPEC §12.1). Pure byte code, little-endian:
 *
 * ```
 * u64 0x112 (list magic) | u64 reserved 0 | u64 N
 * N × { u32 magic            0xF993FAC9 (V2) | 0xF993FACA (V3, numpy shapes) | 0xF993FAC8 (V1)
 *       i32 storage type     V2/V3 only; 0 = dense (sparse is refused)
 *       i32 ndim, i64 × ndim shape; ndim 0 = an empty array, nothing else follows
 *       i32 dev_type, i32 dev_id
 *       i32 type flag        0 f32, 1 f64, 2 f16, 3 u8, 4 i32, 5 i8, 6 i64
 *       values, row-major }
 * u64 M names (0 = a list; else M = N), each u64 length + UTF-8 bytes
 * ```
 * The writer emits V2 dense float32/float64 CPU arrays, as `mx.nd.save` does by default.
 */

import { ModelFormatError, UnsupportedModelError } from '../errors';
import { ByteReader } from './byte-reader';

/** The u64 magic that starts an NDArray list file. */
export const NDARRAY_LIST_MAGIC = 0x112;
/** Per-array magics: V1 (no storage type), V2 (the default), V3 (numpy shape semantics). */
export const NDARRAY_V1_MAGIC = 0xf993fac8;
export const NDARRAY_V2_MAGIC = 0xf993fac9;
export const NDARRAY_V3_MAGIC = 0xf993faca;

/** Element types by MXNet type flag. */
export type NDArrayDType = 'float32' | 'float64' | 'float16' | 'uint8' | 'int32' | 'int8' | 'int64';
const DTYPES: readonly NDArrayDType[] = ['float32', 'float64', 'float16', 'uint8', 'int32', 'int8', 'int64'];
const ITEM_SIZE: Record<NDArrayDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  uint8: 1,
  int32: 4,
  int8: 1,
  int64: 8,
};

/** One array: its shape and its values widened to float64 (float16 decoded, int64 as Number). */
export interface NDArray {
  readonly shape: readonly number[];
  readonly dtype: NDArrayDType;
  readonly data: Float64Array;
}

/** A decoded list file: arrays in file order and their names (`undefined` for a plain list). */
export interface NDArrayFile {
  readonly arrays: readonly NDArray[];
  readonly names: readonly string[] | undefined;
}

/** Largest array (elements) a reader accepts: bounds allocations driven by corrupt headers. */
const MAX_ELEMENTS = 2 ** 28;

class Cursor extends ByteReader {
  constructor(bytes: Uint8Array, source: string) {
    super(bytes, {
      truncated: (what, n, offset, size) =>
        `${source}: truncated MXNet NDArray file: ${what} needs ${n} bytes at offset ${offset}, ${size - offset} left`,
      tooLarge: (what, value, end) => `${source}: ${what} ${value} at offset ${end - 8} is out of range`,
    });
  }

  float(dtype: NDArrayDType): number {
    const o = this.offset;
    this.offset += ITEM_SIZE[dtype];
    switch (dtype) {
      case 'float32':
        return this.view.getFloat32(o, true);
      case 'float64':
        return this.view.getFloat64(o, true);
      case 'float16':
        return halfToNumber(this.view.getUint16(o, true));
      case 'uint8':
        return this.view.getUint8(o);
      case 'int32':
        return this.view.getInt32(o, true);
      case 'int8':
        return this.view.getInt8(o);
      default:
        return Number(this.view.getBigInt64(o, true));
    }
  }
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function readArray(c: Cursor, index: number, source: string): NDArray {
  const at = c.offset;
  const magic = c.u32(`array ${index} magic`);
  if (magic !== NDARRAY_V1_MAGIC && magic !== NDARRAY_V2_MAGIC && magic !== NDARRAY_V3_MAGIC) {
    throw new ModelFormatError(
      `${source}: array ${index} at offset ${at} has magic 0x${magic.toString(16)}, expected 0xf993fac9 (V2), 0xf993faca (V3) or 0xf993fac8 (V1)`,
    );
  }
  if (magic !== NDARRAY_V1_MAGIC) {
    const stype = c.i32(`array ${index} storage type`);
    if (stype !== 0 && stype !== 1 && stype !== 2) {
      throw new ModelFormatError(`${source}: array ${index} has storage type ${stype}, expected 0 (dense)`);
    }
    if (stype !== 0) {
      throw new UnsupportedModelError(
        `${source}: array ${index} has storage type ${stype} (sparse); only dense NDArrays are read`,
      );
    }
  }
  const ndim = c.i32(`array ${index} ndim`);
  if (ndim < 0 || ndim > 32) {
    // V3 writes ndim -1 for an unknown shape: such an array holds nothing.
    if (ndim === -1 && magic === NDARRAY_V3_MAGIC)
      return { shape: [], dtype: 'float32', data: new Float64Array(0) };
    throw new ModelFormatError(`${source}: array ${index} has ndim ${ndim}, expected 0-32`);
  }
  const shape: number[] = [];
  let size = 1;
  for (let d = 0; d < ndim; d++) {
    const dim = c.i64(`array ${index} dimension ${d}`);
    if (!(dim >= 0 && dim <= MAX_ELEMENTS)) {
      throw new ModelFormatError(`${source}: array ${index} dimension ${d} is ${dim}`);
    }
    shape.push(dim);
    size *= dim;
  }
  if (size > MAX_ELEMENTS) {
    throw new ModelFormatError(`${source}: array ${index} of shape (${shape.join(', ')}) is too large`);
  }
  if (ndim === 0) return { shape: [], dtype: 'float32', data: new Float64Array(0) };
  c.i32(`array ${index} dev_type`);
  c.i32(`array ${index} dev_id`);
  const flag = c.i32(`array ${index} type flag`);
  const dtype = DTYPES[flag];
  if (dtype === undefined) {
    throw new ModelFormatError(`${source}: array ${index} has type flag ${flag}, expected 0-6`);
  }
  c.need(size * ITEM_SIZE[dtype], `array ${index} values (${size} × ${dtype})`);
  const data = new Float64Array(size);
  for (let i = 0; i < size; i++) data[i] = c.float(dtype);
  return { shape, dtype, data };
}

/**
 * Decodes an MXNet NDArray list file.
 *
 * @throws {ModelFormatError} for bad magics, truncation, impossible shapes or trailing bytes.
 * @throws {UnsupportedModelError} for sparse arrays.
 * @example
 * const { arrays } = readNDArrayFile(bytes); // KMeans: arrays[0].shape = [k, feature_dim]
 */
export function readNDArrayFile(bytes: Uint8Array, source = 'NDArray file'): NDArrayFile {
  const c = new Cursor(bytes, source);
  if (bytes.length < 24) {
    throw new ModelFormatError(
      `${source}: ${bytes.length} bytes is too short for an MXNet NDArray list file`,
    );
  }
  const magic = c.u64('list magic');
  if (magic !== NDARRAY_LIST_MAGIC) {
    throw new ModelFormatError(
      `${source}: not an MXNet NDArray list file (magic 0x${magic.toString(16)}, expected 0x112)`,
    );
  }
  c.u64('reserved');
  const count = c.u64('array count');
  if (count > (bytes.length - 24) / 12) {
    throw new ModelFormatError(`${source}: array count ${count} cannot fit in ${bytes.length} bytes`);
  }
  const arrays: NDArray[] = [];
  for (let i = 0; i < count; i++) arrays.push(readArray(c, i, source));
  const nameCount = c.u64('name count');
  if (nameCount !== 0 && nameCount !== count) {
    throw new ModelFormatError(`${source}: ${nameCount} names for ${count} arrays`);
  }
  let names: string[] | undefined;
  if (nameCount > 0) {
    names = [];
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (let i = 0; i < nameCount; i++) {
      const length = c.u64(`name ${i} length`);
      c.need(length, `name ${i}`);
      try {
        names.push(utf8.decode(bytes.subarray(c.offset, c.offset + length)));
      } catch (error) {
        throw new ModelFormatError(`${source}: name ${i} is not UTF-8`, { cause: error });
      }
      c.offset += length;
    }
  }
  if (c.offset !== bytes.length) {
    throw new ModelFormatError(
      `${source}: ${bytes.length - c.offset} unexpected bytes after the NDArray list`,
    );
  }
  return { arrays, names };
}

/** One array to write: its shape and values (written as float32 unless `dtype` says float64). */
export interface NDArrayInput {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
  readonly dtype?: 'float32' | 'float64';
}

/**
 * Encodes arrays as `mx.nd.save` does: V2 dense CPU arrays; with `names`, a dict in that order.
 *
 * @example
 * writeNDArrayFile([{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }]); // the 96 bytes of SPEC §12.1
 */
export function writeNDArrayFile(arrays: readonly NDArrayInput[], names?: readonly string[]): Uint8Array {
  if (names !== undefined && names.length !== arrays.length) {
    throw new RangeError(`${names.length} names for ${arrays.length} arrays`);
  }
  const encoder = new TextEncoder();
  const nameBytes = (names ?? []).map((n) => encoder.encode(n));
  let size = 24 + 8;
  for (const a of arrays) {
    const count = a.shape.reduce((p, d) => p * d, 1);
    if (count !== a.data.length) {
      throw new RangeError(`shape (${a.shape.join(', ')}) holds ${count} values, got ${a.data.length}`);
    }
    size +=
      12 + 8 * a.shape.length + (a.shape.length === 0 ? 0 : 12 + count * (a.dtype === 'float64' ? 8 : 4));
  }
  for (const n of nameBytes) size += 8 + n.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let o = 0;
  const u64 = (v: number): void => {
    view.setBigUint64(o, BigInt(v), true);
    o += 8;
  };
  const i32 = (v: number): void => {
    view.setInt32(o, v, true);
    o += 4;
  };
  u64(NDARRAY_LIST_MAGIC);
  u64(0);
  u64(arrays.length);
  for (const a of arrays) {
    view.setUint32(o, NDARRAY_V2_MAGIC, true);
    o += 4;
    i32(0);
    i32(a.shape.length);
    for (const d of a.shape) {
      view.setBigInt64(o, BigInt(d), true);
      o += 8;
    }
    if (a.shape.length === 0) continue;
    i32(1);
    i32(0);
    const f64 = a.dtype === 'float64';
    i32(f64 ? 1 : 0);
    for (let i = 0; i < a.data.length; i++) {
      if (f64) {
        view.setFloat64(o, a.data[i]!, true);
        o += 8;
      } else {
        view.setFloat32(o, a.data[i]!, true);
        o += 4;
      }
    }
  }
  u64(nameBytes.length);
  for (const n of nameBytes) {
    u64(n.length);
    out.set(n, o);
    o += n.length;
  }
  return out;
}
