/**
 * A loaded XGBoost 1.7 tree model, ready to predict exactly as XGBoost 1.7.4's CPU predictor does
 * (SPEC §4.2): float32 features, thresholds, leaves and margins; trees summed in order into their
 * output group starting from `ProbToMargin(base_score)`; NaN = missing takes the default child;
 * `x < threshold` strictly goes left; categorical splits send listed categories right; only the
 * first `best_ntree_limit` rounds are used when the model has that attribute (as the SageMaker
 * container's `predict(ntree_limit=best_ntree_limit)` does).
 */
import { ModelFormatError, UnsupportedModelError } from '../errors';
import { type CompiledChunk, categoryTest, compileTrees, MAX_COMPILED_DEPTH } from './compile';
import { baseMargin, type ObjectiveInfo, objectiveInfo, transformMargins } from './objective';
import type { ModelSpec, TreeSpec } from './types';

/** Options of {@link XGBoostModel.fromSpec}. */
export interface ModelOptions {
  /**
   * Number of boosting rounds × parallel trees to use, like XGBoost's `ntree_limit`; `0` = all trees.
   * Defaults to the model's `best_ntree_limit` attribute (what the SageMaker container passes).
   */
  readonly ntreeLimit?: number;
  /**
   * `'auto'` (default): walk the trees with the interpreter until {@link COMPILE_AFTER_ROWS} rows have
   * been predicted in all (one batch or many small ones), then generate code (compiling costs about as
   * much as interpreting a few thousand rows, and keeps model load fast). `true`: generate code at
   * load. `false`: always interpret. All give identical results.
   */
  readonly compile?: boolean | 'auto';
}

/** Predictions of a batch of rows: `rows × width` float32 values, row-major. */
export interface Predictions {
  readonly values: Float32Array;
  readonly rows: number;
  /** 1, or the number of classes for `multi:softprob` (and for margins of multi-class models). */
  readonly width: number;
}

const ROW_BLOCK = 1024;
/** With `compile: 'auto'`, code is generated once this many rows have been predicted. */
export const COMPILE_AFTER_ROWS = 2000;

interface TreeCheck {
  readonly reachable: number;
  readonly depth: number;
}

/** Walks a tree from its root: every reachable node once, children in range, features in range. */
function checkTree(tree: TreeSpec, index: number, numFeature: number): TreeCheck {
  const n = tree.left.length;
  const seen = new Uint8Array(n);
  // (node, depth) pairs; each node is pushed at most once before the cycle check stops the walk
  const stack = new Int32Array(4 * n + 4);
  let top = 2;
  let reachable = 0;
  let depth = 0;
  while (top > 0) {
    const d = stack[--top] as number;
    const node = stack[--top] as number;
    if (!(node >= 0 && node < n)) {
      throw new ModelFormatError(`tree ${index}: child index ${node} is outside its ${n} nodes`);
    }
    if (seen[node] === 1)
      throw new ModelFormatError(`tree ${index}: node ${node} is reached twice (a cycle)`);
    seen[node] = 1;
    reachable++;
    if (d > depth) depth = d;
    const left = tree.left[node] as number;
    const right = tree.right[node] as number;
    if (left === -1) {
      if (right !== -1) throw new ModelFormatError(`tree ${index}: node ${node} has only a right child`);
      continue;
    }
    const f = tree.splitIndex[node] as number;
    if (f >= numFeature) {
      throw new ModelFormatError(
        `tree ${index}: node ${node} splits on feature ${f}, the model has ${numFeature} features`,
      );
    }
    if (top + 4 > stack.length)
      throw new ModelFormatError(`tree ${index}: more branches than nodes (a cycle)`);
    stack[top++] = left;
    stack[top++] = d + 1;
    stack[top++] = right;
    stack[top++] = d + 1;
  }
  return { reachable, depth };
}

/** An XGBoost gbtree model compiled for prediction. Create it with `loadModel` or {@link fromSpec}. */
export class XGBoostModel {
  /** Objective name and how it transforms margins. */
  readonly objective: ObjectiveInfo;
  /** Number of features a row has (`num_feature`): the row stride of dense input. */
  readonly numFeature: number;
  /** Number of output groups: `num_class` for multi-class models, else 1. */
  readonly numGroups: number;
  /** Starting margin of every group: `ProbToMargin(base_score)` (float32). */
  readonly baseMargin: number;
  /** Number of trees used for prediction (after `ntree_limit`). */
  readonly treesUsed: number;
  readonly #compileMode: boolean | 'auto';
  readonly #compilable: boolean;
  readonly #reachable: number[];
  #chunks: CompiledChunk[] | undefined;
  #rowsPredicted = 0;
  #flat: FlatTrees | undefined;

