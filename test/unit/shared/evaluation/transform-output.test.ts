import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvFormatError } from '../../../../shared/errors';
import { parseTransformOutput, TransformOutputReader } from '../../../../shared/evaluation';

describe('TransformOutputReader', () => {
  it('reads output pushed in chunks cut anywhere to the same rows as the whole text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.double({ min: 0, max: 1, noNaN: true })), {
          maxLength: 30,
        }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        (rows, cuts, crlf) => {
          // Prepare
          const text = rows.map(([l, p]) => `${l},${p}${crlf ? '\r\n' : '\n'}`).join('');
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const reader = new TransformOutputReader('s3://b/t.out');
          // Act
          let at = 0;
          for (const point of [...points, text.length]) {
            reader.push(text.slice(at, point));
            at = point;
          }
          const streamed = reader.end();
          // Assess
          expect(streamed).toEqual(parseTransformOutput(text, 's3://b/t.out'));
        },
      ),
    );
  });

  it('holds only the unfinished last line between chunks', () => {
    const reader = new TransformOutputReader('x');
    reader.push(`${'1,0.5\n'.repeat(1000)}0,0.`);
    expect(reader.pendingLength).toBe('0,0.'.length);
    reader.push('25\n');
    expect(reader.pendingLength).toBe(0);
    expect(reader.end().labels).toHaveLength(1001);
  });

  it('counts lines across chunks when naming a malformed one', () => {
    const reader = new TransformOutputReader('s3://b/t.out');
    reader.push('1,0.9\n0,');
    let error: unknown;
    try {
      reader.push('0.1\n1,oops\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvFormatError);
    expect((error as Error).message).toMatch(/line 3, field 'prediction'/);
  });

  it('keeps the malformed value out of the message (it is customer data), naming the field instead', () => {
    expect(() => parseTransformOutput('1,0.9\nACCOUNT-12345,0.3\n', 's3://b/t.out')).toThrow(
      /^expected a number in field 'label'(?!.*ACCOUNT)/,
    );
  });
});
