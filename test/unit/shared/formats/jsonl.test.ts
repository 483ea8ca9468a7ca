import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLinesReader, parseJsonLines } from '../../../../shared/formats/jsonl';

const encode = (text: string) => new TextEncoder().encode(text);

describe('JsonLinesReader', () => {
  it('reads back any list of objects whatever the line ends and chunk boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.string(), fc.jsonValue()), { maxLength: 10 }),
        fc.constantFrom('\n', '\r\n'),
        fc.nat(),
        (objects, eol, cut) => {
          // Prepare
          const bytes = encode(objects.map((o) => JSON.stringify(o)).join(eol));
          const reader = new JsonLinesReader();
          const at = cut % (bytes.length + 1);
          // Act
          const records = [
            ...reader.push(bytes.subarray(0, at)).records,
            ...reader.push(bytes.subarray(at)).records,
            ...reader.end().records,
          ];
          // Assess
          expect(records.map((r) => r.value)).toEqual(JSON.parse(JSON.stringify(objects)));
          expect(records.map((r) => r.line)).toEqual(objects.map((_, i) => i + 1));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads the same objects when the text arrives a byte at a time', () => {
    // Prepare
    const text = `${JSON.stringify({ long: 'x'.repeat(500), n: 1 })}\n{"a":2}\n{"b":[3]}`;
    const bytes = encode(text);
    const reader = new JsonLinesReader();
    // Act
    const records = [];
    for (let at = 0; at < bytes.length; at++)
      records.push(...reader.push(bytes.subarray(at, at + 1)).records);
    records.push(...reader.end().records);
    // Assess
    expect(records).toEqual(parseJsonLines(bytes));
    expect(records).toHaveLength(3);
  });

  it('skips blank lines but counts them', () => {
    // Act
    const records = parseJsonLines('{"a":1}\n\n  \n{"a":2}');
    // Assess
    expect(records.map((r) => [r.line, r.value])).toEqual([
      [1, { a: 1 }],
      [4, { a: 2 }],
    ]);
  });

  it('throws on a line that is not an object, naming line and offset', () => {
    // Act / Assess
    expect(() => parseJsonLines('{"a":1}\n[1,2]\n', { source: 'x.jsonl' })).toThrow(
      expect.objectContaining({
        name: 'JsonLinesFormatError',
        message: 'expected a JSON object, got an array (x.jsonl, line 2, byte 8)',
      }),
    );
  });

  it('sets aside lines that are not objects when asked to collect', () => {
    // Prepare
    const reader = new JsonLinesReader({ onInvalidLine: 'collect' });
    // Act
    const batch = reader.push(encode('{"a":1}\n{oops\n3\n'));
    // Assess
    expect(batch.records.map((r) => r.value)).toEqual([{ a: 1 }]);
    expect(batch.rejected.map((r) => [r.line, r.text])).toEqual([
      [2, '{oops'],
      [3, '3'],
    ]);
    expect(batch.rejected[1]!.reason).toBe('expected a JSON object, got number');
  });
});