  private constructor(
    readonly spec: ModelSpec,
    options: ModelOptions,
  ) {
    if (spec.booster !== 'gbtree') {
      throw new UnsupportedModelError(
        `XGBoost booster '${spec.booster}' is not supported: only gbtree models are scored`,
      );
    }
    this.objective = objectiveInfo(spec.objective);
    this.numFeature = spec.numFeature;
    this.numGroups = Math.max(1, spec.numClass, spec.numTarget);
    if (this.objective.multiClass && spec.numClass < 2) {
      throw new ModelFormatError(
        `objective ${spec.objective} needs num_class ≥ 2, the model has ${spec.numClass}`,
      );
    }
    if (spec.numTarget > 1 && spec.numClass > 1) {
      throw new UnsupportedModelError(
        'models with both several targets and several classes are not supported',
      );
    }
    this.baseMargin = baseMargin(this.objective, spec.baseScore);
    if (spec.treeInfo.length !== spec.trees.length) {
      throw new ModelFormatError(
        `tree_info has ${spec.treeInfo.length} entries for ${spec.trees.length} trees`,
      );
    }
    for (let t = 0; t < spec.treeInfo.length; t++) {
      const g = spec.treeInfo[t] as number;
      if (!(g >= 0 && g < this.numGroups)) {
        throw new ModelFormatError(`tree ${t} belongs to output group ${g}, the model has ${this.numGroups}`);
      }
    }
    const npt = Math.max(1, spec.numParallelTree);
    const limit = options.ntreeLimit ?? Number(spec.attributes.best_ntree_limit ?? 0);
    if (!Number.isInteger(limit) || limit < 0) {
      throw new ModelFormatError(
        `best_ntree_limit '${spec.attributes.best_ntree_limit}' is not a count of trees`,
      );
    }
    // python: iteration_range = (0, ntree_limit // num_parallel_tree); C++ LayerToTree.
    const layers = Math.floor(limit / npt);
    const end = layers * this.numGroups * npt;
    if (end > spec.trees.length) {
      throw new ModelFormatError(
        `ntree limit ${limit} needs ${end} trees, the model has ${spec.trees.length} (Invalid number of trees)`,
      );
    }
    this.treesUsed = end === 0 ? spec.trees.length : end;
    const checks = spec.trees.map((tree, i) => checkTree(tree, i, spec.numFeature));
    this.#compilable = !checks.slice(0, this.treesUsed).some((c) => c.depth > MAX_COMPILED_DEPTH);
    this.#reachable = checks.map((c) => c.reachable);
    this.#compileMode = options.compile ?? 'auto';
    if (this.#compileMode === true) this.#compile();
  }

  /** Whether prediction runs generated code now (else the interpreter). */
  get compiled(): boolean {
    return this.#chunks !== undefined;
  }

  #compile(): CompiledChunk[] | undefined {
    if (this.#chunks === undefined && this.#compilable && this.#compileMode !== false) {
      this.#chunks = compileTrees(this.spec.trees, this.spec.treeInfo, this.treesUsed, this.#reachable);
    }
    return this.#chunks;
  }

  /**
   * Validates a parsed model and prepares it for prediction.
   *
   * @throws {ModelFormatError} when the trees are inconsistent (cycles, out-of-range children or
   *   features, a tree limit beyond the trees present).
   * @throws {UnsupportedModelError} for boosters or objectives that are not scored.
   */
  static fromSpec(spec: ModelSpec, options: ModelOptions = {}): XGBoostModel {
    return new XGBoostModel(spec, options);
  }

  /** Width of one prediction row: `num_class` for `multi:softprob`, else 1. */
  get outputWidth(): number {
    return this.objective.link === 'softprob' ? this.numGroups : 1;
  }

