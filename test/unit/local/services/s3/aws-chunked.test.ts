import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  decodeAwsChunked,
  isAwsChunked,
  verifyChecksums,
} from '../../../../../local/services/s3/aws-chunked';

function crc32Base64(bytes: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes));
  return out.toString('base64');
}

describe('aws-chunked decoding', () => {
  it('strips signed chunk framing and collects the signed trailers', () => {
    const payload = Buffer.from('hello, chunked world');
    const sig = 'a'.repeat(64);
    const framed = Buffer.concat([
      Buffer.from(`5;chunk-signature=${sig}\r\n`),
      payload.subarray(0, 5),
      Buffer.from(`\r\n${(payload.length - 5).toString(16)};chunk-signature=${sig}\r\n`),
      payload.subarray(5),
      Buffer.from(`\r\n0;chunk-signature=${sig}\r\n`),
      Buffer.from(`x-amz-checksum-crc32:${crc32Base64(payload)}\r\nx-amz-trailer-signature:${sig}\r\n\r\n`),
    ]);

    const decoded = decodeAwsChunked(framed);

    expect(decoded.body.toString()).toBe(payload.toString());
    expect(decoded.trailers['x-amz-checksum-crc32']).toBe(crc32Base64(payload));
    expect(() => verifyChecksums(decoded.body, decoded.trailers)).not.toThrow();
  });

  it('refuses a body cut short inside a chunk', () => {
    const framed = Buffer.from('10\r\nonly eight\r\n');

    expect(() => decodeAwsChunked(framed)).toThrow(/cut short/);
  });

  it('refuses a chunk header that is not hexadecimal', () => {
    expect(() => decodeAwsChunked(Buffer.from('zz\r\nabc\r\n0\r\n\r\n'))).toThrow(/bad chunk header/);
  });

  it('reports BadDigest when a SHA256 trailer does not match the bytes', () => {
    expect(() => verifyChecksums(Buffer.from('abc'), { 'x-amz-checksum-sha256': 'bm9wZQ==' })).toThrow(
      expect.objectContaining({ code: 'BadDigest' }),
    );
  });

  it('recognises the streaming payload hashes the SDK sends', () => {
    expect(isAwsChunked({ 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' })).toBe(true);
    expect(isAwsChunked({ 'content-encoding': 'gzip, aws-chunked' })).toBe(true);
    expect(isAwsChunked({ 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' })).toBe(false);
  });
});
