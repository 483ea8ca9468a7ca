/**
 * A little-endian cursor over a model file's bytes, shared by the binary formats (XGBoost `binf`,
 * MXNet NDArray lists). Pure: no I/O. Each format says how its errors read; bounds are checked by
 * {@link ByteReader.need} (once per block on hot paths) or per read when a `what` is given.
 */
import { ModelFormatError } from '../errors';

/** How a format words its errors. */
export interface ByteReaderMessages {
  /** `n` bytes for `what` are not there at `offset` in a file of `size` bytes. */
  truncated(what: string, n: number, offset: number, size: number): string;
  /** A 64-bit count `value` read for `what` (ending at `end`) is larger than a safe integer. */
  tooLarge(what: string, value: bigint, end: number): string;
}

/** A cursor reading little-endian numbers; throws {@link ModelFormatError} past the end. */
export class ByteReader {
  offset = 0;
  protected readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    private readonly messages: ByteReaderMessages,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Checks that `n` more bytes are there for `what`. */
  need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw new ModelFormatError(this.messages.truncated(what, n, this.offset, this.bytes.length));
    }
  }

  /** A uint32; checked when `what` is given, else the caller has checked with {@link need}. */
  u32(what?: string): number {
    if (what !== undefined) this.need(4, what);
    const v = this.view.getUint32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** An int32; checked when `what` is given. */
  i32(what?: string): number {
    if (what !== undefined) this.need(4, what);
    const v = this.view.getInt32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** A float32, unchecked (check the block with {@link need}). */
  f32(): number {
    const v = this.view.getFloat32(this.offset, true);
    this.offset += 4;
    return v;
  }

  /** A uint64 count, checked, refused above `Number.MAX_SAFE_INTEGER`. */
  u64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.offset, true);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new ModelFormatError(this.messages.tooLarge(what, v, this.offset));
    }
    return Number(v);
  }

  /** An int64, checked. */
  i64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigInt64(this.offset, true);
    this.offset += 8;
    return Number(v);
  }
}
