/**
 * Decoding of `Content-Encoding: aws-chunked` request bodies, which `@aws-sdk/client-s3` v3 sends by
 * default for streamed uploads (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`, or the
 * signed variants `STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]`), and verification of the
 * `x-amz-checksum-*` value that arrives as a header or as a trailer.
 *
 * Layout (SigV4 streaming docs): each chunk is `<hex size>[;chunk-signature=<hex>]\r\n<bytes>\r\n`;
 * the last chunk has size 0 and is followed by trailer lines `name:value\r\n` (a checksum and, when
 * signed, `x-amz-trailer-signature`) and a final `\r\n`.
 */
import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { crc32 } from 'node:zlib';
import { S3Error } from './file-store';

/** The decoded payload and the trailers that followed it (names lower-cased). */
export interface DecodedChunks {
  readonly body: Buffer;
  readonly trailers: Record<string, string>;
}

/** True when the request body is aws-chunked framing rather than the object's bytes. */
export function isAwsChunked(headers: Record<string, string | string[] | undefined>): boolean {
  const encoding = String(headers['content-encoding'] ?? '');
  const sha = String(headers['x-amz-content-sha256'] ?? '');
  return encoding.split(',').some((e) => e.trim() === 'aws-chunked') || sha.startsWith('STREAMING-');
}

/** Strips the chunk framing; throws `IncompleteBody` / `InvalidRequest` S3 errors on bad framing. */
export function decodeAwsChunked(input: Buffer): DecodedChunks {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = input.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) throw new S3Error('IncompleteBody', 'aws-chunked body ends inside a chunk header');
    const header = input.subarray(at, lineEnd).toString('latin1');
    const size = Number.parseInt(header.split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0 || !/^[0-9a-fA-F]+$/.test(header.split(';')[0] ?? '')) {
      throw new S3Error(
        'InvalidRequest',
        `aws-chunked: bad chunk header '${header.slice(0, 40)}' at byte ${at}`,
      );
    }
    at = lineEnd + 2;
    if (size === 0) break;
    if (at + size > input.length) {
      throw new S3Error('IncompleteBody', `aws-chunked: chunk of ${size} bytes is cut short at byte ${at}`);
    }
    parts.push(input.subarray(at, at + size));
    at += size;
    if (input.subarray(at, at + 2).toString('latin1') !== '\r\n') {
      throw new S3Error('InvalidRequest', `aws-chunked: chunk data not followed by CRLF at byte ${at}`);
    }
    at += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of input.subarray(at).toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(parts), trailers };
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function uint32Base64(value: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out.toString('base64');
}

/**
 * Checks every `x-amz-checksum-<algorithm>` among `values` against `body` (CRC32, CRC32C, SHA1,
 * SHA256; CRC64NVME is accepted unchecked). Throws S3's `BadDigest` on a mismatch.
 */
