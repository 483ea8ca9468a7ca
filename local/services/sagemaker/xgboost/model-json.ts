/**
 * Writes a trained booster as an XGBoost 1.7 JSON model (`doc/model.schema` @v1.7.4), the way
 * `Booster.save_model("model.json")` writes it: scalar parameters as strings, every float printed
 * as the shortest float32 decimal in `to_chars` form (`5E-1`, `-2.977672E-2`, `1.2244898E0`) so
 * XGBoost's reader, which types numbers by their spelling, reads floats where it expects floats,
 * and leaf values in `split_conditions`.
 */
import type { TrainedBooster } from './booster';
import type { RegTree } from './tree';

/**
 * The shortest decimal that reads back as the same float32, in Ryu `f2s` form:
 * mantissa digits with a point after the first, `E`, exponent (`0E0`, `5E-1`, `1.5E2`).
 */
export function formatFloat32(value: number): string {
  const x = Math.fround(value);
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0E0' : '0E0';
  let text = '';
  for (let precision = 1; precision <= 9; precision++) {
    text = x.toExponential(precision - 1);
    if (Math.fround(Number(text)) === x) break;
  }
  const [mantissa = '', exponent = '0'] = text.split('e');
  return `${mantissa}E${Number(exponent)}`;
}

const floats = (values: readonly number[]): string => `[${values.map(formatFloat32).join(',')}]`;
const ints = (values: readonly number[]): string => `[${values.join(',')}]`;
const str = (value: string): string => JSON.stringify(value);

function treeJson(tree: RegTree, id: number, numFeature: number): string {
  const n = tree.numNodes;
  const zeros = new Array<number>(n).fill(0);
  return (
    '{' +
    `"base_weights":${floats(tree.baseWeight)},` +
    '"categories":[],"categories_nodes":[],"categories_segments":[],"categories_sizes":[],' +
    `"default_left":${ints(tree.defaultLeft)},` +
    `"id":${id},` +
    `"left_children":${ints(tree.left)},` +
    `"loss_changes":${floats(tree.lossChange)},` +
    `"parents":${ints(tree.parent)},` +
    `"right_children":${ints(tree.right)},` +
    `"split_conditions":${floats(tree.splitCondition)},` +
    `"split_indices":${ints(tree.splitIndex)},` +
    `"split_type":${ints(zeros)},` +
    `"sum_hessian":${floats(tree.sumHessian)},` +
    `"tree_param":{"num_deleted":"0","num_feature":${str(String(numFeature))},"num_nodes":${str(String(n))},"size_leaf_vector":"0"}` +
    '}'
  );
}

/** The XGBoost 1.7 JSON text of a trained booster. */
export function boosterToJson(model: TrainedBooster): string {
  const objective = model.objective.startsWith('multi:')
    ? `{"name":${str(model.objective)},"softmax_multiclass_param":{"num_class":${str(String(model.numClass))}}}`
    : `{"name":${str(model.objective)},"reg_loss_param":{"scale_pos_weight":${str(formatParam(model.scalePosWeight))}}}`;
  const attributes = Object.entries(model.attributes)
    .map(([k, v]) => `${str(k)}:${str(v)}`)
    .join(',');
  const trees = model.trees.map((t, i) => treeJson(t, i, model.numFeature)).join(',');
  return (
    '{"learner":{' +
    `"attributes":{${attributes}},` +
    '"feature_names":[],"feature_types":[],' +
    '"gradient_booster":{"model":{' +
    `"gbtree_model_param":{"num_parallel_tree":"1","num_trees":${str(String(model.trees.length))},"size_leaf_vector":"0"},` +
    `"tree_info":${ints(model.treeInfo)},` +
    `"trees":[${trees}]` +
    '},"name":"gbtree"},' +
    `"learner_model_param":{"base_score":${str(formatFloat32(model.baseScore))},"boost_from_average":${str(model.boostFromAverage ? '1' : '0')},"num_class":${str(String(model.numClass))},"num_feature":${str(String(model.numFeature))},"num_target":"1"},` +
    `"objective":${objective}` +
    '},"version":[1,7,4]}'
  );
}

/** XGBoost prints float parameters with `%g`-like shortest form (`1`, `0.5`). */
function formatParam(value: number): string {
  return String(Math.fround(value) === value ? value : Math.fround(value));
}
