import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../../shared/errors';
import { decodeUbjson } from '../../../../shared/model';

const bytes = (...parts: (number | string)[]): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? Array.from(p, (c) => c.charCodeAt(0)) : [p])));

describe('decodeUbjson', () => {
  it('decodes scalars big-endian', () => {
    // Act / Assess
    expect(decodeUbjson(bytes('i', 0xff))).toBe(-1);
    expect(decodeUbjson(bytes('U', 0xff))).toBe(255);
    expect(decodeUbjson(bytes('I', 0x01, 0x02))).toBe(0x0102);
    expect(decodeUbjson(bytes('l', 0xff, 0xff, 0xff, 0xfe))).toBe(-2);
    expect(decodeUbjson(bytes('L', 0, 0, 0, 0, 0, 0, 1, 0))).toBe(256);
    expect(decodeUbjson(bytes('d', 0x3f, 0xc0, 0, 0))).toBe(1.5);
    expect(decodeUbjson(bytes('D', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0))).toBe(1.5);
    expect(decodeUbjson(bytes('S', 'U', 2, 'h', 'i'))).toBe('hi');
    expect(decodeUbjson(bytes('T'))).toBe(true);
    expect(decodeUbjson(bytes('Z'))).toBeNull();
  });

  it('decodes objects, arrays and optimised containers (typed arrays for numbers)', () => {
    // Prepare
    const doc = bytes(
      '{',
      'U',
      1,
      'a',
      '[',
      'i',
      1,
      'i',
      2,
      ']',
      'U',
      1,
      'b',
      '[',
      '$',
      'd',
      '#',
      'U',
      2,
      0x3f,
      0x80,
      0,
      0,
      0xc0,
      0,
      0,
      0,
      'U',
      1,
      'c',
      '{',
      '#',
      'U',
      1,
      'U',
      1,
      'x',
      'T',
      '}',
    );
    // Act
    const value = decodeUbjson(doc) as Record<string, unknown>;
    // Assess
    expect(value.a).toEqual([1, 2]);
    expect(value.b).toBeInstanceOf(Float32Array);
    expect(Array.from(value.b as Float32Array)).toEqual([1, -2]);
    expect(value.c).toEqual({ x: true });
  });

  it('refuses truncated input, unknown markers and trailing bytes with a ModelFormatError', () => {
    // Act / Assess
    expect(() => decodeUbjson(bytes('l', 0, 0))).toThrow(ModelFormatError);
    expect(() => decodeUbjson(bytes('[', '$', 'd', '#', 'U', 9, 0, 0))).toThrow(/truncated/);
    expect(() => decodeUbjson(bytes('?'))).toThrow(/unknown type marker/);
    expect(() => decodeUbjson(bytes('T', 'T'))).toThrow(/trailing/);
  });

  it('never throws anything but a ModelFormatError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        try {
          decodeUbjson(input);
        } catch (error) {
          expect(error).toBeInstanceOf(ModelFormatError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
