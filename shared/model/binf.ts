/**
 * Reader of XGBoost's legacy binary model format ("binf"): what `Booster.save_model("xgboost-model")`
 * writes in 1.7 and therefore what the SageMaker XGBoost 1.7-1 container puts in `model.tar.gz`.
 *
 * Little-endian layout (SPEC §4.5, XGBoost `src/learner.cc`, `src/gbm/gbtree_model.cc`,
 * `src/tree/tree_model.cc` @v1.7.4):
 * ```
 * "binf" (optional)
 * LearnerModelParamLegacy 136 B: f32 base_score, u32 num_feature, i32 num_class,
 *   i32 contain_extra_attrs, i32 contain_eval_metrics, u32 major, u32 minor, u32 num_target,
 *   i32 boost_from_average, i32 reserved[25]
 * string objective, string booster                         (string = u64 length + bytes)
 * GBTreeModelParam 160 B: i32 num_trees, i32 num_parallel_tree, i32 num_feature, i32 pad,
 *   i64 num_pbuffer, i32 num_output_group, i32 size_leaf_vector, i32 reserved[32]
 * per tree: TreeParam 148 B: i32 num_roots, i32 num_nodes, i32 num_deleted, i32 max_depth,
 *   u32 num_feature, i32 size_leaf_vector, i32 reserved[31]
 *   num_nodes × Node 20 B: i32 parent, i32 left, i32 right, u32 sindex (bit 31 = default left),
 *     f32 split_cond | leaf_value
 *   num_nodes × RTreeNodeStat 16 B: f32 loss_chg, f32 sum_hess, f32 base_weight, i32 leaf_child_cnt
 * i32 tree_info[num_trees]
 * if contain_extra_attrs: u64 n, n × (string key, string value)
 * if contain_eval_metrics: u64 n, n × string
 * ```
 */

import { ModelFormatError, UnsupportedModelError } from '../errors';
import { ByteReader } from './byte-reader';
import type { ModelSpec, TreeSpec } from './types';

const LEARNER_PARAM_BYTES = 136;
const GBTREE_PARAM_BYTES = 160;
const TREE_PARAM_BYTES = 148;
const NODE_BYTES = 20;
const STAT_BYTES = 16;
const MAX_STRING = 1 << 26;
const decoder = new TextDecoder('utf-8', { fatal: true });

class Reader extends ByteReader {
  constructor(bytes: Uint8Array) {
    super(bytes, {
      truncated: (what, n, offset, size) =>
        `binary XGBoost model is truncated: ${what} needs ${n} byte(s) at byte ${offset}, the file has ${size}`,
      tooLarge: (what, value) => `binary XGBoost model: ${what} ${value} is not a plausible length`,
    });
  }
  string(what: string): string {
    const length = this.u64(`length of ${what}`);
    if (length > MAX_STRING)
      throw new ModelFormatError(`binary XGBoost model: ${what} is ${length} bytes long`);
    this.need(length, what);
    const start = this.offset;
    this.offset += length;
    try {
      return decoder.decode(this.bytes.subarray(start, this.offset));
    } catch {
      throw new ModelFormatError(`binary XGBoost model: ${what} at byte ${start} is not valid UTF-8`);
    }
  }
}

function readTree(r: Reader, index: number): TreeSpec {
  const what = `tree ${index}`;
  r.need(TREE_PARAM_BYTES, `${what} parameters`);
  const start = r.offset;
  const numRoots = r.i32();
  const numNodes = r.i32();
  const numDeleted = r.i32();
  r.offset = start + TREE_PARAM_BYTES;
  if (numRoots !== 1)
    throw new ModelFormatError(`binary XGBoost model: ${what} has num_roots ${numRoots}, expected 1`);
  if (numNodes < 1 || numNodes > (r.bytes.length - r.offset) / (NODE_BYTES + STAT_BYTES)) {
    throw new ModelFormatError(
      `binary XGBoost model: ${what} declares ${numNodes} nodes, more than the ${r.bytes.length - r.offset} bytes left can hold`,
    );
  }
  const left = new Int32Array(numNodes);
  const right = new Int32Array(numNodes);
  const splitIndex = new Uint32Array(numNodes);
  const splitCondition = new Float32Array(numNodes);
  const defaultLeft = new Uint8Array(numNodes);
  let deleted = 0;
  for (let n = 0; n < numNodes; n++) {
    r.offset += 4; // parent (bit 31 = is left child)
    left[n] = r.i32();
    right[n] = r.i32();
    const sindex = r.u32();
    splitIndex[n] = sindex & 0x7fffffff;
    defaultLeft[n] = sindex >>> 31;
    splitCondition[n] = r.f32();
    if (sindex === 0xffffffff) deleted++;
  }
  const lossChange = new Float32Array(numNodes);
  for (let n = 0; n < numNodes; n++) {
    lossChange[n] = r.f32();
    r.offset += STAT_BYTES - 4; // sum_hess, base_weight, leaf_child_cnt
  }
  if (deleted !== numDeleted) {
    throw new ModelFormatError(
      `binary XGBoost model: ${what} has ${deleted} deleted nodes, its parameters say ${numDeleted}`,
    );
  }
  return {
    left,
    right,
    splitIndex,
    splitCondition,
    defaultLeft,
    splitType: new Uint8Array(numNodes),
    categories: new Map(),
    lossChange,
  };
}

