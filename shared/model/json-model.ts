/**
 * Builds a {@link ModelSpec} from XGBoost's JSON model document (`save_model("m.json")`), or the same
 * document decoded from UBJSON (`*.ubj`). Schema: `doc/model.schema` @v1.7.4 (SPEC §4.1). Every float
 * is narrowed to float32 on the way in: XGBoost parses them as `float`, and a float64 threshold
 * routes rows that sit exactly on it to the wrong side.
 */
import { ModelFormatError, UnsupportedModelError } from '../errors';
import type { ModelFormat, ModelSpec, TreeSpec } from './types';

type Obj = { readonly [key: string]: unknown };

function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}

function obj(parent: Obj, key: string, path: string): Obj {
  const value = parent[key];
  if (!isObject(value))
    throw new ModelFormatError(`XGBoost model document: '${path}.${key}' must be an object`);
  return value;
}

function str(parent: Obj, key: string, path: string, fallback?: string): string {
  const value = parent[key];
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  throw new ModelFormatError(`XGBoost model document: '${path}.${key}' must be a string`);
}

function int(parent: Obj, key: string, path: string, fallback?: number): number {
  const text = str(parent, key, path, fallback === undefined ? undefined : String(fallback));
  const n = Number(text);
  if (!Number.isInteger(n)) {
    throw new ModelFormatError(`XGBoost model document: '${path}.${key}' must be an integer, got '${text}'`);
  }
  return n;
}

/** A numeric vector from a JSON array or a UBJSON typed array. */
function numbers(parent: Obj, key: string, path: string, optional = false): ArrayLike<number> {
  const value = parent[key];
  if (value === undefined && optional) return [];
  if (value instanceof BigInt64Array) return Array.from(value, (v) => Number(v));
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return value as unknown as ArrayLike<number>;
  if (Array.isArray(value)) {
    const out = new Float64Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'number') out[i] = v;
      else if (v === null)
        out[i] = Number.NaN; // NaN in XGBoost's JSON
      else if (typeof v === 'boolean') out[i] = v ? 1 : 0;
      else if (typeof v === 'bigint') out[i] = Number(v);
      else throw new ModelFormatError(`XGBoost model document: '${path}.${key}[${i}]' must be a number`);
    }
    return out;
  }
  throw new ModelFormatError(`XGBoost model document: '${path}.${key}' must be an array of numbers`);
}

function parseFloatString(text: string, path: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || Number.isNaN(n)) {
    throw new ModelFormatError(`XGBoost model document: '${path}' must be a number, got '${text}'`);
  }
  return Math.fround(n);
}

function readTree(tree: Obj, index: number): TreeSpec {
  const path = `learner.gradient_booster.model.trees[${index}]`;
  const param = obj(tree, 'tree_param', path);
  const numNodes = int(param, 'num_nodes', `${path}.tree_param`);
  const sizeLeafVector = int(param, 'size_leaf_vector', `${path}.tree_param`, 0);
  if (sizeLeafVector > 1) {
    throw new UnsupportedModelError(`tree ${index} has vector leaves (size_leaf_vector ${sizeLeafVector})`);
  }
  const lc = numbers(tree, 'left_children', path);
  const rc = numbers(tree, 'right_children', path);
  const si = numbers(tree, 'split_indices', path);
  const sc = numbers(tree, 'split_conditions', path);
  const dl = numbers(tree, 'default_left', path);
  const st = numbers(tree, 'split_type', path, true);
  for (const [name, arr] of [
    ['left_children', lc],
    ['right_children', rc],
    ['split_indices', si],
    ['split_conditions', sc],
    ['default_left', dl],
  ] as const) {
    if (arr.length !== numNodes) {
      throw new ModelFormatError(
        `XGBoost model document: '${path}.${name}' has ${arr.length} entries, tree_param.num_nodes is ${numNodes}`,
      );
    }
  }
  if (st.length !== 0 && st.length !== numNodes) {
    throw new ModelFormatError(
      `XGBoost model document: '${path}.split_type' has ${st.length} entries, expected ${numNodes}`,
    );
  }
  const left = Int32Array.from(lc);
  const right = Int32Array.from(rc);
  const splitIndex = new Uint32Array(numNodes);
  for (let n = 0; n < numNodes; n++) {
    const f = si[n] as number;
    if (!Number.isInteger(f) || f < 0 || f > 0x7fffffff) {
      throw new ModelFormatError(`XGBoost model document: '${path}.split_indices[${n}]' is ${f}`);
    }
    splitIndex[n] = f;
  }
  const splitCondition = Float32Array.from(sc);
  const defaultLeft = Uint8Array.from(dl, (v) => (v ? 1 : 0));
  const splitType = st.length === 0 ? new Uint8Array(numNodes) : Uint8Array.from(st);
  const categories = new Map<number, Int32Array>();
  if (splitType.some((t) => t !== 0)) {
    const cats = numbers(tree, 'categories', path);
    const nodes = numbers(tree, 'categories_nodes', path);
    const segments = numbers(tree, 'categories_segments', path);
    const sizes = numbers(tree, 'categories_sizes', path);
    if (nodes.length !== segments.length || nodes.length !== sizes.length) {
      throw new ModelFormatError(
        `XGBoost model document: '${path}' categories_nodes/segments/sizes differ in length`,
      );
    }
    for (let k = 0; k < nodes.length; k++) {
      const node = nodes[k] as number;
      const begin = segments[k] as number;
      const size = sizes[k] as number;
      if (!(node >= 0 && node < numNodes) || !(begin >= 0 && size > 0 && begin + size <= cats.length)) {
        throw new ModelFormatError(
          `XGBoost model document: '${path}' categorical split ${k} is out of range`,
        );
      }
      const set = Int32Array.from(Array.prototype.slice.call(cats, begin, begin + size) as number[]).sort();
      categories.set(node, set);
    }
    for (let n = 0; n < numNodes; n++) {
      if (splitType[n] === 1 && (left[n] as number) !== -1 && !categories.has(n)) {
        throw new ModelFormatError(
          `XGBoost model document: '${path}' node ${n} is categorical but has no categories`,
        );
      }
      if ((splitType[n] as number) > 1) {
        throw new ModelFormatError(`XGBoost model document: '${path}.split_type[${n}]' is ${splitType[n]}`);
      }
    }
  }
  const lc2 = numbers(tree, 'loss_changes', path, true);
  return {
    left,
    right,
    splitIndex,
    splitCondition,
    defaultLeft,
    splitType,
    categories,
    ...(lc2.length === numNodes ? { lossChange: Float32Array.from(lc2) } : {}),
  };
}

