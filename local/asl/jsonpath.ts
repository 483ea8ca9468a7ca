/**
 * JSONPath as Step Functions evaluates it (Jayway JsonPath semantics): a definite path (names and
 * single indices only) selects one value or nothing; an indefinite path (wildcards, slices, unions,
 * deep scan, filters) selects a list, possibly empty.
 */
import { deepEqual } from './json-equal';

type Segment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'names'; readonly names: readonly string[] }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'indices'; readonly indices: readonly number[] }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  | { readonly kind: 'deep'; readonly name?: string }
  | { readonly kind: 'filter'; readonly test: (value: unknown, root: unknown) => boolean }
  | { readonly kind: 'function'; readonly name: string };

/** A parsed JSONPath. */
export interface CompiledPath {
  readonly text: string;
  readonly segments: readonly Segment[];
  /** True when the path selects at most one value (no wildcard, slice, union, scan or filter). */
  readonly definite: boolean;
}

/** Raised for a path that cannot be parsed. */
export class JsonPathSyntaxError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'JsonPathSyntaxError';
  }
}

const cache = new Map<string, CompiledPath>();

/** Parses a path starting with `$` (cached). */
export function compilePath(text: string): CompiledPath {
  let compiled = cache.get(text);
  if (compiled === undefined) {
    const segments = parse(text);
    const definite = segments.every((s) => s.kind === 'name' || s.kind === 'index' || s.kind === 'function');
    compiled = { text, segments, definite };
    if (cache.size > 10000) cache.clear();
    cache.set(text, compiled);
  }
  return compiled;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The result of evaluating a path: `found` false when a definite path selects nothing. */
export type PathResult = { readonly found: true; readonly value: unknown } | { readonly found: false };

/**
 * Evaluates `path` against `root`. A definite path yields its value or `found: false`; an
 * indefinite one always yields the (possibly empty) array of matches.
 */
export function evaluatePath(path: string | CompiledPath, root: unknown): PathResult {
  const compiled = typeof path === 'string' ? compilePath(path) : path;
  if (compiled.definite) {
    let current: unknown = root;
    for (const segment of compiled.segments) {
      if (segment.kind === 'name') {
        if (!isObject(current) || !Object.hasOwn(current, segment.name)) return { found: false };
        current = current[segment.name];
      } else if (segment.kind === 'index') {
        if (!Array.isArray(current)) return { found: false };
        const i = segment.index < 0 ? current.length + segment.index : segment.index;
        if (i < 0 || i >= current.length) return { found: false };
        current = current[i];
      } else if (segment.kind === 'function') {
        const applied = applyFunction(segment.name, current);
        if (applied === undefined) return { found: false };
        current = applied;
      }
    }
    return { found: true, value: current };
  }
  let nodes: unknown[] = [root];
  let fn: string | undefined;
  for (const segment of compiled.segments) {
    if (segment.kind === 'function') {
      fn = segment.name;
      continue;
    }
    const next: unknown[] = [];
    for (const node of nodes) step(segment, node, root, next);
    nodes = next;
  }
  if (fn !== undefined) {
    const applied = applyFunction(fn, nodes);
    return applied === undefined ? { found: false } : { found: true, value: applied };
  }
  return { found: true, value: nodes };
}

function applyFunction(name: string, value: unknown): unknown {
  const numbers = Array.isArray(value) ? value.filter((v): v is number => typeof v === 'number') : [];
  switch (name) {
    case 'length':
      return Array.isArray(value)
        ? value.length
        : typeof value === 'string'
          ? value.length
          : isObject(value)
            ? Object.keys(value).length
            : undefined;
    case 'min':
      return numbers.length ? Math.min(...numbers) : undefined;
    case 'max':
      return numbers.length ? Math.max(...numbers) : undefined;
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'avg':
      return numbers.length ? numbers.reduce((a, b) => a + b, 0) / numbers.length : undefined;
    default:
      return undefined;
  }
}

function step(segment: Segment, node: unknown, root: unknown, out: unknown[]): void {
  switch (segment.kind) {
    case 'name':
      if (isObject(node) && Object.hasOwn(node, segment.name)) out.push(node[segment.name]);
      return;
    case 'names':
      if (isObject(node)) for (const n of segment.names) if (Object.hasOwn(node, n)) out.push(node[n]);
      return;
    case 'index':
    case 'indices': {
      if (!Array.isArray(node)) return;
      const list = segment.kind === 'index' ? [segment.index] : segment.indices;
      for (const raw of list) {
        const i = raw < 0 ? node.length + raw : raw;
        if (i >= 0 && i < node.length) out.push(node[i]);
      }
      return;
    }
    case 'wildcard':
      if (Array.isArray(node)) out.push(...node);
      else if (isObject(node)) out.push(...Object.values(node));
      return;
    case 'slice': {
      if (!Array.isArray(node)) return;
      const len = node.length;
      const stepBy = segment.step ?? 1;
      const norm = (v: number | undefined, d: number) =>
        v === undefined ? d : v < 0 ? Math.max(0, len + v) : Math.min(v, len);
      const start = norm(segment.start, 0);
      const end = norm(segment.end, len);
      for (let i = start; i < end; i += stepBy) out.push(node[i]);
      return;
    }
    case 'deep': {
      const visit = (v: unknown) => {
        if (Array.isArray(v)) {
          if (segment.name === undefined) out.push(...v);
          for (const c of v) visit(c);
        } else if (isObject(v)) {
          if (segment.name === undefined) out.push(...Object.values(v));
          else if (Object.hasOwn(v, segment.name)) out.push(v[segment.name]);
          for (const c of Object.values(v)) visit(c);
        }
      };
      visit(node);
      return;
    }
    case 'filter':
      if (Array.isArray(node)) {
        for (const item of node) if (segment.test(item, root)) out.push(item);
      } else if (isObject(node)) {
        for (const item of Object.values(node)) if (segment.test(item, root)) out.push(item);
      }
      return;
    case 'function':
      return;
  }
}

function parse(text: string): Segment[] {
  if (!text.startsWith('$')) throw new JsonPathSyntaxError(text, `Path must start with '$': ${text}`);
  const segments: Segment[] = [];
  let i = 1;
  const fail = (why: string): never => {
    throw new JsonPathSyntaxError(text, `Invalid path '${text}': ${why} at position ${i}`);
  };
  const readName = (): string => {
    const start = i;
    while (i < text.length && !'.[( '.includes(text[i]!)) i++;
    if (i === start) fail('expected a property name');
    return text.slice(start, i);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === '.') {
      if (text[i + 1] === '.') {
        i += 2;
        if (text[i] === '*') {
          i++;
          segments.push({ kind: 'deep' });
        } else if (text[i] === '[') {
          segments.push({ kind: 'deep' });
        } else {
          segments.push({ kind: 'deep', name: readName() });
        }
        continue;
      }
      i++;
      if (text[i] === '*') {
        i++;
        segments.push({ kind: 'wildcard' });
        continue;
      }
      const name = readName();
      if (text[i] === '(' && text[i + 1] === ')') {
        i += 2;
        segments.push({ kind: 'function', name });
        continue;
      }
      segments.push({ kind: 'name', name });
    } else if (c === '[') {
      const close = findClose(text, i);
      if (close < 0) fail("missing ']'");
      const inner = text.slice(i + 1, close).trim();
      i = close + 1;
      segments.push(parseBracket(inner, text));
    } else {
      fail(`unexpected '${c}'`);
    }
  }
  return segments;
}

