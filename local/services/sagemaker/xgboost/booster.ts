/**
 * The boosting loop of the embedded trainer: XGBoost 1.7's `gbtree` with the `hist` updater, one
 * thread. Per round and output group: gradients from the current margins, optional row
 * subsampling and column sampling, one tree, margins updated in float32; then the watchlist
 * (`train`, `validation`) is evaluated, and early stopping watches the last metric on the last
 * data set, as `xgboost.train(early_stopping_rounds=…)` does.
 */
import type { Dataset } from './dataset';
import { createRandom, HistTreeBuilder, sampleFeatures } from './hist-builder';
import { defaultMetric, evaluateMetric, isMaximised } from './metrics';
import {
  baseMargin,
  checkLabels,
  computeGradients,
  groupsOf,
  type ObjectiveName,
  transformMargins,
} from './objective';
import { quantise } from './quantile';
import type { RegTree } from './tree';

/** Training parameters, already validated and defaulted (see `params.ts`). */
export interface BoosterParams {
  readonly objective: ObjectiveName;
  readonly numClass: number;
  readonly numRound: number;
  readonly eta: number;
  readonly maxDepth: number;
  readonly minChildWeight: number;
  readonly gamma: number;
  readonly lambda: number;
  readonly alpha: number;
  readonly maxDeltaStep: number;
  readonly subsample: number;
  readonly colsampleBytree: number;
  readonly colsampleBylevel: number;
  readonly colsampleBynode: number;
  readonly maxBin: number;
  /** The container's `tree_method`: `auto` means `exact` below 4M rows (XGBoost 1.7), else `hist`. */
  readonly treeMethod: string;
  readonly scalePosWeight: number;
  readonly baseScore: number;
  /** Whether the user set base_score (XGBoost then writes `boost_from_average` "0"). */
  readonly baseScoreGiven: boolean;
  readonly seed: number;
  readonly evalMetrics: readonly string[];
  readonly earlyStoppingRounds?: number;
}

/** One evaluation line: `{ 'train-rmse': 0.3, 'validation-rmse': 0.4 }`. */
export type EvalRecord = Record<string, number>;

/** A trained gbtree model, ready to be written as XGBoost JSON. */
export interface TrainedBooster {
  readonly objective: ObjectiveName;
  readonly numClass: number;
  readonly numFeature: number;
  readonly baseScore: number;
  readonly boostFromAverage: boolean;
  readonly scalePosWeight: number;
  readonly trees: RegTree[];
  readonly treeInfo: number[];
  /** Learner attributes: `best_iteration`, `best_score`, `best_ntree_limit` after early stopping. */
  readonly attributes: Record<string, string>;
  /** One record per round that was trained. */
  readonly evalLog: EvalRecord[];
}

/** Options of {@link trainBooster}. */
export interface TrainOptions {
  /** Evaluate the metrics on the training set every round (the container does). Default true. */
  readonly evaluateTrain?: boolean;
  /** Called after every round with its evaluation line (for logs). */
  readonly onRound?: (round: number, record: EvalRecord) => void;
}

/**
 * Bins per feature when emulating the `exact` method: every distinct value up to this many gets
 * its own bin (thresholds at midpoints, as exact writes them); beyond, quantile cuts. Per-node
 * histogram work grows with the bin count, so large data sets get fewer (measured: 100k rows,
 * 4096 bins took 3× the time of 256, 1024 bins 1.4×).
 */
export function exactMaxBins(rows: number, cols: number): number {
  const byRows = rows <= 32_768 ? 4096 : 1024;
  // keep a node's histogram near 8 MiB (512k bins × 16 bytes) for wide data
  return Math.max(256, Math.min(byRows, Math.floor(524_288 / Math.max(1, cols))));
}

/** XGBoost 1.7's `tree_method` heuristic: `auto` is `exact` below 4M rows (single machine). */
export function treeMethodFor(treeMethod: string, rows: number): 'exact' | 'hist' {
  if (treeMethod === 'exact') return 'exact';
  if (treeMethod === 'auto' && rows < 4 << 20) return 'exact';
  return 'hist';
}

