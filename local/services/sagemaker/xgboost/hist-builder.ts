/**
 * Depth-wise histogram tree growth, as XGBoost 1.7's `grow_quantile_histmaker`
 * (`src/tree/updater_quantile_hist.cc`, `hist/evaluate_splits.h`, `param.h`):
 * - gradient/hessian histograms per node over the quantised matrix, summed in float64;
 * - histogram subtraction: only the smaller child is built, the larger is parent − smaller;
 * - split enumeration in both directions (missing right, then missing left when the node has
 *   missing values), gain `T(G)²/(H+λ)` with `T` the L1 soft threshold, children needing
 *   `H ≥ min_child_weight`, ties kept by the lower feature index;
 * - a node splits when `loss_chg > 1e-6`, `loss_chg ≥ gamma`, both children have hessian and the
 *   depth is below `max_depth`; leaves get `eta × weight`.
 */
import type { QuantisedMatrix } from './quantile';
import { RegTree } from './tree';

/** Tree parameters with XGBoost's meaning. */
export interface TreeParams {
  readonly eta: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly gamma: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly maxDeltaStep: number;
  readonly colsampleBylevel: number;
  readonly colsampleBynode: number;
  /**
   * `hist` (XGBoost's `hist`/`approx`) or `exact` (what `tree_method=auto` picks below 4M rows):
   * exact enumerates the missing-left direction first and only adds missing-right for columns with
   * missing values, grows on any gain above 1e-6 and applies `gamma` by pruning afterwards.
   */
  readonly method: 'hist' | 'exact';
}

/** A tree and where the rows it was grown on ended up. */
export interface GrownTree {
  readonly tree: RegTree;
  /** The row ids, permuted so that each leaf's rows are contiguous. */
  readonly rows: Uint32Array;
  /** Leaves as `[nodeId, begin, end)` ranges into {@link rows}. */
  readonly leaves: Array<readonly [number, number, number]>;
}

const RT_EPS = 1e-6;

function thresholdL1(g: number, alpha: number): number {
  if (g > alpha) return g - alpha;
  if (g < -alpha) return g + alpha;
  return 0;
}

/** XGBoost's `CalcWeight`. */
export function calcWeight(p: TreeParams, g: number, h: number): number {
  if (h < p.minChildWeight || h <= 0) return 0;
  let w = -thresholdL1(g, p.alpha) / (h + p.lambda);
  if (p.maxDeltaStep !== 0 && Math.abs(w) > p.maxDeltaStep) w = Math.sign(w) * p.maxDeltaStep;
  return w;
}

/** The split evaluator's gain of a node with sums `g`, `h`. */
function calcGain(p: TreeParams, g: number, h: number): number {
  if (h <= 0) return 0;
  if (p.maxDeltaStep === 0) {
    const t = thresholdL1(g, p.alpha);
    return (t * t) / (h + p.lambda);
  }
  const w = calcWeight(p, g, h);
  return -(2 * g * w + (h + p.lambda) * w * w);
}

interface NodeEntry {
  readonly nid: number;
  readonly begin: number;
  readonly end: number;
  readonly depth: number;
  readonly g: number;
  readonly h: number;
  hist: Float64Array | undefined;
}

interface Split {
  loss: number;
  feature: number;
  /** Local bin index k: rows with bin ≤ k go left; -1 = only missing values may go left. */
  bin: number;
  defaultLeft: boolean;
  gl: number;
  hl: number;
}

/** A seeded uniform random generator (mulberry32), so training is reproducible per `seed`. */
export function createRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks `max(1, floor(fraction × n))` of `features` (sorted ascending); all when fraction is 1. */
export function sampleFeatures(features: Uint32Array, fraction: number, random: () => number): Uint32Array {
  if (fraction >= 1) return features;
  const n = Math.max(1, Math.floor(fraction * features.length));
  const pool = Array.from(features);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return Uint32Array.from(pool.slice(0, n).sort((a, b) => a - b));
}

/** Grows one tree on `rows` (modified: partitioned in place) with the given gradient pairs. */
export class HistTreeBuilder {
  private readonly pool: Float64Array[] = [];
  private readonly scratch: Uint32Array;
  private readonly size: number;

  constructor(
    private readonly q: QuantisedMatrix,
    private readonly params: TreeParams,
    private readonly random: () => number,
  ) {
    this.size = 2 * q.offsets[q.cols]!;
    this.scratch = new Uint32Array(q.rows);
  }