  /**
   * Raw margins (`predict(output_margin=True)`) of `rows` dense rows stored row-major in `x` with
   * stride {@link numFeature}; NaN = missing. Returns `rows × numGroups` float32 values.
   */
  predictMargin(x: Float32Array, rows = this.numFeature === 0 ? 0 : x.length / this.numFeature): Predictions {
    if (!Number.isInteger(rows) || rows * this.numFeature > x.length) {
      throw new RangeError(`${x.length} values do not hold ${rows} rows of ${this.numFeature} features`);
    }
    const g = this.numGroups;
    const m = new Float32Array(rows * g).fill(this.baseMargin);
    this.#rowsPredicted += rows;
    const chunks = this.#rowsPredicted >= COMPILE_AFTER_ROWS ? this.#compile() : this.#chunks;
    if (chunks !== undefined) {
      for (let r0 = 0; r0 < rows; r0 += ROW_BLOCK) {
        const r1 = Math.min(rows, r0 + ROW_BLOCK);
        for (const chunk of chunks) chunk(x, this.numFeature, r0, r1, m, g);
      }
    } else {
      this.#flat ??= flatten(this.spec.trees, this.spec.treeInfo, this.treesUsed);
      interpret(this.#flat, x, this.numFeature, rows, m, g);
    }
    return { values: m, rows, width: g };
  }

  /** Predictions (`predict()`): margins through the objective's transform. */
  predict(x: Float32Array, rows?: number): Predictions {
    const margins = this.predictMargin(x, rows);
    const values = transformMargins(this.objective, margins.values, margins.width);
    return { values, rows: margins.rows, width: this.outputWidth };
  }

  /** Convenience: predicts one row given as numbers (NaN / null / undefined = missing). */
  predictRow(row: ArrayLike<number | null | undefined>): number[] {
    return Array.from(this.predict(denseRows([row], this.numFeature)).values);
  }
}

/**
 * Packs rows (arrays of numbers; `null`, `undefined` or NaN = missing; shorter rows padded with
 * missing) into the dense float32 matrix {@link XGBoostModel.predictMargin} takes.
 *
 * @throws {RangeError} when a row has more than `numFeature` values.
 */
export function denseRows(
  rows: readonly ArrayLike<number | null | undefined>[],
  numFeature: number,
): Float32Array {
  const x = new Float32Array(rows.length * numFeature).fill(Number.NaN);
  rows.forEach((row, r) => {
    if (row.length > numFeature) {
      throw new RangeError(`row ${r} has ${row.length} values, the model has ${numFeature} features`);
    }
    for (let i = 0; i < row.length; i++) {
      const v = row[i];
      if (v !== null && v !== undefined) x[r * numFeature + i] = v;
    }
  });
  return x;
}

interface FlatTrees {
  readonly roots: Int32Array;
  readonly groups: Int32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Uint32Array;
  readonly value: Float32Array;
  /** bit 0 = default left, bit 1 = categorical. */
  readonly flags: Uint8Array;
  readonly tests: Map<number, (v: number) => boolean>;
}

function flatten(trees: readonly TreeSpec[], treeInfo: Int32Array, count: number): FlatTrees {
  let total = 0;
  for (let t = 0; t < count; t++) total += (trees[t] as TreeSpec).left.length;
  const flat: FlatTrees = {
    roots: new Int32Array(count),
    groups: treeInfo.slice(0, count),
    left: new Int32Array(total),
    right: new Int32Array(total),
    feature: new Uint32Array(total),
    value: new Float32Array(total),
    flags: new Uint8Array(total),
    tests: new Map(),
  };
  let base = 0;
  for (let t = 0; t < count; t++) {
    const tree = trees[t] as TreeSpec;
    flat.roots[t] = base;
    for (let n = 0; n < tree.left.length; n++) {
      const l = tree.left[n] as number;
      flat.left[base + n] = l === -1 ? -1 : base + l;
      flat.right[base + n] = l === -1 ? -1 : base + (tree.right[n] as number);
      flat.feature[base + n] = tree.splitIndex[n] as number;
      flat.value[base + n] = tree.splitCondition[n] as number;
      const categorical = tree.splitType[n] === 1 && l !== -1;
      flat.flags[base + n] = (tree.defaultLeft[n] as number) | (categorical ? 2 : 0);
      if (categorical) flat.tests.set(base + n, categoryTest(tree.categories.get(n) as Int32Array));
    }
    base += tree.left.length;
  }
  return flat;
}

/** The reference tree walk, node arrays instead of generated code. */
function interpret(
  f: FlatTrees,
  x: Float32Array,
  width: number,
  rows: number,
  m: Float32Array,
  groups: number,
): void {
  const { roots, left, right, feature, value, flags } = f;
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    const mo = r * groups;
    for (let t = 0; t < roots.length; t++) {
      let n = roots[t] as number;
      while ((left[n] as number) !== -1) {
        const v = x[o + (feature[n] as number)] as number;
        const fl = flags[n] as number;
        let goLeft: boolean;
        if (Number.isNaN(v)) goLeft = (fl & 1) === 1;
        else if ((fl & 2) !== 0) goLeft = !(f.tests.get(n) as (v: number) => boolean)(v);
        else goLeft = v < (value[n] as number);
        n = goLeft ? (left[n] as number) : (right[n] as number);
      }
      const g = mo + (f.groups[t] as number);
      m[g] = Math.fround((m[g] as number) + (value[n] as number));
    }
  }
}
