import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonLinesFormatError } from '../../../../shared/errors';
import { FirstArrayElement } from '../../../../shared/formats/json-array';

/** Feeds `text` in chunks of `size` bytes; returns the first element and how many chunks were taken. */
function firstOf(text: string, size: number, maxBytes?: number): { value: unknown; taken: number } {
  const bytes = new TextEncoder().encode(text);
  const scanner = new FirstArrayElement({ source: 'x.json', ...(maxBytes ? { maxBytes } : {}) });
  let taken = 0;
  for (let i = 0; i < bytes.length; i += size) {
    taken++;
    if (scanner.push(bytes.subarray(i, i + size))) break;
  }
  return { value: scanner.value(), taken };
}

describe('FirstArrayElement', () => {
  it('finds the first element of any JSON array, however the bytes are split', () => {
    fc.assert(
      fc.property(
        fc.array(fc.jsonValue(), { minLength: 1 }),
        fc.integer({ min: 1, max: 17 }),
        (array, size) => {
          const text = JSON.stringify(array, null, size % 3 === 0 ? 2 : undefined);
          expect(firstOf(text, size).value).toEqual(JSON.parse(JSON.stringify(array[0])));
        },
      ),
    );
  });

  it('stops before reading past the first element', () => {
    const text = JSON.stringify([{ a: '],}"\\' }, 'x'.repeat(100_000)]);
    expect(firstOf(text, 16).taken).toBeLessThan(5);
  });

  it('returns undefined for an empty array', () => {
    expect(firstOf(' [ ] ', 1).value).toBeUndefined();
  });

  it('refuses what is not an array, a truncated element and an element over the cap', () => {
    expect(() => firstOf('{"a":1}', 4)).toThrow(JsonLinesFormatError);
    expect(() => firstOf('[{"a":1', 4)).toThrow(/ended before its first element/);
    expect(() => firstOf(`["${'z'.repeat(5000)}"]`, 100, 1000)).toThrow(/longer than 1000 bytes/);
  });
});
