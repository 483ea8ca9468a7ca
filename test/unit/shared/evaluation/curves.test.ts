import { describe, expect, it } from 'vitest';
import { auc, binaryCurves } from '../../../../shared/evaluation';

/** A deterministic pseudo-random sequence (LCG). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('binaryCurves', () => {
  it('gives a ROC area equal to the rank AUC, ties included', () => {
    // Prepare: scores rounded to 2 decimals so many rows tie
    const next = random(7);
    const labels: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const y = next() < 0.3 ? 1 : 0;
      labels.push(y);
      scores.push(Math.round(Math.min(1, Math.max(0, 0.35 * y + next() * 0.7)) * 100) / 100);
    }
    // Act
    const curves = binaryCurves(labels, scores);
    // Assess
    expect(curves.auc).toBeCloseTo(auc(labels, scores)!, 12);
    expect(curves.roc.length).toBeLessThanOrEqual(200);
    expect(curves.roc[0]).toEqual({ threshold: null, fpr: 0, tpr: 0 });
    expect(curves.roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
  });

  it('counts the confusion matrix at the cut-off, a row being positive when its score is above it', () => {
    const curves = binaryCurves([1, 0, 1, 0, 1], [0.9, 0.2, 0.6, 0.7, 0.5], { threshold: 0.5 });
    expect(curves.confusion).toEqual({ threshold: 0.5, tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(curves.positives).toBe(3);
  });

  it('computes precision and recall per distinct score and the average precision', () => {
    const curves = binaryCurves([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
    expect(curves.pr.map((p) => [p.recall, p.precision])).toEqual([
      [0.5, 1],
      [0.5, 0.5],
      [1, 2 / 3],
      [1, 0.5],
    ]);
    expect(curves.averagePrecision).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
  });

  it('bins predictions for the calibration plot and leaves AUC undefined with one class', () => {
    const curves = binaryCurves([0, 0, 1, 1], [0.05, 0.15, 0.95, 0.91], { bins: 10 });
    const rounded = curves.calibration.map((b) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round(v * 1e9) / 1e9])),
    );
    expect(rounded).toEqual([
      { lower: 0, upper: 0.1, count: 1, meanPredicted: 0.05, observed: 0 },
      { lower: 0.1, upper: 0.2, count: 1, meanPredicted: 0.15, observed: 0 },
      { lower: 0.9, upper: 1, count: 2, meanPredicted: 0.93, observed: 1 },
    ]);
    expect(binaryCurves([1, 1], [0.2, 0.3]).auc).toBeUndefined();
  });
});