export function verifyChecksums(
  body: Uint8Array,
  values: Record<string, string | string[] | undefined>,
): void {
  for (const [name, raw] of Object.entries(values)) {
    if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || raw === undefined) continue;
    const expected = String(raw);
    const algorithm = name.slice('x-amz-checksum-'.length);
    let actual: string | undefined;
    if (algorithm === 'crc32') actual = uint32Base64(crc32(body));
    else if (algorithm === 'crc32c') actual = uint32Base64(crc32c(body));
    else if (algorithm === 'sha1' || algorithm === 'sha256') {
      actual = createHash(algorithm).update(body).digest('base64');
    }
    if (actual !== undefined && actual !== expected) {
      throw new S3Error(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum (expected ${expected}, got ${actual}).`,
      );
    }
  }
}

/**
 * The streaming form of {@link decodeAwsChunked}: a Transform from aws-chunked framing to the
 * payload bytes; {@link AwsChunkedDecoder.trailers} holds the trailers once the stream has ended.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  private state: 'header' | 'data' | 'data-end' | 'trailer' = 'header';
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private offset = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(Buffer.concat([this.pending, chunk]));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== 'trailer') {
      callback(new S3Error('IncompleteBody', `aws-chunked body ends inside a chunk (byte ${this.offset})`));
      return;
    }
    for (const line of this.pending.toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    callback();
  }

  private consume(input: Buffer): void {
    let at = 0;
    while (at < input.length) {
      if (this.state === 'header') {
        const end = input.indexOf('\r\n', at, 'latin1');
        if (end < 0) break;
        const size = (input.subarray(at, end).toString('latin1').split(';')[0] ?? '').trim();
        if (!/^[0-9a-fA-F]+$/.test(size)) {
          throw new S3Error('InvalidRequest', `aws-chunked: bad chunk header at byte ${this.offset + at}`);
        }
        this.remaining = Number.parseInt(size, 16);
        at = end + 2;
        this.state = this.remaining === 0 ? 'trailer' : 'data';
      } else if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - at);
        this.push(input.subarray(at, at + take));
        at += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'data-end';
      } else if (this.state === 'data-end') {
        if (input.length - at < 2) break;
        if (input[at] !== 0x0d || input[at + 1] !== 0x0a) {
          throw new S3Error(
            'InvalidRequest',
            `aws-chunked: chunk data not followed by CRLF at byte ${this.offset + at}`,
          );
        }
        at += 2;
        this.state = 'header';
      } else {
        break;
      }
    }
    this.offset += at;
    this.pending = Buffer.from(input.subarray(at));
  }
}

/** Incremental checksums of a stream, for the algorithms named by `x-amz-checksum-*` / `x-amz-trailer`. */
export class StreamChecksums {
  private crc32Value = 0;
  private crc32cValue = 0xffffffff;
  private readonly sha1 = createHash('sha1');
  private readonly sha256 = createHash('sha256');
  private readonly md5 = createHash('md5');
  private readonly wanted: Set<string>;
  size = 0;

  /** Computes the MD5 (the ETag) and the checksums the request's headers announce. */
  constructor(headers: Record<string, string | string[] | undefined>) {
    const names = Object.keys(headers).filter((h) => h.startsWith('x-amz-checksum-'));
    names.push(...String(headers['x-amz-trailer'] ?? '').split(','));
    this.wanted = new Set(names.map((n) => n.trim().toLowerCase().replace('x-amz-checksum-', '')));
  }

  update(chunk: Buffer): void {
    this.size += chunk.length;
    this.md5.update(chunk);
    if (this.wanted.has('crc32')) this.crc32Value = crc32(chunk, this.crc32Value);
    if (this.wanted.has('crc32c')) {
      let c = this.crc32cValue;
      for (const byte of chunk) c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
      this.crc32cValue = c;
    }
    if (this.wanted.has('sha1')) this.sha1.update(chunk);
    if (this.wanted.has('sha256')) this.sha256.update(chunk);
  }

  /** The quoted MD5 ETag. */
  etag(): string {
    return `"${this.md5.digest('hex')}"`;
  }

  /** Checks every `x-amz-checksum-<algorithm>` among `values`; throws `BadDigest` on a mismatch. */
  verify(values: Record<string, string | string[] | undefined>): void {
    const actual: Record<string, string> = {
      crc32: uint32Base64(this.crc32Value),
      crc32c: uint32Base64((this.crc32cValue ^ 0xffffffff) >>> 0),
      sha1: this.sha1.digest('base64'),
      sha256: this.sha256.digest('base64'),
    };
    for (const [name, raw] of Object.entries(values)) {
      if (!name.startsWith('x-amz-checksum-') || name === 'x-amz-checksum-type' || raw === undefined)
        continue;
      const algorithm = name.slice('x-amz-checksum-'.length);
      const got = actual[algorithm];
      if (got !== undefined && got !== String(raw)) {
        throw new S3Error(
          'BadDigest',
          `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum (expected ${String(raw)}, got ${got}).`,
        );
      }
    }
  }
}
