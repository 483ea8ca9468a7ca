import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  AwsChunkedDecoder,
  decodeAwsChunked,
  isAwsChunked,
  StreamChecksums,
  verifyChecksums,
} from '../../../../../local/services/s3/aws-chunked';

function crc32Base64(bytes: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(bytes));
  return out.toString('base64');
}

async function decodeStreaming(
  framed: Buffer,
  piece: number,
): Promise<{ body: Buffer; trailers: Record<string, string> }> {
  const decoder = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  decoder.on('data', (chunk: Buffer) => out.push(chunk));
  const pieces = [];
  for (let i = 0; i < framed.length; i += piece) pieces.push(framed.subarray(i, i + piece));
  await pipeline(Readable.from(pieces), decoder);
  return { body: Buffer.concat(out), trailers: decoder.trailers };
}

describe('aws-chunked decoding', () => {
  it('decodes the same bytes streaming, whatever the piece boundaries, and verifies the CRC32 as it goes', async () => {
    const payload = Buffer.from(`${'x'.repeat(70_000)}end`);
    const framed = Buffer.concat([
      Buffer.from(`${(65_536).toString(16)}\r\n`),
      payload.subarray(0, 65_536),
      Buffer.from(`\r\n${(payload.length - 65_536).toString(16)}\r\n`),
      payload.subarray(65_536),
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${crc32Base64(payload)}\r\n\r\n`),
    ]);

    for (const piece of [1, 7, 4096, framed.length]) {
      const decoded = await decodeStreaming(framed, piece);
      const sums = new StreamChecksums({ 'x-amz-trailer': 'x-amz-checksum-crc32' });
      sums.update(decoded.body);

      expect(decoded.body.equals(payload), `piece ${piece}`).toBe(true);
      expect(() => sums.verify(decoded.trailers)).not.toThrow();
    }
  });

  it('refuses a stream that ends inside a chunk', async () => {
    await expect(decodeStreaming(Buffer.from('10\r\nshort'), 3)).rejects.toMatchObject({
      code: 'IncompleteBody',
    });
  });

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
