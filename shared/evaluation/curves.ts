/**
 * The curves a person judges a binary classifier by, from the same labels and scores the metrics
 * use: ROC (with the exact trapezoid AUC, equal to {@link auc}), precision–recall, calibration
 * (reliability) in equal-width bins, and the confusion matrix at a cut-off. Pure; the point lists are
 * thinned to at most `maxPoints` so `curves.json` stays small for any row count.
 */

/** One point of the ROC curve: false- and true-positive rates at a score threshold. */
export interface RocPoint {
  /** `null` for the (0, 0) corner, above every score. */
  readonly threshold: number | null;
  readonly fpr: number;
  readonly tpr: number;
}

/** One point of the precision–recall curve. */
export interface PrPoint {
  readonly threshold: number;
  readonly recall: number;
  readonly precision: number;
}

/** One calibration bin: mean predicted probability against the observed positive rate. */
export interface CalibrationBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
  readonly meanPredicted: number;
  readonly observed: number;
}

/** Counts at a cut-off: a row is predicted positive when its score is > `threshold`. */
export interface Confusion {
  readonly threshold: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** What `curves.json` holds for a binary classifier. */
export interface BinaryCurves {
  readonly kind: 'binary';
  readonly count: number;
  readonly positives: number;
  /** Trapezoid area under the full (un-thinned) ROC curve: equals the rank AUC of the metrics. */
  readonly auc: number | undefined;
  /** Average precision (step-wise area under the PR curve). */
  readonly averagePrecision: number | undefined;
  readonly roc: readonly RocPoint[];
  readonly pr: readonly PrPoint[];
  readonly calibration: readonly CalibrationBin[];
  readonly confusion: Confusion;
}

/** Options of {@link binaryCurves}. */
export interface CurveOptions {
  /** Cut-off of the confusion matrix (default 0.5, the one `accuracy` uses). */
  readonly threshold?: number;
  /** Most points kept per curve (default 200). */
  readonly maxPoints?: number;
  /** Calibration bins (default 10). Only meaningful when scores are probabilities. */
  readonly bins?: number;
}

function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const out: T[] = [];
  const step = (points.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * step)]!);
  return out;
}

/**
 * ROC, PR, calibration and the confusion matrix of 0/1 labels (> 0.5 counts as positive) against
 * scores. Ties in score form one step, so the ROC area equals the rank-based AUC exactly.
 */
export function binaryCurves(
  labels: readonly number[],
  scores: readonly number[],
  options: CurveOptions = {},
): BinaryCurves {
  const threshold = options.threshold ?? 0.5;
  const maxPoints = Math.max(2, options.maxPoints ?? 200);
  const binCount = Math.max(1, options.bins ?? 10);
  const n = Math.min(labels.length, scores.length);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i]! > 0.5) positives++;
  const negatives = n - positives;

  const roc: RocPoint[] = [{ threshold: null, fpr: 0, tpr: 0 }];
  const pr: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  let area = 0;
  let ap = 0;
  let i = 0;
  while (i < n) {
    const score = scores[order[i]!]!;
    const prevTp = tp;
    const prevFp = fp;
    while (i < n && scores[order[i]!] === score) {
      if (labels[order[i]!]! > 0.5) tp++;
      else fp++;
      i++;
    }
    const tpr = positives === 0 ? 0 : tp / positives;
    const fpr = negatives === 0 ? 0 : fp / negatives;
    if (positives > 0 && negatives > 0) {
      area += ((fp - prevFp) / negatives) * ((tp + prevTp) / 2 / positives);
    }
    const precision = tp / (tp + fp);
    if (positives > 0) ap += ((tp - prevTp) / positives) * precision;
    roc.push({ threshold: score, fpr, tpr });
    pr.push({ threshold: score, recall: tpr, precision });
  }

  const calibration: CalibrationBin[] = [];
  const sums = new Float64Array(binCount);
  const hits = new Float64Array(binCount);
  const counts = new Float64Array(binCount);
  for (let k = 0; k < n; k++) {
    const p = Math.min(1, Math.max(0, scores[k]!));
    const b = Math.min(binCount - 1, Math.floor(p * binCount));
    sums[b]! += p;
    counts[b]!++;
    if (labels[k]! > 0.5) hits[b]!++;
  }
  for (let b = 0; b < binCount; b++) {
    if (counts[b] === 0) continue;
    calibration.push({
      lower: b / binCount,
      upper: (b + 1) / binCount,
      count: counts[b]!,
      meanPredicted: sums[b]! / counts[b]!,
      observed: hits[b]! / counts[b]!,
    });
  }

  let ctp = 0;
  let cfp = 0;
  for (let k = 0; k < n; k++) {
    if (scores[k]! > threshold) {
      if (labels[k]! > 0.5) ctp++;
      else cfp++;
    }
  }
  const defined = positives > 0 && negatives > 0;
  return {
    kind: 'binary',
    count: n,
    positives,
    auc: defined ? area : undefined,
    averagePrecision: positives > 0 ? ap : undefined,
    roc: thin(roc, maxPoints),
    pr: thin(pr, maxPoints),
    calibration,
    confusion: { threshold, tp: ctp, fp: cfp, tn: negatives - cfp, fn: positives - ctp },
  };
}
