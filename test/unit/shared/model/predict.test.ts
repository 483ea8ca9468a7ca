import { describe, expect, it } from 'vitest';
import { denseRows, formatBatchTransform, loadModel } from '../../../../shared/model';
import { fixtureBytes, fixtureCases } from './fixtures';

const cases = fixtureCases();
const runs = cases.flatMap((c) =>
  c.model_files.flatMap((file) => [
    { c, file, compile: true },
    { c, file, compile: false },
  ]),
);

/** Indices where two float arrays differ bit for bit (NaN equals NaN, -0 differs from 0). */
function differences(actual: ArrayLike<number>, expected: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (!Object.is(actual[i], expected[i])) out.push(i);
  }
  return out;
}

describe('XGBoostModel against XGBoost 1.7.4 (committed fixtures)', () => {
  it('has fixtures for every objective the scorer promises', () => {
    // Prepare
    const objectives = new Set(cases.map((c) => c.objective));
    // Assess
    for (const objective of [
      'binary:logistic',
      'binary:logitraw',
      'reg:squarederror',
      'reg:logistic',
      'reg:pseudohubererror',
      'multi:softprob',
      'multi:softmax',
      'count:poisson',
      'reg:gamma',
      'reg:tweedie',
    ]) {
      expect(objectives).toContain(objective);
    }
  });

  it.each(runs)('predicts $c.name from $file (compiled: $compile) bit for bit', ({ c, file, compile }) => {
    // Prepare
    const model = loadModel(fixtureBytes(file), { compile });
    const x = denseRows(c.rows, model.numFeature);
    // Act
    const margins = model.predictMargin(x);
    const predictions = model.predict(x);
    // Assess
    expect(model.compiled).toBe(compile);
    expect(model.numFeature).toBe(c.num_feature);
    expect(margins.width).toBe(c.margin_width);
    expect(differences(margins.values, c.expected_margin)).toEqual([]);
    expect(predictions.width).toBe(c.prediction_width);
    expect(differences(predictions.values, c.expected_prediction)).toEqual([]);
    expect(formatBatchTransform(predictions)).toBe(c.batch_transform_body);
  });

  it('uses only best_ntree_limit rounds of an early-stopped model, as the container does', () => {
    // Prepare
    const c = cases.find((k) => k.name === 'binary_earlystop');
    if (c === undefined) throw new Error('fixture binary_earlystop is missing');
    const limited = loadModel(fixtureBytes(`${c.name}.xgboost-model`));
    const all = loadModel(fixtureBytes(`${c.name}.xgboost-model`), { ntreeLimit: 0 });
    // Act
    const x = denseRows(c.rows, limited.numFeature);
    const a = limited.predict(x).values;
    const b = all.predict(x).values;
    // Assess
    expect(limited.treesUsed).toBe(c.best_ntree_limit);
    expect(all.treesUsed).toBe(c.num_trees);
    expect(c.best_ntree_limit).toBeLessThan(c.num_trees);
    expect(differences(a, c.expected_prediction)).toEqual([]);
    expect(differences(b, c.expected_prediction).length).toBeGreaterThan(0);
  });

  it('counts the trees of a multi-class random forest limit as rounds × classes × parallel trees', () => {
    // Prepare
    const c = cases.find((k) => k.name === 'multi_forest_earlystop');
    if (c === undefined) throw new Error('fixture multi_forest_earlystop is missing');
    // Act
    const model = loadModel(fixtureBytes(`${c.name}.json`));
    // Assess: best_ntree_limit counts rounds × num_parallel_tree; each round has one tree per class
    expect(model.treesUsed).toBe((c.best_ntree_limit / 3) * 3 * 4);
  });
});
