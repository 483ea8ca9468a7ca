/**
 * Metrics of the unsupervised built-ins, from batch-transform output paired row by row with the
 * test split's features (pure):
 * - clustering (KMeans): within-cluster sum of squares (Σ distance_to_cluster²), cluster sizes, and
 *   the mean silhouette on a deterministic sample (at most `sampleSize` rows, evenly spaced);
 * - projection (PCA): the variance of each projection component (n − 1 denominator, as
 *   scikit-learn's `explained_variance_`), their sum, and its ratio to the features' total variance.
 */
import { EvaluationError } from '../errors';

/** Clustering metrics. */
export interface ClusteringMetrics {
  readonly count: number;
  readonly wcss: number;
  readonly silhouette?: number;
  readonly clusterSizes: Record<string, number>;
  readonly k: number;
}

/**
 * Clustering metrics of rows (`features[i]`, `cluster[i]`, `distance[i]`).
 *
 * @throws {EvaluationError} when there are no rows or the counts differ.
 */
export function clusteringMetrics(
  features: readonly (readonly number[])[],
  clusters: readonly number[],
  distances: readonly number[],
  sampleSize = 2000,
): ClusteringMetrics {
  const n = clusters.length;
  if (n === 0) throw new EvaluationError('no scored rows to evaluate');
  if (features.length !== n || distances.length !== n) {
    throw new EvaluationError(`${features.length} test rows but ${n} predictions: they must pair one to one`);
  }
  let wcss = 0;
  const sizes: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    wcss += distances[i]! ** 2;
    const key = String(clusters[i]);
    sizes[key] = (sizes[key] ?? 0) + 1;
  }
  const k = Object.keys(sizes).length;
  const base = { count: n, wcss, clusterSizes: sizes, k };
  if (k < 2) return base;
  const step = Math.max(1, Math.floor(n / sampleSize));
  const sample: number[] = [];
  for (let i = 0; i < n && sample.length < sampleSize; i += step) sample.push(i);
  let total = 0;
  let counted = 0;
  for (const i of sample) {
    const sums = new Map<number, { sum: number; count: number }>();
    for (const j of sample) {
      if (i === j) continue;
      let d = 0;
      const a = features[i]!;
      const b = features[j]!;
      for (let f = 0; f < a.length; f++) d += ((a[f] ?? 0) - (b[f] ?? 0)) ** 2;
      const entry = sums.get(clusters[j]!) ?? { sum: 0, count: 0 };
      entry.sum += Math.sqrt(d);
      entry.count++;
      sums.set(clusters[j]!, entry);
    }
    const own = sums.get(clusters[i]!);
    if (own === undefined || own.count === 0) continue; // a singleton in the sample: s = 0 by convention
    const a = own.sum / own.count;
    let b = Number.POSITIVE_INFINITY;
    for (const [cluster, entry] of sums)
      if (cluster !== clusters[i]) b = Math.min(b, entry.sum / entry.count);
    if (!Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b);
    counted++;
  }
  return counted === 0 ? base : { ...base, silhouette: total / counted };
}

/** Projection metrics. */
export interface ProjectionMetrics {
  readonly count: number;
  readonly explainedVariance: number[];
  readonly totalExplainedVariance: number;
  readonly explainedVarianceRatio?: number;
}

/**
 * Variance of each projection component; with the features, the share of their total variance.
 *
 * @throws {EvaluationError} for fewer than two rows.
 */
export function projectionMetrics(
  projections: readonly (readonly number[])[],
  features?: readonly (readonly number[])[],
): ProjectionMetrics {
  const n = projections.length;
  if (n < 2) throw new EvaluationError(`explained variance needs at least 2 scored rows, got ${n}`);
  const variance = (rows: readonly (readonly number[])[]): number[] => {
    const width = rows[0]!.length;
    const mean = new Array<number>(width).fill(0);
    for (const r of rows) for (let j = 0; j < width; j++) mean[j]! += (r[j] ?? 0) / rows.length;
    const out = new Array<number>(width).fill(0);
    for (const r of rows)
      for (let j = 0; j < width; j++) out[j]! += ((r[j] ?? 0) - mean[j]!) ** 2 / (rows.length - 1);
    return out;
  };
  const explainedVariance = variance(projections);
  const totalExplainedVariance = explainedVariance.reduce((a, b) => a + b, 0);
  const base = { count: n, explainedVariance, totalExplainedVariance };
  if (features === undefined || features.length !== n) return base;
  const total = variance(features).reduce((a, b) => a + b, 0);
  return total > 0 ? { ...base, explainedVarianceRatio: totalExplainedVariance / total } : base;
}