function findClose(text: string, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '[') depth++;
    else if (c === ']') {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

function unquote(s: string): string | undefined {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) {
    const q = t[0]!;
    return t.slice(1, -1).replace(/\\(.)/g, (m, c: string) => (c === q || c === '\\' ? c : m));
  }
  return undefined;
}

function parseBracket(inner: string, text: string): Segment {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) return { kind: 'filter', test: compileFilter(inner.slice(1).trim(), text) };
  const parts = splitTop(inner, ',');
  if (parts.every((p) => unquote(p) !== undefined)) {
    const names = parts.map((p) => unquote(p)!);
    return names.length === 1 ? { kind: 'name', name: names[0]! } : { kind: 'names', names };
  }
  if (inner.includes(':')) {
    const [a, b, c] = inner.split(':').map((s) => s.trim());
    const num = (s: string | undefined) => (s === undefined || s === '' ? undefined : Number.parseInt(s, 10));
    const slice: { start?: number; end?: number; step?: number } = {};
    const start = num(a);
    const end = num(b);
    const stepBy = num(c);
    if (start !== undefined) slice.start = start;
    if (end !== undefined) slice.end = end;
    if (stepBy !== undefined) slice.step = stepBy;
    return { kind: 'slice', ...slice };
  }
  const indices = parts.map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n)) throw new JsonPathSyntaxError(text, `Invalid path '${text}': bad index '${p}'`);
    return n;
  });
  return indices.length === 1 ? { kind: 'index', index: indices[0]! } : { kind: 'indices', indices };
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let depth = 0;
  let start = 0;
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, j));
      start = j + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

type Operand = (item: unknown, root: unknown) => { present: boolean; value: unknown };

function compileFilter(expr: string, text: string): (item: unknown, root: unknown) => boolean {
  let body = expr.trim();
  if (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1).trim();
  return compileBool(body, text);
}

