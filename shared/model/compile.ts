/**
 * Compiles trees to JavaScript (`new Function`) for speed: each tree becomes nested `if`s with the
 * float32 thresholds and leaf values as literals, so prediction is straight-line compares with no
 * node array lookups. Trees are grouped into functions of at most {@link NODES_PER_FUNCTION} nodes
 * (V8 does not optimise very large functions); each function loops over a block of rows itself.
 *
 * Missing values are NaN, and the comparisons are written so NaN falls to the default child without
 * a separate test: default left → `if (!(x >= t)) left else right`; default right →
 * `if (x < t) left else right`. Both equal XGBoost's `fvalue < split_cond` for present values.
 */
import type { TreeSpec } from './types';

// Measured on the 300-tree depth-6 bench model: ~300 nodes per function is fastest; functions of
// thousands of nodes exceed what TurboFan optimises and run several times slower.
const NODES_PER_FUNCTION = 300;
/** Deeper trees are left to the interpreter (nested `if`s that deep would strain the JS parser). */
export const MAX_COMPILED_DEPTH = 96;

/** A compiled block of trees: adds its trees' leaves to `m` for rows `[r0, r1)`. */
export type CompiledChunk = (
  x: Float32Array,
  width: number,
  r0: number,
  r1: number,
  m: Float32Array,
  groups: number,
) => void;

/** Membership test of a categorical split: true when the category goes right. */
export type CategoryTest = (v: number) => boolean;

/** JS literal of a float, keeping the sign of zero. */
export function numberLiteral(v: number): string {
  if (Object.is(v, -0)) return '-0';
  return String(v);
}

/** Builds the membership test of one categorical node (XGBoost `common::Decision`, inverted). */
export function categoryTest(set: Int32Array): CategoryTest {
  let max = 0;
  for (const c of set) if (c > max) max = c;
  const bits = new Uint32Array((max >>> 5) + 1);
  for (const c of set) if (c >= 0) (bits[c >>> 5] as number) |= 1 << (c & 31);
  const words = bits.length;
  return (v: number) => {
    if (!(v >= 0 && v < 16777216)) return false; // invalid category: goes left
    const c = Math.trunc(v);
    const w = c >>> 5;
    return w < words && ((bits[w] as number) & (1 << (c & 31))) !== 0;
  };
}

function emitTree(tree: TreeSpec, group: number, tests: CategoryTest[], out: string[], node: number): void {
  const left = tree.left[node] as number;
  if (left === -1) {
    out.push(`s${group}=Math.fround(s${group}+${numberLiteral(tree.splitCondition[node] as number)});`);
    return;
  }
  const right = tree.right[node] as number;
  const f = tree.splitIndex[node] as number;
  const dl = tree.defaultLeft[node] === 1;
  if (tree.splitType[node] === 1) {
    const k = tests.length;
    tests.push(categoryTest(tree.categories.get(node) as Int32Array));
    out.push(`v=x[o+${f}];if(${dl ? `v!==v||!C[${k}](v)` : `v===v&&!C[${k}](v)`}){`);
  } else {
    const t = numberLiteral(tree.splitCondition[node] as number);
    out.push(dl ? `if(!(x[o+${f}]>=${t})){` : `if(x[o+${f}]<${t}){`);
  }
  emitTree(tree, group, tests, out, left);
  out.push('}else{');
  emitTree(tree, group, tests, out, right);
  out.push('}');
}

/**
 * Compiles `trees[0..count)` (with their output groups) into chunk functions.
 * The trees must have been validated (acyclic, in-range children, depth ≤ {@link MAX_COMPILED_DEPTH}).
 */
export function compileTrees(
  trees: readonly TreeSpec[],
  treeInfo: Int32Array,
  count: number,
  reachable: readonly number[],
): CompiledChunk[] {
  const chunks: CompiledChunk[] = [];
  let t = 0;
  while (t < count) {
    const tests: CategoryTest[] = [];
    const body: string[] = [];
    const groups = new Set<number>();
    let nodes = 0;
    while (t < count && (nodes === 0 || nodes + (reachable[t] as number) <= NODES_PER_FUNCTION)) {
      const g = treeInfo[t] as number;
      groups.add(g);
      emitTree(trees[t] as TreeSpec, g, tests, body, 0);
      nodes += reachable[t] as number;
      t++;
    }
    const gs = [...groups].sort((a, b) => a - b);
    const load = gs.map((g) => `s${g}=m[mo+${g}]`).join(',');
    const store = gs.map((g) => `m[mo+${g}]=s${g};`).join('');
    const source =
      `return function(x,width,r0,r1,m,groups){let v=0;` +
      `for(let r=r0,o=r0*width,mo=r0*groups;r<r1;r++,o+=width,mo+=groups){let ${load};` +
      `${body.join('')}${store}}};`;
    const factory = new Function('C', source) as (c: CategoryTest[]) => CompiledChunk;
    chunks.push(factory(tests));
  }
  return chunks;
}
