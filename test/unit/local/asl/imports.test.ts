/**
 * The interpreter's module graph: `local/asl` reaches no service (everything external goes through
 * the resource registry), and no module of it imports itself back through others.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../../../local/asl');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The relative imports of a file, resolved to files (type-only imports included). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
    const target = path.resolve(path.dirname(file), m[1]!);
    const candidates = [`${target}.ts`, path.join(target, 'index.ts')];
    out.push(candidates.find((c) => sources(path.dirname(c)).includes(c)) ?? target);
  }
  return out;
}

/** The import cycles of a graph, each as a list of files (depth-first search). */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined && graph.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (state.get(node) === undefined) visit(node);
  return cycles;
}

const graph = new Map(sources(ROOT).map((file) => [file, imports(file)]));
const relative = (file: string) => path.relative(path.dirname(ROOT), file);

describe('local/asl imports', () => {
  it('imports nothing from local/services', () => {
    const reaching = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((t) => t.includes(`${path.sep}services${path.sep}`))
        .map((t) => `${relative(file)} -> ${relative(t)}`),
    );
    expect(reaching).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(findCycles(graph).map((cycle) => cycle.map(relative).join(' -> '))).toEqual([]);
  });

  it('finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(cyclic)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
