import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EvaluationError } from '../../../../shared/errors';
import {
  auc,
  binaryAccuracy,
  computeMetrics,
  emptyScoredRows,
  logloss,
  parseTransformOutput,
  rmse,
} from '../../../../shared/evaluation';

/** AUC by definition: the share of (positive, negative) pairs ranked right, ties counting half. */
function pairwiseAuc(labels: number[], scores: number[]): number | undefined {
  let right = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    for (let j = 0; j < labels.length; j++) {
      if (labels[i] !== 1 || labels[j] !== 0) continue;
      pairs++;
      const a = scores[i] as number;
      const b = scores[j] as number;
      right += a > b ? 1 : a === b ? 0.5 : 0;
    }
  }
  return pairs === 0 ? undefined : right / pairs;
}

describe('auc', () => {
  it('equals the pairwise definition on any labels and scores, ties included', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: 0, max: 5 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (rows) => {
          const labels = rows.map((r) => r[0]);
          const scores = rows.map((r) => r[1] / 5);
          const expected = pairwiseAuc(labels, scores);
          const actual = auc(labels, scores);
          if (expected === undefined) expect(actual).toBeUndefined();
          else expect(actual).toBeCloseTo(expected, 12);
        },
      ),
    );
  });

  it('is undefined when only one class is present', () => {
    expect(auc([1, 1], [0.2, 0.9])).toBeUndefined();
  });
});

describe('logloss', () => {
  it('clips certain wrong predictions instead of returning infinity', () => {
    const value = logloss([1, 0], [0, 1]);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeCloseTo(-Math.log(1e-16), 6);
  });
});

describe('binaryAccuracy', () => {
  it('counts a prediction of exactly 0.5 as negative, as XGBoost error does', () => {
    expect(binaryAccuracy([0, 1], [0.5, 0.51])).toBe(1);
  });
});

describe('rmse', () => {
  it('is the root of the mean squared difference', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 12);
  });
});

describe('computeMetrics', () => {
  it('refuses labels other than 0 and 1 for a binary objective, naming the row', () => {
    const rows = parseTransformOutput('1,0.2\n2,0.3\n', 'x');
    expect(() => computeMetrics(rows, 'binary:logistic')).toThrow(/row 2 has label 2/);
  });

  it('fails with EvaluationError on empty output', () => {
    expect(() => computeMetrics(emptyScoredRows(), 'binary:logistic')).toThrow(EvaluationError);
  });

  it('gives accuracy and logloss for softprob output written as probability lists', () => {
    const rows = parseTransformOutput('2,[0.1, 0.2, 0.7]\n0,[0.5, 0.3, 0.2]\n1,[0.6, 0.3, 0.1]\n', 'x');
    const metrics = computeMetrics(rows, 'multi:softprob');
    expect(metrics.accuracy).toBeCloseTo(2 / 3, 12);
    expect(metrics.logloss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.5) + Math.log(0.3)) / 3, 12);
  });

  it('refuses an unknown objective by name', () => {
    expect(() => computeMetrics(parseTransformOutput('1,1\n', 'x'), 'rank:pairwise')).toThrow(
      /rank:pairwise/,
    );
  });
});

describe('parseTransformOutput', () => {
  it('skips blank lines and tolerates CRLF', () => {
    const rows = parseTransformOutput('1,0.9\r\n\r\n0,0.1\r\n', 'x');
    expect(rows.labels).toEqual([1, 0]);
    expect(rows.predictions).toEqual([0.9, 0.1]);
  });

  it('names the file, line and field of a value that is not a number', () => {
    expect(() => parseTransformOutput('1,0.9\n0,oops\n', 's3://b/t.out')).toThrow(
      /s3:\/\/b\/t\.out, line 2, field 'prediction'/,
    );
  });

  it('refuses a line with more than two fields', () => {
    expect(() => parseTransformOutput('1,0.9,3\n', 'x')).toThrow(/exactly two fields/);
  });
});
