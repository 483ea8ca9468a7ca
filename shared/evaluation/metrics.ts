/**
 * Model metrics as XGBoost 1.7 defines them (`src/metric/elementwise_metric.cu`, `auc.cc`):
 * AUC (ties share their rank), logloss (p and 1 − p each clipped to ≥ 1e-16), accuracy
 * (1 − XGBoost's `error`, a positive when the prediction is > 0.5) and RMSE. Pure functions.
 */
import { EvaluationError } from '../errors';
import type { ScoredRows } from './transform-output';

/** Metrics of one evaluation; each is present when the objective defines it and it is computable. */
export interface Metrics {
  readonly count: number;
  readonly auc?: number;
  readonly logloss?: number;
  readonly accuracy?: number;
  readonly rmse?: number;
}

const EPS = 1e-16;

/**
 * Area under the ROC curve; `undefined` when only one class is present (it is not defined then).
 * Labels are 0/1 (anything > 0.5 counts as positive).
 */
export function auc(labels: readonly number[], scores: readonly number[]): number | undefined {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] ?? 0) - (scores[b] ?? 0));
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] ?? 0] === scores[order[i] ?? 0]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if ((labels[order[k] ?? 0] ?? 0) > 0.5) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy of probabilities against 0/1 labels. */
export function logloss(labels: readonly number[], probabilities: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] ?? 0;
    // As XGBoost's EvalRowLogLoss: clip p and 1 − p each to ≥ eps (1 − eps is not exact in floats).
    const p = probabilities[i] ?? 0;
    const positive = Math.max(p, EPS);
    const negative = Math.max(1 - p, EPS);
    sum -= y * Math.log(positive) + (1 - y) * Math.log(negative);
  }
  return sum / labels.length;
}

/** Mean multi-class cross-entropy: −log p(label), p clipped to ≥ 1e-16. */
export function multiLogloss(
  labels: readonly number[],
  probabilities: readonly (readonly number[])[],
): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i]?.[labels[i] ?? 0] ?? 0;
    sum -= Math.log(Math.max(p, EPS));
  }
  return sum / labels.length;
}

/** Share of rows whose thresholded prediction (> `threshold`) equals the label. */
export function binaryAccuracy(
  labels: readonly number[],
  predictions: readonly number[],
  threshold = 0.5,
): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = (predictions[i] ?? 0) > threshold ? 1 : 0;
    if (predicted === ((labels[i] ?? 0) > 0.5 ? 1 : 0)) right++;
  }
  return right / labels.length;
}

/** Share of rows whose predicted class equals the label. */
export function classAccuracy(labels: readonly number[], predictions: readonly number[]): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === predictions[i]) right++;
  return right / labels.length;
}

/** Root mean squared error. */
export function rmse(labels: readonly number[], predictions: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < labels.length; i++) {
    const d = (labels[i] ?? 0) - (predictions[i] ?? 0);
    sum += d * d;
  }
  return Math.sqrt(sum / labels.length);
}

/** XGBoost objectives {@link computeMetrics} knows, by family. */
const BINARY = new Set(['binary:logistic', 'binary:hinge']);
const REGRESSION = new Set([
  'reg:squarederror',
  'reg:squaredlogerror',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'reg:linear',
  'count:poisson',
  'reg:gamma',
  'reg:tweedie',
]);
const MULTI = new Set(['multi:softprob', 'multi:softmax']);

/**
 * The metrics an objective defines, from labels and predictions: binary → auc, logloss, accuracy;
 * `reg:logistic` → rmse, logloss; `binary:logitraw` → auc, accuracy on the margin; regression →
 * rmse; multi-class → accuracy (+ logloss for softprob).
 *
 * @throws {EvaluationError} when there are no rows, or labels do not fit the objective.
 */
export function computeMetrics(rows: ScoredRows, objective: string): Metrics {
  const { labels, predictions } = rows;
  const count = labels.length;
  if (count === 0) throw new EvaluationError('no predictions to evaluate: the transform output is empty');
  if (predictions.length !== count) {
    throw new EvaluationError(`${count} labels but ${predictions.length} predictions`);
  }
  const checkBinaryLabels = (): void => {
    const bad = labels.findIndex((y) => y !== 0 && y !== 1);
    if (bad >= 0) {
      throw new EvaluationError(
        `objective ${objective} needs 0/1 labels, row ${bad + 1} has label ${labels[bad]}`,
      );
    }
  };
  if (BINARY.has(objective)) {
    checkBinaryLabels();
    return withAuc(
      { count, logloss: logloss(labels, predictions), accuracy: binaryAccuracy(labels, predictions) },
      rows,
    );
  }
  if (objective === 'binary:logitraw') {
    checkBinaryLabels();
    return withAuc({ count, accuracy: binaryAccuracy(labels, predictions, 0) }, rows);
  }
  if (objective === 'reg:logistic') {
    return { count, rmse: rmse(labels, predictions), logloss: logloss(labels, predictions) };
  }
  if (REGRESSION.has(objective)) return { count, rmse: rmse(labels, predictions) };
  if (MULTI.has(objective)) {
    const accuracy = classAccuracy(labels, predictions);
    const softprob = rows.probabilities.length === count;
    return softprob
      ? { count, accuracy, logloss: multiLogloss(labels, rows.probabilities) }
      : { count, accuracy };
  }
  throw new EvaluationError(`cannot evaluate objective '${objective}': not a supported XGBoost objective`);
}

function withAuc(metrics: Metrics, rows: ScoredRows): Metrics {
  const value = auc(rows.labels, rows.predictions);
  return value === undefined ? metrics : { ...metrics, auc: value };
}
