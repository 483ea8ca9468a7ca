/**
 * The JSONPath subset batch transform's `InputFilter` / `OutputFilter` use on CSV rows (a CSV row is
 * an array of fields): `$` (everything), `$[i]`, `$[a:b]` / `$[a:]` / `$[:b]` (Python slices),
 * `$[i,j,…]` (a union), negative indices counting from the end.
 */

/** A compiled filter: picks fields from a row. */
export type FieldFilter = (fields: readonly string[]) => string[];

const INDEX = /^-?\d+$/;

/** Compiles a filter expression; throws `Error` naming the expression when it is outside the subset. */
export function compileCsvFilter(expression: string | undefined): FieldFilter {
  const expr = (expression ?? '$').trim();
  if (expr === '$' || expr === '$[*]') return (fields) => [...fields];
  const match = /^\$\[(.*)\]$/.exec(expr);
  if (match === null)
    throw new Error(`unsupported JSONPath filter '${expr}' for CSV (expected $, $[i], $[a:b] or $[i,j])`);
  const body = match[1]!.trim();
  if (body.includes(':')) {
    const parts = body.split(':').map((s) => s.trim());
    if (parts.length !== 2 || !parts.every((p) => p === '' || INDEX.test(p))) {
      throw new Error(`unsupported JSONPath slice '${expr}' (expected $[a:b] with integers)`);
    }
    const [a = '', b = ''] = parts;
    return (fields) => {
      const n = fields.length;
      const norm = (v: string, fallback: number): number => {
        if (v === '') return fallback;
        const i = Number(v);
        return i < 0 ? Math.max(0, n + i) : Math.min(n, i);
      };
      return fields.slice(norm(a, 0), norm(b, n));
    };
  }
  const indices = body.split(',').map((s) => s.trim());
  if (!indices.every((i) => INDEX.test(i))) {
    throw new Error(`unsupported JSONPath filter '${expr}' (expected integer indices)`);
  }
  const numbers = indices.map(Number);
  return (fields) => {
    const out: string[] = [];
    for (const i of numbers) {
      const v = fields[i < 0 ? fields.length + i : i];
      if (v !== undefined) out.push(v);
    }
    return out;
  };
}
