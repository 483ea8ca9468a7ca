/**
 * The format-independent description of an XGBoost 1.7 tree model, as read from binf, JSON or
 * UBJSON. Floats are already float32 (`Math.fround`-ed); arrays are per node, indexed by node id.
 */

/** The serialisation a model was read from. */
export type ModelFormat = 'binf' | 'json' | 'ubj';

/** One regression tree (`RegTree`). Node 0 is the root; a leaf has `left[n] === -1`. */
export interface TreeSpec {
  /** Left child per node, -1 for a leaf. */
  readonly left: Int32Array;
  /** Right child per node, -1 for a leaf. */
  readonly right: Int32Array;
  /** Split feature index per node. */
  readonly splitIndex: Uint32Array;
  /** Split threshold of an internal node, **leaf value** of a leaf (XGBoost stores both in one slot). */
  readonly splitCondition: Float32Array;
  /** 1 where a missing value goes left. */
  readonly defaultLeft: Uint8Array;
  /** 0 = numerical split, 1 = categorical split. */
  readonly splitType: Uint8Array;
  /** For categorical nodes: the sorted categories that go **right**. */
  readonly categories: ReadonlyMap<number, Int32Array>;
  /** Loss reduction of each split (`loss_chg`, XGBoost's "gain"), when the model stores it. */
  readonly lossChange?: Float32Array;
}

/** A whole model: learner parameters, objective, attributes and the trees. */
export interface ModelSpec {
  readonly format: ModelFormat;
  /** `[major, minor, patch]` of the XGBoost that wrote the model (`[0,0,0]` when unknown). */
  readonly version: readonly [number, number, number];
  /** Objective name, e.g. `binary:logistic`. */
  readonly objective: string;
  /** Booster name: `gbtree` (scored), `dart` / `gblinear` (rejected). */
  readonly booster: string;
  /** `base_score` in the objective's output space (float32), as XGBoost 1.x stores it. */
  readonly baseScore: number;
  readonly numFeature: number;
  /** `num_class` (0 when not multi-class). */
  readonly numClass: number;
  readonly numTarget: number;
  readonly numParallelTree: number;
  /** Learner attributes (`best_iteration`, `best_ntree_limit`, …). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Feature names when the model has them (JSON/UBJSON only). */
  readonly featureNames: readonly string[];
  readonly trees: readonly TreeSpec[];
  /** Output group of each tree. */
  readonly treeInfo: Int32Array;
}
