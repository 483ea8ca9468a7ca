/**
 * Evaluation metrics with XGBoost 1.7's definitions (`src/metric/elementwise_metric.cu`,
 * `multiclass_metric.cu`, `auc.cc`): weighted means, logloss clipped at 1e-16, `error` thresholded
 * at 0.5 (or `error@t`), binary AUC with tied scores averaged (trapezoids).
 */
import type { ObjectiveName } from './objective';

/** Metrics the embedded trainer computes. */
export const EMBEDDED_METRICS = [
  'rmse',
  'mae',
  'mape',
  'logloss',
  'error',
  'auc',
  'aucpr',
  'merror',
  'mlogloss',
];

/** Metrics where larger is better (early stopping maximises them). */
export function isMaximised(metric: string): boolean {
  return ['auc', 'aucpr', 'map', 'ndcg', 'accuracy', 'f1'].some(
    (m) => metric === m || metric.startsWith(`${m}@`),
  );
}

/** The metric XGBoost 1.7 evaluates when `eval_metric` is not set. */
export function defaultMetric(objective: ObjectiveName): string {
  if (objective === 'binary:logistic') return 'logloss';
  if (objective.startsWith('multi:')) return 'mlogloss';
  return 'rmse';
}

/** Whether the embedded trainer can compute `metric` (`error@0.7` included). */
export function isSupportedMetric(metric: string): boolean {
  if (metric.startsWith('error@')) return true;
  return EMBEDDED_METRICS.includes(metric);
}

const EPS = 1e-16;

/**
 * Computes `metric` for predictions (`groups` values per row: probabilities for multi-class,
 * transformed predictions otherwise) against labels.
 */
export function evaluateMetric(
  metric: string,
  preds: Float32Array,
  groups: number,
  labels: Float32Array,
  weights?: Float32Array,
): number {
  const n = labels.length;
  const w = (r: number): number => (weights === undefined ? 1 : weights[r]!);
  let sum = 0;
  let wsum = 0;
  if (metric === 'auc') return binaryAuc(preds, labels, weights);
  if (metric === 'aucpr') return aucPr(preds, labels, weights);
  if (metric === 'merror' || metric === 'mlogloss') {
    for (let r = 0; r < n; r++) {
      const y = labels[r]!;
      const base = r * groups;
      if (metric === 'merror') {
        let best = 0;
        for (let k = 1; k < groups; k++) if (preds[base + k]! > preds[base + best]!) best = k;
        sum += best !== y ? w(r) : 0;
      } else {
        sum += -Math.log(Math.max(preds[base + y]!, EPS)) * w(r);
      }
      wsum += w(r);
    }
    return wsum === 0 ? 0 : sum / wsum;
  }
  const threshold = metric.startsWith('error@') ? Number(metric.slice(6)) : 0.5;
  for (let r = 0; r < n; r++) {
    const p = preds[r]!;
    const y = labels[r]!;
    let loss: number;
    if (metric === 'rmse') loss = (p - y) * (p - y);
    else if (metric === 'mae') loss = Math.abs(p - y);
    else if (metric === 'mape') loss = Math.abs((y - p) / y);
    else if (metric === 'logloss') {
      const pc = Math.min(Math.max(p, EPS), 1 - EPS);
      loss = -(y * Math.log(pc) + (1 - y) * Math.log(1 - pc));
    } else if (metric === 'error' || metric.startsWith('error@'))
      loss = (p > threshold ? 1 : 0) !== y ? 1 : 0;
    else throw new Error(`metric '${metric}' is not supported by the embedded trainer`);
    sum += loss * w(r);
    wsum += w(r);
  }
  if (wsum === 0) return 0;
  return metric === 'rmse' ? Math.sqrt(sum / wsum) : sum / wsum;
}

function sortedByScore(preds: Float32Array, n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => preds[b]! - preds[a]!);
  return order;
}

/** ROC AUC of binary labels (label > 0.5 = positive), weighted, ties averaged. */
export function binaryAuc(preds: Float32Array, labels: Float32Array, weights?: Float32Array): number {
  const n = labels.length;
  const order = sortedByScore(preds, n);
  let tp = 0;
  let fp = 0;
  let area = 0;
  let i = 0;
  while (i < n) {
    const score = preds[order[i]!]!;
    let dtp = 0;
    let dfp = 0;
    while (i < n && preds[order[i]!]! === score) {
      const r = order[i]!;
      const w = weights === undefined ? 1 : weights[r]!;
      if (labels[r]! > 0.5) dtp += w;
      else dfp += w;
      i++;
    }
    area += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
  }
  if (tp === 0 || fp === 0) return Number.NaN;
  return area / (tp * fp);
}

/** Area under the precision-recall curve (step-wise average precision over tied groups). */
function aucPr(preds: Float32Array, labels: Float32Array, weights?: Float32Array): number {
  const n = labels.length;
  const order = sortedByScore(preds, n);
  let total = 0;
  for (let r = 0; r < n; r++) if (labels[r]! > 0.5) total += weights === undefined ? 1 : weights[r]!;
  let tp = 0;
  let fp = 0;
  let area = 0;
  let prevRecall = 0;
  let i = 0;
  while (i < n) {
    const score = preds[order[i]!]!;
    while (i < n && preds[order[i]!]! === score) {
      const r = order[i]!;
      const w = weights === undefined ? 1 : weights[r]!;
      if (labels[r]! > 0.5) tp += w;
      else fp += w;
      i++;
    }
    const recall = total === 0 ? 0 : tp / total;
    const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
    area += (recall - prevRecall) * precision;
    prevRecall = recall;
  }
  return area;
}
