import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordIOFormatError } from '../../../../shared/errors';
import {
  decodeRecordIOFrames,
  encodeRecordIOFrames,
  RecordIOFrameReader,
  recordIOPadding,
} from '../../../../shared/formats/recordio';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('RecordIO framing', () => {
  it('writes magic, length, payload and zero padding to a 4-byte boundary', () => {
    // Act
    const bytes = encodeRecordIOFrames([Uint8Array.of(1, 2, 3, 4, 5)]);
    // Assess
    expect(hex(bytes)).toBe('0a23d7ce05000000010203040500' + '0000');
  });

  it('pads 0, 3, 2 and 1 bytes for payloads of 0 to 3 modulo 4', () => {
    // Act / Assess
    expect([8, 9, 10, 11].map(recordIOPadding)).toEqual([0, 3, 2, 1]);
  });

  it('reads back the payloads whatever the chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (payloads, cuts) => {
          // Prepare
          const bytes = encodeRecordIOFrames(payloads);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const reader = new RecordIOFrameReader();
          // Act
          const read: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            for (const f of reader.push(bytes.subarray(at, p))) read.push(new Uint8Array(f.payload));
            at = p;
          }
          for (const f of reader.end()) read.push(new Uint8Array(f.payload));
          // Assess
          expect(read.map(hex)).toEqual(payloads.map(hex));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gathers a large record pushed in small chunks without copying it again at every chunk', () => {
    // Prepare: 16 MiB in 1 KiB chunks; re-joining at every push would copy ~128 GB and time out
    const payload = new Uint8Array(16 * 1024 * 1024).map((_, i) => i % 251);
    const bytes = encodeRecordIOFrames([payload, Uint8Array.of(7)]);
    const reader = new RecordIOFrameReader();
    // Act
    const frames = [];
    for (let at = 0; at < bytes.length; at += 1024)
      frames.push(...reader.push(bytes.subarray(at, at + 1024)));
    frames.push(...reader.end());
    // Assess
    expect(frames.map((f) => f.payload.length)).toEqual([payload.length, 1]);
    expect(Buffer.compare(frames[0]!.payload, payload)).toBe(0);
    expect(frames[1]!.offset).toBe(8 + payload.length);
  }, 20_000);

  it('refuses a wrong magic number with its byte offset', () => {
    // Prepare
    const bytes = encodeRecordIOFrames([Uint8Array.of(1, 2, 3, 4), Uint8Array.of(5, 6, 7, 8)]);
    bytes[12] = 0;
    // Act / Assess
    expect(() => decodeRecordIOFrames(bytes, { source: 'x.rec' })).toThrow(
      expect.objectContaining({ name: 'RecordIOFormatError', location: { source: 'x.rec', offset: 12 } }),
    );
  });

  it('answers a non-zero cflag with a clear error', () => {
    // Prepare
    const bytes = encodeRecordIOFrames([Uint8Array.of(1, 2, 3, 4)]);
    bytes[7] = 0x20; // cflag 1
    // Act / Assess
    expect(() => decodeRecordIOFrames(bytes)).toThrow(/unsupported RecordIO cflag 1/);
  });

  it('refuses an oversized record from its header, before the payload arrives', () => {
    // Prepare: a header announcing 1 MiB, and nothing else
    const header = Uint8Array.of(0x0a, 0x23, 0xd7, 0xce, 0, 0, 0x10, 0);
    const reader = new RecordIOFrameReader({ maxRecordBytes: 1024 });
    // Act / Assess
    expect(() => reader.push(header)).toThrow(/exceeds the limit of 1024 bytes/);
  });

  it('refuses a stream that ends inside a record', () => {
    // Prepare
    const bytes = encodeRecordIOFrames([Uint8Array.of(1, 2, 3, 4, 5, 6)]).subarray(0, 11);
    // Act / Assess
    expect(() => decodeRecordIOFrames(bytes)).toThrow(RecordIOFormatError);
  });

  it('accepts a last record whose padding was cut off', () => {
    // Prepare
    const bytes = encodeRecordIOFrames([Uint8Array.of(1, 2, 3, 4, 5)]).subarray(0, 13);
    // Act
    const frames = decodeRecordIOFrames(bytes);
    // Assess
    expect(frames.map((f) => hex(f.payload))).toEqual(['0102030405']);
  });
});
