import { describe, expect, it } from 'vitest';
import { predictBooster, trainBooster } from '../../../../../local/services/sagemaker/xgboost/booster';
import { datasetFromRows } from '../../../../../local/services/sagemaker/xgboost/dataset';
import { validateHyperparameters } from '../../../../../local/services/sagemaker/xgboost/hyperparameters';
import { boosterToJson, formatFloat32 } from '../../../../../local/services/sagemaker/xgboost/model-json';
import { boosterParams } from '../../../../../local/services/sagemaker/xgboost/params';
import { featureCuts } from '../../../../../local/services/sagemaker/xgboost/quantile';
import { loadModel } from '../../../../../shared/model';

function params(hyperparameters: Record<string, string>) {
  return boosterParams(validateHyperparameters(hyperparameters));
}

describe('formatFloat32', () => {
  it("prints the shortest float32 decimal in XGBoost's to_chars form", () => {
    expect(formatFloat32(0.5)).toBe('5E-1');
    expect(formatFloat32(0.3)).toBe('3E-1');
    expect(formatFloat32(-0.02977672)).toBe('-2.977672E-2');
    expect(formatFloat32(75)).toBe('7.5E1');
    expect(formatFloat32(-0)).toBe('-0E0');
  });
});

describe('featureCuts', () => {
  it('gives one bin per distinct value when there are at most max_bin of them, ending in a sentinel', () => {
    const cuts = featureCuts(Float32Array.from([3, 1, 2, 2, 1]), 256);
    expect(Array.from(cuts.subarray(0, 2))).toEqual([2, 3]);
    expect(cuts[2]).toBeGreaterThan(3);
  });

  it('keeps at most max_bin bins for a feature with many values', () => {
    const values = Float32Array.from({ length: 10_000 }, (_, i) => i / 7);
    expect(featureCuts(values, 16).length).toBeLessThanOrEqual(16);
  });
});

