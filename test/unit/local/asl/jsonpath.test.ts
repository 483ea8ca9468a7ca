import { describe, expect, it } from 'vitest';
import { compilePath, evaluatePath, normalizedPath, setPath } from '../../../../local/asl/jsonpath';

describe('evaluatePath', () => {
  const doc = {
    a: { b: [10, 20, 30], 'odd key': 1 },
    items: [
      { id: 1, price: 5, tag: 'x' },
      { id: 2, price: 15, tag: 'y' },
      { id: 3, price: 25 },
    ],
  };

  it('selects a value with a definite path', () => {
    expect(evaluatePath('$.a.b[1]', doc)).toEqual({ found: true, value: 20 });
  });

  it('reports nothing found for a missing definite path', () => {
    expect(evaluatePath('$.a.missing', doc)).toEqual({ found: false });
  });

  it('reads bracketed names with spaces', () => {
    expect(evaluatePath("$.a['odd key']", doc)).toEqual({ found: true, value: 1 });
  });

  it('counts negative indices from the end', () => {
    expect(evaluatePath('$.a.b[-1]', doc)).toEqual({ found: true, value: 30 });
  });

  it('returns a list for a wildcard', () => {
    expect(evaluatePath('$.items[*].id', doc)).toEqual({ found: true, value: [1, 2, 3] });
  });

  it('returns a list for a slice', () => {
    expect(evaluatePath('$.a.b[1:]', doc)).toEqual({ found: true, value: [20, 30] });
  });

  it('returns an empty list when an indefinite path matches nothing', () => {
    expect(evaluatePath('$.nothing[1:].x', doc)).toEqual({ found: true, value: [] });
  });

  it('filters array elements by a comparison', () => {
    expect(evaluatePath('$.items[?(@.price > 10)].id', doc)).toEqual({ found: true, value: [2, 3] });
  });

  it('filters array elements by presence of a field', () => {
    expect(evaluatePath('$.items[?(@.tag)].id', doc)).toEqual({ found: true, value: [1, 2] });
  });

  it('scans deeply for a name', () => {
    expect(evaluatePath('$..price', doc)).toEqual({ found: true, value: [5, 15, 25] });
  });

  it('applies length()', () => {
    expect(evaluatePath('$.items.length()', doc)).toEqual({ found: true, value: 3 });
  });

  it('rejects a path that does not start with $', () => {
    expect(() => compilePath('a.b')).toThrow(/must start with/);
  });
});

describe('normalizedPath', () => {
  it('renders names and indices as Jayway does', () => {
    expect(normalizedPath('$.a.b[0]')).toBe("$['a']['b'][0]");
  });
});

describe('setPath', () => {
  it('creates intermediate objects without mutating the target', () => {
    const target = { keep: 1 };
    const written = setPath(target, '$.x.y', 2);
    expect(written).toEqual({ ok: true, value: { keep: 1, x: { y: 2 } } });
    expect(target).toEqual({ keep: 1 });
  });

  it('fails when a non-object is in the way', () => {
    expect(setPath({ x: 'text' }, '$.x.y', 2)).toEqual({ ok: false });
  });
});