/**
 * Reads the model document of XGBoost ≥1.0 (JSON or UBJSON decoded to the same shape).
 *
 * @throws {ModelFormatError} when a required field is missing or inconsistent.
 * @throws {UnsupportedModelError} for `gblinear` and `dart` boosters.
 */
export function modelSpecFromDocument(doc: unknown, format: ModelFormat): ModelSpec {
  if (!isObject(doc)) throw new ModelFormatError('XGBoost model document must be an object');
  const learner = obj(doc, 'learner', '$');
  const versionRaw = doc.version;
  const version: [number, number, number] = [0, 0, 0];
  if (versionRaw !== undefined) {
    const v = numbers(doc, 'version', '$');
    for (let i = 0; i < 3; i++) version[i] = Number(v[i] ?? 0);
  }
  const mp = obj(learner, 'learner_model_param', 'learner');
  const baseScore = parseFloatString(
    str(mp, 'base_score', 'learner.learner_model_param'),
    'learner.learner_model_param.base_score',
  );
  const numFeature = int(mp, 'num_feature', 'learner.learner_model_param');
  const numClass = int(mp, 'num_class', 'learner.learner_model_param', 0);
  const numTarget = int(mp, 'num_target', 'learner.learner_model_param', 1);
  const objective = str(obj(learner, 'objective', 'learner'), 'name', 'learner.objective');
  const gb = obj(learner, 'gradient_booster', 'learner');
  const booster = str(gb, 'name', 'learner.gradient_booster');
  if (booster === 'gblinear' || booster === 'dart') {
    throw new UnsupportedModelError(
      `XGBoost booster '${booster}' is not supported: only gbtree models are scored`,
    );
  }
  if (booster !== 'gbtree')
    throw new ModelFormatError(`XGBoost model document: unknown booster '${booster}'`);
  const model = obj(gb, 'model', 'learner.gradient_booster');
  const gp = obj(model, 'gbtree_model_param', 'learner.gradient_booster.model');
  const numTrees = int(gp, 'num_trees', 'learner.gradient_booster.model.gbtree_model_param');
  const numParallelTree = int(
    gp,
    'num_parallel_tree',
    'learner.gradient_booster.model.gbtree_model_param',
    1,
  );
  const rawTrees = model.trees;
  if (!Array.isArray(rawTrees))
    throw new ModelFormatError(
      "XGBoost model document: 'learner.gradient_booster.model.trees' must be an array",
    );
  if (rawTrees.length !== numTrees) {
    throw new ModelFormatError(
      `XGBoost model document: ${rawTrees.length} trees, gbtree_model_param.num_trees is ${numTrees}`,
    );
  }
  const trees = rawTrees.map((t, i) => {
    if (!isObject(t)) throw new ModelFormatError(`XGBoost model document: tree ${i} must be an object`);
    return readTree(t, i);
  });
  const treeInfo = Int32Array.from(numbers(model, 'tree_info', 'learner.gradient_booster.model'));
  const attributes: Record<string, string> = {};
  const rawAttributes = learner.attributes;
  if (isObject(rawAttributes)) {
    for (const [k, v] of Object.entries(rawAttributes)) if (typeof v === 'string') attributes[k] = v;
  }
  const names = learner.feature_names;
  const featureNames = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
  return {
    format,
    version,
    objective,
    booster,
    baseScore,
    numFeature,
    numClass,
    numTarget: Math.max(1, numTarget),
    numParallelTree,
    attributes,
    featureNames,
    trees,
    treeInfo,
  };
}
