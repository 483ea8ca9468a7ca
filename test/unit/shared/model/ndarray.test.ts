import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedModelError } from '../../../../shared/errors';
import { readNDArrayFile, writeNDArrayFile } from '../../../../shared/model/ndarray';
import { crc32, isZip, readZip, writeZip } from '../../../../shared/model/zip';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe('MXNet NDArray list files', () => {
  it('writes the 96-byte worked example of SPEC 12.1 for a float32 [[1,2,3],[4,5,6]] list', () => {
    // Act
    const bytes = writeNDArrayFile([{ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }]);
    // Assess
    expect(bytes.length).toBe(96);
    expect(hex(bytes)).toBe(
      [
        '1201000000000000',
        '0000000000000000',
        '0100000000000000',
        'c9fa93f9',
        '00000000',
        '02000000',
        '0200000000000000',
        '0300000000000000',
        '0100000000000000',
        '00000000',
        '0000803f000000400000404000008040',
        '0000a0400000c040',
        '0000000000000000',
      ].join(''),
    );
  });

  it('reads back lists and dicts of any shape and dtype it writes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
            f64: fc.boolean(),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.boolean(),
        (specs, withNames) => {
          const arrays = specs.map((s) => {
            const n = s.shape.reduce((a, b) => a * b, 1);
            return {
              shape: s.shape,
              dtype: s.f64 ? ('float64' as const) : ('float32' as const),
              data: Array.from({ length: n }, (_, i) => Math.fround(i * 0.5 - 1)),
            };
          });
          const names = withNames ? arrays.map((_, i) => `arg:w${i}`) : undefined;
          const file = readNDArrayFile(writeNDArrayFile(arrays, names));
          expect(file.names).toEqual(names);
          file.arrays.forEach((a, i) => {
            expect(a.shape).toEqual(arrays[i]!.shape);
            expect(a.dtype).toBe(arrays[i]!.dtype);
            expect(Array.from(a.data)).toEqual(arrays[i]!.data);
          });
        },
      ),
    );
  });

  it('reads V1 arrays (no storage type) and refuses sparse storage with UnsupportedModelError', () => {
    // Prepare: a V2 file, then the same array in V1 layout (drop the storage-type word)
    const v2 = writeNDArrayFile([{ shape: [2], data: [1.5, -2] }]);
    const v1 = new Uint8Array(v2.length - 4);
    v1.set(v2.subarray(0, 24));
    v1.set([0xc8, 0xfa, 0x93, 0xf9], 24);
    v1.set(v2.subarray(32), 28);
    const sparse = v2.slice();
    sparse[28] = 1;
    // Act / Assess
    expect(Array.from(readNDArrayFile(v1).arrays[0]!.data)).toEqual([1.5, -2]);
    expect(() => readNDArrayFile(sparse)).toThrow(UnsupportedModelError);
  });

  it('refuses every truncation and random corruption with a ModelFormatError, never a wrong array', () => {
    // Prepare
    const bytes = writeNDArrayFile(
      [
        { shape: [3], data: [1, 2, 3] },
        { shape: [4, 3], data: Array.from({ length: 12 }, (_, i) => i) },
      ],
      ['s', 'v'],
    );
    // Act / Assess
    for (let n = 0; n < bytes.length; n++) {
      expect(() => readNDArrayFile(bytes.subarray(0, n)), `cut at ${n}`).toThrow(ModelFormatError);
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: bytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const corrupt = bytes.slice();
          corrupt[at]! ^= xor;
          try {
            const file = readNDArrayFile(corrupt);
            // A flip inside the values or a name's bytes still decodes; the structure must be intact.
            expect(file.arrays.map((a) => a.shape)).toEqual([[3], [4, 3]]);
          } catch (error) {
            expect([ModelFormatError, UnsupportedModelError].some((t) => error instanceof t)).toBe(true);
          }
        },
      ),
    );
  });
});

describe('ZIP archives', () => {
  it('reads back the members it stores, with the CRC-32 of each', () => {
    // Prepare
    const entries = [
      { name: 'a.json', data: new TextEncoder().encode('{"x":1}') },
      { name: 'b.params', data: new Uint8Array([1, 2, 3, 0, 255]) },
    ];
    // Act
    const zip = writeZip(entries);
    // Assess
    expect(isZip(zip)).toBe(true);
    expect(readZip(zip)).toEqual(entries);
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('reports a flipped data byte as a CRC failure and a truncated archive as corrupt', () => {
    // Prepare
    const zip = writeZip([{ name: 'a', data: new Uint8Array(64).fill(7) }]);
    const flipped = zip.slice();
    flipped[40]! ^= 1;
    // Act / Assess
    expect(() => readZip(flipped)).toThrow(/CRC-32/);
    for (let n = 0; n < zip.length; n += 7)
      expect(() => readZip(zip.subarray(0, n))).toThrow(ModelFormatError);
  });
});