function compileBool(body: string, text: string): (item: unknown, root: unknown) => boolean {
  const ors = splitLogical(body, '||');
  if (ors.length > 1) {
    const parts = ors.map((p) => compileBool(p, text));
    return (item, root) => parts.some((p) => p(item, root));
  }
  const ands = splitLogical(body, '&&');
  if (ands.length > 1) {
    const parts = ands.map((p) => compileBool(p, text));
    return (item, root) => parts.every((p) => p(item, root));
  }
  let b = body.trim();
  if (b.startsWith('(') && b.endsWith(')')) return compileBool(b.slice(1, -1), text);
  if (b.startsWith('!')) {
    const inner = compileBool(b.slice(1), text);
    return (item, root) => !inner(item, root);
  }
  const m = /^(.*?)\s*(==|!=|<=|>=|<|>|=~)\s*(.*)$/.exec(b);
  if (!m) {
    const operand = compileOperand(b, text);
    return (item, root) => {
      const r = operand(item, root);
      return r.present;
    };
  }
  const left = compileOperand(m[1]!, text);
  const op = m[2]!;
  b = m[3]!;
  if (op === '=~') {
    const rm = /^\/(.*)\/([a-z]*)$/.exec(b.trim());
    const re = new RegExp(rm?.[1] ?? b, rm?.[2] ?? '');
    return (item, root) => {
      const l = left(item, root);
      return l.present && typeof l.value === 'string' && re.test(l.value);
    };
  }
  const right = compileOperand(b, text);
  return (item, root) => {
    const l = left(item, root);
    const r = right(item, root);
    if (!l.present || !r.present) return op === '!=' && l.present !== r.present;
    const lv = l.value;
    const rv = r.value;
    switch (op) {
      case '==':
        return deepEqual(lv, rv);
      case '!=':
        return !deepEqual(lv, rv);
      default:
        if (typeof lv === 'number' && typeof rv === 'number') {
          return op === '<' ? lv < rv : op === '>' ? lv > rv : op === '<=' ? lv <= rv : lv >= rv;
        }
        if (typeof lv === 'string' && typeof rv === 'string') {
          return op === '<' ? lv < rv : op === '>' ? lv > rv : op === '<=' ? lv <= rv : lv >= rv;
        }
        return false;
    }
  };
}

function splitLogical(s: string, op: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let depth = 0;
  let start = 0;
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (quote) {
      if (c === '\\') j++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && s.startsWith(op, j)) {
      out.push(s.slice(start, j));
      start = j + op.length;
      j += op.length - 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function compileOperand(raw: string, text: string): Operand {
  const s = raw.trim();
  if (s.startsWith('@') || s.startsWith('$')) {
    const path = compilePath(`$${s.slice(1)}`);
    const fromRoot = s.startsWith('$');
    return (item, root) => {
      const r = evaluatePath(path, fromRoot ? root : item);
      if (!r.found) return { present: false, value: undefined };
      return { present: true, value: r.value };
    };
  }
  const quoted = unquote(s);
  if (quoted !== undefined) return () => ({ present: true, value: quoted });
  try {
    const value: unknown = JSON.parse(s);
    return () => ({ present: true, value });
  } catch {
    throw new JsonPathSyntaxError(text, `Invalid path '${text}': bad filter operand '${s}'`);
  }
}

/** Jayway's normalized rendering of a definite path: `$['a']['b'][0]`. */
export function normalizedPath(path: string | CompiledPath): string {
  const compiled = typeof path === 'string' ? compilePath(path) : path;
  let out = '$';
  for (const s of compiled.segments) {
    if (s.kind === 'name') out += `['${s.name}']`;
    else if (s.kind === 'index') out += `[${s.index}]`;
    else if (s.kind === 'wildcard') out += '[*]';
    else if (s.kind === 'function') out += `.${s.name}()`;
  }
  return out;
}

/**
 * Writes `value` at the definite reference path `path` inside `target` (which is copied along the
 * path, never mutated), creating objects as needed. Returns undefined when the path cannot be
 * written (a non-object in the way).
 */
export function setPath(
  target: unknown,
  path: string,
  value: unknown,
): { ok: true; value: unknown } | { ok: false } {
  const compiled = compilePath(path);
  if (compiled.segments.length === 0) return { ok: true, value };
  const write = (node: unknown, index: number): { ok: true; value: unknown } | { ok: false } => {
    const segment = compiled.segments[index]!;
    const last = index === compiled.segments.length - 1;
    if (segment.kind === 'name') {
      if (node !== undefined && !isObject(node)) return { ok: false };
      const base: Record<string, unknown> = node === undefined ? {} : { ...node };
      if (last) {
        base[segment.name] = value;
        return { ok: true, value: base };
      }
      const child = write(base[segment.name], index + 1);
      if (!child.ok) return child;
      base[segment.name] = child.value;
      return { ok: true, value: base };
    }
    if (segment.kind === 'index') {
      if (!Array.isArray(node)) return { ok: false };
      const i = segment.index < 0 ? node.length + segment.index : segment.index;
      if (i < 0 || i >= node.length) return { ok: false };
      const base = [...node];
      if (last) {
        base[i] = value;
        return { ok: true, value: base };
      }
      const child = write(base[i], index + 1);
      if (!child.ok) return child;
      base[i] = child.value;
      return { ok: true, value: base };
    }
    return { ok: false };
  };
  return write(target, 0);
}
