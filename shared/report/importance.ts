/**
 * XGBoost feature importance from a model's trees, as `Booster.get_score` defines it: `weight` is
 * the number of splits on a feature, `gain` its total loss reduction (`total_gain`; XGBoost's
 * `gain` is the mean, `total_gain / weight`). Names come from the model, else from the feature
 * column list, else `f<index>`.
 */
import type { ModelSpec } from '../model/types';
import type { FeatureImportance } from './types';

/** Importance per feature used in at least one split, sorted by total gain (then weight). */
export function featureImportance(
  spec: ModelSpec,
  featureNames: readonly string[] = [],
): FeatureImportance[] {
  const gain = new Map<number, number>();
  const weight = new Map<number, number>();
  for (const tree of spec.trees) {
    for (let n = 0; n < tree.left.length; n++) {
      if (tree.left[n] === -1 || tree.splitIndex[n] === 0x7fffffff) continue;
      const f = tree.splitIndex[n]!;
      weight.set(f, (weight.get(f) ?? 0) + 1);
      gain.set(f, (gain.get(f) ?? 0) + (tree.lossChange?.[n] ?? 0));
    }
  }
  const names = spec.featureNames.length > 0 ? spec.featureNames : featureNames;
  return [...weight.keys()]
    .map((f) => ({ feature: names[f] ?? `f${f}`, gain: gain.get(f) ?? 0, weight: weight.get(f)! }))
    .sort((a, b) => b.gain - a.gain || b.weight - a.weight || a.feature.localeCompare(b.feature));
}