/** Trains a booster. Throws `LabelError` for labels the objective rejects. */
export function trainBooster(
  train: Dataset,
  validation: Dataset | undefined,
  params: BoosterParams,
  options: TrainOptions = {},
): TrainedBooster {
  const rounds = boostingRounds(train, validation, params, options);
  for (let step = rounds.next(); ; step = rounds.next()) if (step.done === true) return step.value;
}

/**
 * {@link trainBooster} that gives the event loop a turn after every round, so a local endpoint
 * served by the same process keeps answering during a long training job.
 */
export async function trainBoosterAsync(
  train: Dataset,
  validation: Dataset | undefined,
  params: BoosterParams,
  options: TrainOptions = {},
): Promise<TrainedBooster> {
  const rounds = boostingRounds(train, validation, params, options);
  for (let step = rounds.next(); ; step = rounds.next()) {
    if (step.done === true) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The boosting loop as a generator: yields after each round, returns the model. */
function* boostingRounds(
  train: Dataset,
  validation: Dataset | undefined,
  params: BoosterParams,
  options: TrainOptions,
): Generator<number, TrainedBooster, void> {
  const { objective } = params;
  const groups = groupsOf(objective, params.numClass);
  checkLabels(objective, train.labels, params.numClass);
  if (validation !== undefined) checkLabels(objective, validation.labels, params.numClass);
  const random = createRandom(params.seed);
  const method = treeMethodFor(params.treeMethod, train.rows);
  const q = quantise(
    train,
    method === 'exact' ? exactMaxBins(train.rows, train.cols) : params.maxBin,
    method === 'exact',
  );
  const builder = new HistTreeBuilder(q, { ...params, method }, random);
  const n = train.rows;
  const margin0 = baseMargin(objective, params.baseScore);
  const margins = new Float32Array(n * groups).fill(margin0);
  const validMargins =
    validation === undefined ? undefined : new Float32Array(validation.rows * groups).fill(margin0);
  const gradients = Array.from({ length: groups }, () => [new Float32Array(n), new Float32Array(n)] as const);
  const allFeatures = new Uint32Array(train.cols).map((_, i) => i);
  const trees: RegTree[] = [];
  const treeInfo: number[] = [];
  const evalLog: EvalRecord[] = [];
  const metrics = params.evalMetrics.length > 0 ? params.evalMetrics : [defaultMetric(objective)];
  const watch: Array<readonly [string, Dataset, Float32Array]> = [];
  if (options.evaluateTrain !== false) watch.push(['train', train, margins]);
  if (validation !== undefined && validMargins !== undefined)
    watch.push(['validation', validation, validMargins]);
  const stopping = params.earlyStoppingRounds;
  const watched =
    watch.length === 0 ? undefined : `${watch[watch.length - 1]![0]}-${metrics[metrics.length - 1]}`;
  const maximise = isMaximised(metrics[metrics.length - 1]!);
  let bestScore = Number.NaN;
  let bestIteration = -1;
  const rowsAll = new Uint32Array(n).map((_, i) => i);
  const rows = new Uint32Array(n);
  const inSample = params.subsample < 1 ? new Uint8Array(n) : undefined;

  for (let round = 0; round < params.numRound; round++) {
    // gradients of every group come from the margins before this round's trees
    for (let k = 0; k < groups; k++) {
      const [gk, hk] = gradients[k]!;
      computeGradients(
        objective,
        margins,
        groups,
        k,
        train.labels,
        train.weights,
        params.scalePosWeight,
        gk,
        hk,
      );
    }
    for (let k = 0; k < groups; k++) {
      const [gk, hk] = gradients[k]!;
      let count = n;
      if (inSample !== undefined) {
        count = 0;
        for (let r = 0; r < n; r++) {
          const keep = random() < params.subsample ? 1 : 0;
          inSample[r] = keep;
          if (keep === 1) rows[count++] = r;
        }
      } else {
        rows.set(rowsAll);
      }
      const features = sampleFeatures(allFeatures, params.colsampleBytree, random);
      const grown = builder.build(gk, hk, rows.subarray(0, count), features);
      const { tree } = grown;
      for (const [nid, begin, end] of grown.leaves) {
        const value = tree.splitCondition[nid]!;
        for (let i = begin; i < end; i++) {
          const idx = grown.rows[i]! * groups + k;
          margins[idx] = Math.fround(margins[idx]! + value);
        }
      }
      if (inSample !== undefined) {
        for (let r = 0; r < n; r++) {
          if (inSample[r] === 1) continue;
          const idx = r * groups + k;
          margins[idx] = Math.fround(
            margins[idx]! + tree.splitCondition[tree.leafOf(train.values, r * train.cols)]!,
          );
        }
      }
      if (validation !== undefined && validMargins !== undefined) {
        for (let r = 0; r < validation.rows; r++) {
          const idx = r * groups + k;
          const leaf = tree.leafOf(validation.values, r * validation.cols);
          validMargins[idx] = Math.fround(validMargins[idx]! + tree.splitCondition[leaf]!);
        }
      }
      trees.push(tree);
      treeInfo.push(k);
    }
    const record: EvalRecord = {};
    for (const [name, data, m] of watch) {
      const preds = transformForMetrics(objective, m, groups);
      for (const metric of metrics) {
        record[`${name}-${metric}`] = evaluateMetric(metric, preds, groups, data.labels, data.weights);
      }
    }
    evalLog.push(record);
    options.onRound?.(round, record);
    yield round;
    if (stopping !== undefined && watched !== undefined) {
      const score = record[watched]!;
      const improved = bestIteration < 0 || (maximise ? score > bestScore : score < bestScore);
      if (improved) {
        bestScore = score;
        bestIteration = round;
      } else if (round - bestIteration >= stopping) {
        break;
      }
    }
  }
  // xgboost.train (1.7) always records best_iteration / best_ntree_limit: the last round without
  // early stopping; best_score only with it.
  const attributes: Record<string, string> = {};
  if (stopping !== undefined && bestIteration >= 0) {
    attributes.best_iteration = String(bestIteration);
    attributes.best_ntree_limit = String(bestIteration + 1);
    attributes.best_score = String(bestScore);
  } else {
    attributes.best_iteration = String(evalLog.length - 1);
    attributes.best_ntree_limit = String(evalLog.length);
  }
  return {
    objective,
    numClass: objective.startsWith('multi:') ? params.numClass : 0,
    numFeature: train.cols,
    baseScore: params.baseScore,
    boostFromAverage: !params.baseScoreGiven,
    scalePosWeight: params.scalePosWeight,
    trees,
    treeInfo,
    attributes,
    evalLog,
  };
}

/** Predictions the metrics see: probabilities for softmax too (merror/mlogloss need them). */
function transformForMetrics(objective: ObjectiveName, margins: Float32Array, groups: number): Float32Array {
  return transformMargins(objective === 'multi:softmax' ? 'multi:softprob' : objective, margins, groups);
}

/** Predicts with a trained booster (all trees, or the first `ntreeLimit` rounds), as `predict()` does. */
export function predictBooster(model: TrainedBooster, data: Dataset, ntreeLimit?: number): Float32Array {
  const groups = groupsOf(model.objective, model.numClass);
  const margins = new Float32Array(data.rows * groups).fill(baseMargin(model.objective, model.baseScore));
  const limit =
    ntreeLimit === undefined ? model.trees.length : Math.min(model.trees.length, ntreeLimit * groups);
  for (let r = 0; r < data.rows; r++) {
    for (let t = 0; t < limit; t++) {
      const tree = model.trees[t]!;
      const idx = r * groups + model.treeInfo[t]!;
      margins[idx] = Math.fround(
        margins[idx]! + tree.splitCondition[tree.leafOf(data.values, r * data.cols)]!,
      );
    }
  }
  return transformMargins(model.objective, margins, groups);
}