describe('trainBooster', () => {
  it('learns a step function with one split per tree (until gains fall under 1e-6, as XGBoost)', () => {
    // Prepare
    const rows = Array.from({ length: 40 }, (_, i) => [i]);
    const labels = rows.map(([x]) => (x! < 20 ? 1 : 5));
    const data = datasetFromRows(rows, labels);
    // Act
    const model = trainBooster(
      data,
      undefined,
      params({ num_round: '30', eta: '0.5', max_depth: '1', lambda: '0' }),
    );
    const preds = predictBooster(model, datasetFromRows([[3], [30]], [0, 0]));
    // Assess
    expect(model.trees[0]!.splitIndex[0]).toBe(0);
    expect(model.trees[0]!.splitCondition[0]).toBe(19.5);
    expect(preds[0]).toBeCloseTo(1, 3);
    expect(preds[1]).toBeCloseTo(5, 3);
  });

  it('puts thresholds on feature values with tree_method hist and between them with exact (auto)', () => {
    const rows = Array.from({ length: 40 }, (_, i) => [i]);
    const data = datasetFromRows(
      rows,
      rows.map(([x]) => (x! < 20 ? 1 : 5)),
    );
    const hist = trainBooster(
      data,
      undefined,
      params({ num_round: '1', tree_method: 'hist', max_depth: '1' }),
    );
    const exact = trainBooster(data, undefined, params({ num_round: '1', max_depth: '1' }));
    expect(hist.trees[0]!.splitCondition[0]).toBe(20);
    expect(hist.trees[0]!.defaultLeft[0]).toBe(0);
    expect(exact.trees[0]!.splitCondition[0]).toBe(19.5);
    expect(exact.trees[0]!.defaultLeft[0]).toBe(1);
  });

  it('applies gamma by pruning after growth with exact, and by refusing splits with hist', () => {
    // Prepare: XOR of two features; the root split gains almost nothing, its children a lot
    const rows: number[][] = [];
    const labels: number[] = [];
    for (const [a, b, n] of [
      [0, 0, 10],
      [0, 1, 10],
      [1, 0, 10],
      [1, 1, 12],
    ] as const) {
      for (let i = 0; i < n; i++) {
        rows.push([a, b]);
        labels.push(a !== b ? 1 : -1);
      }
    }
    const data = datasetFromRows(rows, labels);
    const settings = { num_round: '1', max_depth: '2', gamma: '1', base_score: '0' };
    // Act
    const exact = trainBooster(data, undefined, params(settings)).trees[0]!;
    const hist = trainBooster(data, undefined, params({ ...settings, tree_method: 'hist' })).trees[0]!;
    const pruned = trainBooster(data, undefined, params({ ...settings, gamma: '19' })).trees[0]!;
    // Assess
    expect(exact.lossChange[0]).toBeLessThan(1);
    expect(exact.numNodes).toBe(7);
    expect(hist.numNodes).toBe(1);
    expect(pruned.numNodes).toBe(5);
    expect(pruned.left[pruned.left[0]!]).toBe(-1);
  });

  it('learns where missing values should go', () => {
    // Prepare: missing feature values belong with the high labels
    const rows: Array<Array<number | null>> = [];
    const labels: number[] = [];
    for (let i = 0; i < 60; i++) {
      rows.push([i % 3 === 0 ? null : i % 20]);
      labels.push(i % 3 === 0 ? 10 : i % 20 < 10 ? 0 : 5);
    }
    // Act
    const model = trainBooster(
      datasetFromRows(rows, labels),
      undefined,
      params({ num_round: '1', eta: '1', max_depth: '2', lambda: '0' }),
    );
    const tree = model.trees[0]!;
    const missingLeaf = tree.leafOf(Float32Array.of(Number.NaN), 0);
    // Assess
    expect(tree.splitCondition[missingLeaf]).toBeGreaterThan(8);
  });

  it('interleaves one tree per class per round for multi-class objectives', () => {
    const rows = Array.from({ length: 30 }, (_, i) => [i]);
    const labels = rows.map(([x]) => Math.floor(x! / 10));
    const model = trainBooster(
      datasetFromRows(rows, labels),
      undefined,
      params({ num_round: '3', objective: 'multi:softprob', num_class: '3' }),
    );
    expect(model.treeInfo).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it('stops early on the validation metric and records the best iteration', () => {
    // Prepare: a validation set the model cannot fit, so the metric stops improving
    const rows = Array.from({ length: 50 }, (_, i) => [i]);
    const train = datasetFromRows(
      rows,
      rows.map(([x]) => x! % 2),
    );
    const validation = datasetFromRows(
      rows,
      rows.map(([x]) => 1 - (x! % 2)),
    );
    // Act
    const model = trainBooster(
      train,
      validation,
      params({
        num_round: '100',
        objective: 'binary:logistic',
        early_stopping_rounds: '3',
        min_child_weight: '0',
      }),
    );
    // Assess
    const best = Number(model.attributes.best_iteration);
    expect(model.trees.length).toBe(best + 1 + 3);
    expect(model.attributes.best_ntree_limit).toBe(String(best + 1));
    expect(model.evalLog[0]).toHaveProperty('validation-logloss');
  });

  it('writes a JSON model the scorer loads and predicts with as the trainer does', () => {
    // Prepare
    const rows = Array.from({ length: 200 }, (_, i) => [
      Math.sin(i),
      i % 7 === 0 ? null : Math.cos(i * 0.3),
      i % 5,
    ]);
    const labels = rows.map((r, i) => (Number(r[0]) + (r[1] ?? 0) > 0.2 || i % 11 === 0 ? 1 : 0));
    const data = datasetFromRows(rows, labels);
    const model = trainBooster(
      data,
      undefined,
      params({ num_round: '20', objective: 'binary:logistic', max_depth: '3' }),
    );
    // Act
    const scorer = loadModel(new TextEncoder().encode(boosterToJson(model)));
    const margins = scorer.predictMargin(data.values, data.rows).values;
    const ours = predictBooster({ ...model, objective: 'reg:squarederror', baseScore: 0 }, data);
    // Assess: same margins (our margins start at logit(0.5) = 0)
    expect(Array.from(margins)).toEqual(Array.from(ours));
  });
});