  build(grad: Float32Array, hess: Float32Array, rows: Uint32Array, features: Uint32Array): GrownTree {
    const p = this.params;
    const tree = new RegTree();
    const leaves: Array<readonly [number, number, number]> = [];
    let g = 0;
    let h = 0;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      g += grad[r]!;
      h += hess[r]!;
    }
    const rootWeight = calcWeight(p, g, h);
    tree.setStats(0, rootWeight, h);
    tree.setLeaf(0, rootWeight * p.eta);
    const maxDepth = p.maxDepth === 0 ? 64 : p.maxDepth;
    if (maxDepth === 0 || rows.length === 0) {
      leaves.push([0, 0, rows.length]);
      return { tree, rows, leaves };
    }
    const allFeatures = features.length === this.q.cols ? undefined : features;
    const exact = p.method === 'exact';
    const ranges = new Map<number, readonly [number, number]>();
    const root: NodeEntry = { nid: 0, begin: 0, end: rows.length, depth: 0, g, h, hist: this.take() };
    this.buildHist(root.hist!, grad, hess, rows, 0, rows.length, allFeatures);
    let level: NodeEntry[] = [root];
    while (level.length > 0) {
      const levelFeatures = sampleFeatures(features, p.colsampleBylevel, this.random);
      const next: NodeEntry[] = [];
      for (const node of level) {
        const nodeFeatures = sampleFeatures(levelFeatures, p.colsampleBynode, this.random);
        const split = this.evaluate(node, nodeFeatures);
        if (
          split === undefined ||
          split.loss <= RT_EPS ||
          (!exact && split.loss < p.gamma) ||
          split.hl === 0 ||
          node.h - split.hl === 0
        ) {
          leaves.push([node.nid, node.begin, node.end]);
          this.release(node.hist);
          continue;
        }
        ranges.set(node.nid, [node.begin, node.end]);
        const f = split.feature;
        const threshold = split.bin < 0 ? this.q.minValues[f]! : this.q.cuts[f]![split.bin]!;
        const left = tree.expand(node.nid, f, threshold, split.defaultLeft, split.loss);
        const right = left + 1;
        const mid = this.partition(rows, node.begin, node.end, f, split.bin, split.defaultLeft);
        const gl = split.gl;
        const hl = split.hl;
        const gr = node.g - gl;
        const hr = node.h - hl;
        const wl = calcWeight(p, gl, hl);
        const wr = calcWeight(p, gr, hr);
        tree.setStats(left, wl, hl);
        tree.setLeaf(left, wl * p.eta);
        tree.setStats(right, wr, hr);
        tree.setLeaf(right, wr * p.eta);
        const depth = node.depth + 1;
        const leftEntry: NodeEntry = {
          nid: left,
          begin: node.begin,
          end: mid,
          depth,
          g: gl,
          h: hl,
          hist: undefined,
        };
        const rightEntry: NodeEntry = {
          nid: right,
          begin: mid,
          end: node.end,
          depth,
          g: gr,
          h: hr,
          hist: undefined,
        };
        if (depth >= maxDepth) {
          leaves.push([left, node.begin, mid], [right, mid, node.end]);
          this.release(node.hist);
          continue;
        }
        const leftSmaller = mid - node.begin <= node.end - mid;
        const small = leftSmaller ? leftEntry : rightEntry;
        const large = leftSmaller ? rightEntry : leftEntry;
        const parentHist = node.hist!;
        const smallHist = this.take();
        this.buildHist(smallHist, grad, hess, rows, small.begin, small.end, allFeatures);
        for (let i = 0; i < this.size; i++) parentHist[i] = parentHist[i]! - smallHist[i]!;
        small.hist = smallHist;
        large.hist = parentHist;
        next.push(leftEntry, rightEntry);
      }
      level = next;
    }
    if (!exact || p.gamma <= 0) return { tree, rows, leaves };
    for (const [nid, begin, end] of leaves) ranges.set(nid, [begin, end]);
    const pruned = tree.prune(p.gamma, 0, p.eta);
    if (pruned.tree === tree) return { tree, rows, leaves };
    const prunedLeaves: Array<readonly [number, number, number]> = [];
    for (const [oldId, [begin, end]] of ranges) {
      const id = pruned.newId[oldId]!;
      if (id >= 0 && pruned.tree.left[id] === -1) prunedLeaves.push([id, begin, end]);
    }
    return { tree: pruned.tree, rows, leaves: prunedLeaves };
  }

  private take(): Float64Array {
    return this.pool.pop() ?? new Float64Array(this.size);
  }

  private release(hist: Float64Array | undefined): void {
    if (hist !== undefined) this.pool.push(hist);
  }

  private buildHist(
    hist: Float64Array,
    grad: Float32Array,
    hess: Float32Array,
    rows: Uint32Array,
    begin: number,
    end: number,
    features: Uint32Array | undefined,
  ): void {
    hist.fill(0);
    const bins = this.q.bins;
    const cols = this.q.cols;
    if (features === undefined) {
      for (let i = begin; i < end; i++) {
        const r = rows[i]!;
        const g = grad[r]!;
        const h = hess[r]!;
        const base = r * cols;
        for (let j = 0; j < cols; j++) {
          const b = bins[base + j]! << 1;
          hist[b] = hist[b]! + g;
          hist[b + 1] = hist[b + 1]! + h;
        }
      }
      return;
    }
    const nf = features.length;
    for (let i = begin; i < end; i++) {
      const r = rows[i]!;
      const g = grad[r]!;
      const h = hess[r]!;
      const base = r * cols;
      for (let k = 0; k < nf; k++) {
        const b = bins[base + features[k]!]! << 1;
        hist[b] = hist[b]! + g;
        hist[b + 1] = hist[b + 1]! + h;
      }
    }
  }

  private evaluate(node: NodeEntry, features: Uint32Array): Split | undefined {
    const p = this.params;
    const hist = node.hist!;
    const { offsets } = this.q;
    const mcw = p.minChildWeight;
    const G = node.g;
    const H = node.h;
    const rootGain = calcGain(p, G, H);
    const exact = p.method === 'exact';
    let best: Split | undefined;
    let bestLoss = 0;
    for (let fi = 0; fi < features.length; fi++) {
      const f = features[fi]!;
      const off = offsets[f]!;
      const nb = offsets[f + 1]! - off - 1;
      if (nb <= 0) continue;
      const missG = hist[2 * (off + nb)]!;
      const missH = hist[2 * (off + nb) + 1]!;
      const nodeHasMissing = missH !== 0 || missG !== 0;
      const forward = exact ? this.q.hasMissing[f] === 1 : true;
      const backward = exact ? true : nodeHasMissing;
      if (forward) {
        // missing values go right
        let gl = 0;
        let hl = 0;
        for (let k = 0; k < nb; k++) {
          gl += hist[2 * (off + k)]!;
          hl += hist[2 * (off + k) + 1]!;
          const hr = H - hl;
          if (hl >= mcw && hr >= mcw) {
            const loss = Math.fround(calcGain(p, gl, hl) + calcGain(p, G - gl, hr) - rootGain);
            if (loss > bestLoss) {
              bestLoss = loss;
              best = { loss, feature: f, bin: k, defaultLeft: false, gl, hl };
            }
          }
        }
      }
      if (backward) {
        // missing values go left
        let gr = 0;
        let hr = 0;
        for (let k = nb - 1; k >= 0; k--) {
          gr += hist[2 * (off + k)]!;
          hr += hist[2 * (off + k) + 1]!;
          const hLeft = H - hr;
          if (hr >= mcw && hLeft >= mcw) {
            const gLeft = G - gr;
            const loss = Math.fround(calcGain(p, gLeft, hLeft) + calcGain(p, gr, hr) - rootGain);
            if (loss > bestLoss) {
              bestLoss = loss;
              best = { loss, feature: f, bin: k - 1, defaultLeft: true, gl: gLeft, hl: hLeft };
            }
          }
        }
      }
    }
    return best;
  }

  /** Stable partition of `rows[begin, end)` by the split; returns the first right position. */
  private partition(
    rows: Uint32Array,
    begin: number,
    end: number,
    feature: number,
    bin: number,
    defaultLeft: boolean,
  ): number {
    const { bins, cols, offsets } = this.q;
    const off = offsets[feature]!;
    const missingBin = offsets[feature + 1]! - 1;
    const threshold = off + bin;
    const scratch = this.scratch;
    let l = begin;
    let r = 0;
    for (let i = begin; i < end; i++) {
      const row = rows[i]!;
      const b = bins[row * cols + feature]!;
      const goLeft = b === missingBin ? defaultLeft : b <= threshold;
      if (goLeft) rows[l++] = row;
      else scratch[r++] = row;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
  }
}