/** True when `bytes` start like a binf model (the `binf` magic). */
export function isBinf(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x62 && bytes[1] === 0x69 && bytes[2] === 0x6e && bytes[3] === 0x66
  );
}

/**
 * Parses a legacy binary XGBoost model. Models written before 1.0 stored `base_score` as a margin;
 * as XGBoost 1.7 does, it is turned back into the output space by `toOutputSpace` for non-`multi:`
 * objectives.
 *
 * @throws {ModelFormatError} when the bytes are truncated or inconsistent.
 * @throws {UnsupportedModelError} for `gblinear` / `dart` boosters.
 */
export function parseBinf(
  bytes: Uint8Array,
  toOutputSpace: (objective: string, margin: number) => number,
): ModelSpec {
  const r = new Reader(bytes);
  if (isBinf(bytes)) r.offset = 4;
  r.need(LEARNER_PARAM_BYTES, 'learner parameters');
  const p = r.offset;
  let baseScore = r.f32();
  const numFeature = r.u32();
  const numClass = r.i32();
  const containExtraAttrs = r.i32();
  const containEvalMetrics = r.i32();
  const major = r.u32();
  const minor = r.u32();
  const numTarget = r.u32();
  r.offset = p + LEARNER_PARAM_BYTES;
  if (numClass < 0 || numFeature > 0x7fffffff) {
    throw new ModelFormatError(
      `binary XGBoost model: implausible learner parameters (num_class ${numClass}, num_feature ${numFeature}); not an XGBoost model?`,
    );
  }
  const objective = r.string('objective name');
  const booster = r.string('booster name');
  if (booster === 'gblinear' || booster === 'dart') {
    throw new UnsupportedModelError(
      `XGBoost booster '${booster}' is not supported: only gbtree models are scored`,
    );
  }
  if (booster !== 'gbtree') throw new ModelFormatError(`binary XGBoost model: unknown booster '${booster}'`);
  r.need(GBTREE_PARAM_BYTES, 'gbtree parameters');
  const g = r.offset;
  const numTrees = r.i32();
  const numParallelTree = r.i32();
  r.offset = g + GBTREE_PARAM_BYTES;
  if (numTrees < 0 || numTrees > r.bytes.length) {
    throw new ModelFormatError(`binary XGBoost model: implausible number of trees ${numTrees}`);
  }
  const trees: TreeSpec[] = [];
  for (let t = 0; t < numTrees; t++) trees.push(readTree(r, t));
  r.need(4 * numTrees, 'tree_info');
  const treeInfo = new Int32Array(numTrees);
  for (let t = 0; t < numTrees; t++) treeInfo[t] = r.i32();
  const attributes: Record<string, string> = {};
  if (containExtraAttrs !== 0) {
    const n = r.u64('number of attributes');
    for (let i = 0; i < n; i++) {
      const key = r.string(`attribute ${i} name`);
      attributes[key] = r.string(`attribute '${key}'`);
    }
  }
  if (containEvalMetrics !== 0) {
    const n = r.u64('number of eval metrics');
    for (let i = 0; i < n; i++) r.string(`eval metric ${i}`);
  }
  if (r.offset !== bytes.length) {
    throw new ModelFormatError(
      `binary XGBoost model: ${bytes.length - r.offset} unexpected byte(s) after the model at byte ${r.offset}`,
    );
  }
  if (major < 1 && !objective.startsWith('multi:')) baseScore = toOutputSpace(objective, baseScore);
  return {
    format: 'binf',
    version: [major, minor, 0],
    objective,
    booster,
    baseScore: Math.fround(baseScore),
    numFeature,
    numClass,
    numTarget: Math.max(1, numTarget),
    numParallelTree: numParallelTree,
    attributes,
    featureNames: [],
    trees,
    treeInfo,
  };
}
