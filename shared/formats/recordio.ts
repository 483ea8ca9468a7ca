/**
 * RecordIO framing as SageMaker uses it (SPEC §1.1). Each record is
 *
 * ```
 * offset 0   4 bytes  magic 0xCED7230A, little-endian (bytes 0A 23 D7 CE)
 * offset 4   4 bytes  lrecord, uint32 LE: bits 0-28 payload length n, bits 29-31 cflag
 * offset 8   n bytes  payload (a serialized aialgs.data.Record)
 * offset 8+n 0-3      zero bytes up to the next 4-byte boundary: (4 - n % 4) % 4
 * ```
 *
 * There is no file header or trailer. Writers always emit `cflag` 0; a `cflag` of 1-3 marks a record
 * the dmlc writer split into parts, which no SageMaker producer writes, so the reader refuses it
 * with a clear error rather than guessing.
 */
import { RecordIOFormatError } from '../errors';
import { ByteSink, concatBytes } from './bytes';

/** The RecordIO magic number (read as a little-endian uint32). */
export const RECORDIO_MAGIC = 0xced7230a;

/** Largest payload the 29-bit length field can describe. */
export const RECORDIO_MAX_LENGTH = 2 ** 29 - 1;

/** Default refusal threshold of the frame reader: 64 MiB per record. */
export const RECORDIO_DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Number of zero bytes that follow a payload of `length` bytes. */
export function recordIOPadding(length: number): number {
  return (4 - (length % 4)) % 4;
}

/** Total size of the frame around a payload of `length` bytes (header + payload + padding). */
export function recordIOFrameSize(length: number): number {
  return 8 + length + recordIOPadding(length);
}

/**
 * Appends one frame (header, payload, padding) to a sink.
 *
 * @throws RecordIOFormatError when the payload is longer than the 29-bit length field allows.
 */
export function writeRecordIOFrame(sink: ByteSink, payload: Uint8Array): void {
  if (payload.length > RECORDIO_MAX_LENGTH) {
    throw new RecordIOFormatError(
      `a RecordIO payload of ${payload.length} bytes exceeds the 29-bit length limit (${RECORDIO_MAX_LENGTH})`,
    );
  }
  const pad = recordIOPadding(payload.length);
  sink.ensure(8 + payload.length + pad);
  sink.uint32(RECORDIO_MAGIC);
  sink.uint32(payload.length);
  sink.buffer.set(payload, sink.length);
  sink.length += payload.length;
  for (let i = 0; i < pad; i++) sink.byte(0);
}

/**
 * Frames payloads into one RecordIO byte array.
 *
 * @example
 * const bytes = encodeRecordIOFrames([encodeRecord(record)]);
 */
export function encodeRecordIOFrames(payloads: Iterable<Uint8Array>): Uint8Array {
  const sink = new ByteSink();
  for (const payload of payloads) writeRecordIOFrame(sink, payload);
  return sink.take();
}

/** One frame read back: its payload and the byte offset of its header in the stream. */
export interface RecordIOFrame {
  /** The payload bytes (may be a view into the pushed chunk: copy it to keep it past the next push). */
  readonly payload: Uint8Array;
  /** 0-based byte offset of the frame header from the start of the stream. */
  readonly offset: number;
}

/** Options of {@link RecordIOFrameReader}. */
export interface RecordIOFrameReaderOptions {
  /** Refuse (before buffering) any record whose payload is larger than this. Default 64 MiB. */
  readonly maxRecordBytes?: number;
  /** Name of the input, for error messages. */
  readonly source?: string;
}

/**
 * A streaming frame reader: push byte chunks of any size, get the complete frames back. It checks
 * every header as soon as its 8 bytes are there, so a wrong magic number, a non-zero `cflag` or a
 * length above `maxRecordBytes` is refused before any of that payload is buffered.
 *
 * @example
 * const reader = new RecordIOFrameReader({ source: key });
 * for await (const chunk of body) for (const frame of reader.push(chunk)) handle(frame.payload);
 * reader.end();
 */
export class RecordIOFrameReader {
  readonly #maxRecordBytes: number;
  readonly #source: string | undefined;
  /** Bytes received but not yet returned (the start of an incomplete frame). */
  #pending: Uint8Array = new Uint8Array(0);
  /** Stream offset of `#pending[0]`. */
  #offset = 0;
  /** Chunks received after `#pending` while its frame is still incomplete. */
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  /** Bytes `#pending` must reach before the next frame can be returned (header, or the whole frame). */
  #needed = 8;

