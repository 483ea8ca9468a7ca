import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LibSvmFormatError } from '../../../../shared/errors';
import { ByteSink } from '../../../../shared/formats/bytes';
import {
  formatLibSvmRow,
  LibSvmReader,
  type LibSvmRow,
  parseLibSvm,
  writeLibSvmDense,
} from '../../../../shared/formats/libsvm';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

const libsvmRow: fc.Arbitrary<LibSvmRow> = fc
  .record({
    label: finite,
    weight: fc.option(finite, { nil: undefined }),
    qid: fc.option(fc.nat(), { nil: undefined }),
    entries: fc.uniqueArray(fc.tuple(fc.nat(10_000), finite), { selector: ([i]) => i, maxLength: 12 }),
  })
  .map(({ label, weight, qid, entries }) => ({
    label,
    ...(weight === undefined ? {} : { weight }),
    ...(qid === undefined ? {} : { qid }),
    indices: entries.map(([i]) => i),
    values: entries.map(([, v]) => v),
  }));

describe('LibSVM', () => {
  it('round-trips rows through text in both index bases and any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(libsvmRow, { minLength: 1, maxLength: 10 }),
        fc.constantFrom<0 | 1>(0, 1),
        fc.nat(),
        (rows, indexBase, cut) => {
          // Prepare
          const bytes = new TextEncoder().encode(rows.map((r) => formatLibSvmRow(r, indexBase)).join('\r\n'));
          const reader = new LibSvmReader({ indexBase });
          const at = cut % (bytes.length + 1);
          // Act
          const read = [
            ...reader.push(bytes.subarray(0, at)),
            ...reader.push(bytes.subarray(at)),
            ...reader.end(),
          ];
          // Assess
          expect(read.map(({ line: _l, offset: _o, ...row }) => row)).toEqual(rows);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the same rows when the text arrives a few bytes at a time', () => {
    // Prepare
    const text = `1 ${Array.from({ length: 300 }, (_, i) => `${i}:${i / 7}`).join(' ')}\n0 5:1\n2 3:0`;
    const bytes = new TextEncoder().encode(text);
    const reader = new LibSvmReader({ indexBase: 0 });
    // Act
    const rows = [];
    for (let at = 0; at < bytes.length; at += 3) rows.push(...reader.push(bytes.subarray(at, at + 3)));
    rows.push(...reader.end());
    // Assess
    expect(rows).toEqual(parseLibSvm(bytes, { indexBase: 0 }));
    expect(rows.map((r) => r.indices.length)).toEqual([300, 1, 1]);
  });

  it('refuses a line longer than the limit while it is still arriving', () => {
    // Prepare
    const reader = new LibSvmReader({ indexBase: 0, maxLineBytes: 100 });
    const piece = new TextEncoder().encode('1:1 '.repeat(10));
    // Act / Assess
    expect(() => {
      for (let i = 0; i < 5; i++) reader.push(piece);
    }).toThrow(/longer than 100 bytes/);
  });

  it('writes 1-based indices for Spark and 0-based for XGBoost from the same row', () => {
    // Prepare
    const row = { label: 1, indices: [0, 2], values: [0.5, 2] };
    // Act / Assess
    expect(formatLibSvmRow(row, 0)).toBe('1 0:0.5 2:2');
    expect(formatLibSvmRow(row, 1)).toBe('1 1:0.5 3:2');
  });

  it('writes present zeros and omits only missing values', () => {
    // Prepare
    const sink = new ByteSink();
    // Act
    writeLibSvmDense(sink, 0, [0, Number.NaN, 3.5], 0, 3, 0);
    // Assess
    expect(new TextDecoder().decode(sink.take())).toBe('0 0:0 2:3.5\n');
  });

  it('reads label:weight and qid', () => {
    // Act
    const [row] = parseLibSvm('2:0.5 qid:7 1:3\n', { indexBase: 1 });
    // Assess
    expect(row).toEqual({ label: 2, weight: 0.5, qid: 7, indices: [0], values: [3], line: 1, offset: 0 });
  });

  it('ignores tokens without a colon in inference input, as the XGBoost container does', () => {
    // Act
    const rows = parseLibSvm('1 0:1.5 4:2\n3:1\n', { indexBase: 0, hasLabel: false });
    // Assess
    expect(rows.map((r) => [r.indices, r.values])).toEqual([
      [
        [0, 4],
        [1.5, 2],
      ],
      [[3], [1]],
    ]);
  });

  it('refuses an index below the index base, naming line and column', () => {
    // Act / Assess
    expect(() => parseLibSvm('1 1:1\n0 0:2\n', { indexBase: 1, source: 'a.libsvm' })).toThrow(
      expect.objectContaining({
        name: 'LibSvmFormatError',
        location: { source: 'a.libsvm', line: 2, column: 3, offset: 8 },
      }),
    );
  });

  it('refuses a bad label, a bad value and a bare token', () => {
    // Act / Assess
    expect(() => parseLibSvm('x 1:1', { indexBase: 0 })).toThrow(/expected a label/);
    expect(() => parseLibSvm('1 1:abc', { indexBase: 0 })).toThrow(/expected a number after '1:'/);
    expect(() => parseLibSvm('1 7', { indexBase: 0 })).toThrow(LibSvmFormatError);
  });
});