  constructor(options: RecordIOFrameReaderOptions = {}) {
    this.#maxRecordBytes = Math.min(
      options.maxRecordBytes ?? RECORDIO_DEFAULT_MAX_RECORD_BYTES,
      RECORDIO_MAX_LENGTH,
    );
    this.#source = options.source;
  }

  /** Adds a chunk and returns every frame it completes, in order. */
  push(chunk: Uint8Array): RecordIOFrame[] {
    if (
      this.#waiting.length > 0 ||
      (this.#pending.length > 0 && this.#pending.length + chunk.length < this.#needed)
    ) {
      // A large record arriving in small chunks: gather them, join once the frame is complete.
      this.#waiting.push(chunk);
      this.#waitingBytes += chunk.length;
      if (this.#pending.length + this.#waitingBytes < this.#needed) return [];
      chunk = concatBytes(this.#waiting);
      this.#waiting = [];
      this.#waitingBytes = 0;
    }
    let data: Uint8Array;
    if (this.#pending.length === 0) data = chunk;
    else {
      // Only a partial frame is ever pending, so this copy is bounded by maxRecordBytes.
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
    }
    const frames: RecordIOFrame[] = [];
    let at = 0;
    this.#needed = 8;
    while (data.length - at >= 8) {
      const length = this.#checkHeader(data, at);
      const end = at + 8 + length + recordIOPadding(length);
      if (end > data.length) {
        this.#needed = end - at;
        break;
      }
      frames.push({ payload: data.subarray(at + 8, at + 8 + length), offset: this.#offset + at });
      at = end;
    }
    this.#offset += at;
    this.#pending = at === data.length ? new Uint8Array(0) : new Uint8Array(data.subarray(at));
    return frames;
  }

  /**
   * Ends the stream and returns a last frame whose padding was cut off (accepted), if any.
   *
   * @throws RecordIOFormatError when the stream ends inside a header or a payload.
   */
  end(): RecordIOFrame[] {
    if (this.#waiting.length > 0) {
      this.#pending = concatBytes([this.#pending, ...this.#waiting]);
      this.#waiting = [];
      this.#waitingBytes = 0;
    }
    const data = this.#pending;
    if (data.length === 0) return [];
    if (data.length < 8) {
      throw this.#error(`truncated RecordIO header: ${data.length} of 8 bytes at the end of the input`, 0);
    }
    const length = this.#checkHeader(data, 0);
    if (data.length < 8 + length) {
      throw this.#error(
        `truncated RecordIO record: the header announces ${length} payload bytes, only ${data.length - 8} follow`,
        0,
      );
    }
    this.#pending = new Uint8Array(0);
    const frame = { payload: data.subarray(8, 8 + length), offset: this.#offset };
    this.#offset += data.length;
    return [frame];
  }

  /** Validates the header at `at` and returns the payload length. */
  #checkHeader(data: Uint8Array, at: number): number {
    const magic = (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
    if (magic !== RECORDIO_MAGIC) {
      throw this.#error(
        `not a RecordIO frame: expected the magic number 0xced7230a (bytes 0a 23 d7 ce), found 0x${magic.toString(16).padStart(8, '0')}`,
        at,
      );
    }
    const lrecord =
      (data[at + 4]! | (data[at + 5]! << 8) | (data[at + 6]! << 16) | (data[at + 7]! << 24)) >>> 0;
    const cflag = lrecord >>> 29;
    const length = lrecord & RECORDIO_MAX_LENGTH;
    if (cflag !== 0) {
      throw this.#error(
        `unsupported RecordIO cflag ${cflag}: the record is split into parts (dmlc multi-part record); SageMaker writers always use cflag 0`,
        at + 4,
      );
    }
    if (length > this.#maxRecordBytes) {
      throw this.#error(
        `RecordIO record of ${length} bytes exceeds the limit of ${this.#maxRecordBytes} bytes`,
        at + 4,
      );
    }
    return length;
  }

  #error(message: string, at: number): RecordIOFormatError {
    const offset = this.#offset + at;
    return new RecordIOFormatError(
      message,
      this.#source === undefined ? { offset } : { source: this.#source, offset },
    );
  }
}

/**
 * Splits a whole RecordIO byte array into frames.
 *
 * @throws RecordIOFormatError on a bad magic number, a non-zero cflag, an oversized or truncated frame.
 */
export function decodeRecordIOFrames(
  bytes: Uint8Array,
  options: RecordIOFrameReaderOptions = {},
): RecordIOFrame[] {
  const reader = new RecordIOFrameReader(options);
  const frames = reader.push(bytes);
  for (const f of reader.end()) frames.push(f);
  return frames;
}
