import { describe, expect, it } from 'vitest';
import {
  HyperparameterError,
  validateHyperparameters,
} from '../../../../../local/services/sagemaker/xgboost/hyperparameters';

function reasonFor(hyperparameters: Record<string, string>): string {
  try {
    validateHyperparameters(hyperparameters);
  } catch (error) {
    if (error instanceof HyperparameterError) return error.message;
    throw error;
  }
  return 'valid';
}

describe('validateHyperparameters (XGBoost 1.7-1 container rules)', () => {
  it('requires num_round', () => {
    expect(reasonFor({ max_depth: '3' })).toBe('Missing required hyperparameter: num_round');
  });

  it('requires num_class for the multi-class objectives', () => {
    expect(reasonFor({ num_round: '5', objective: 'multi:softprob' })).toBe(
      "Require input for parameter 'num_class' for multi-classification",
    );
  });

  it('rejects num_class without an objective', () => {
    expect(reasonFor({ num_round: '5', num_class: '3' })).toBe(
      "Do not need to setup parameter 'num_class' for learning task other than multi-classification.",
    );
  });

  it('rejects an unknown hyperparameter by name', () => {
    expect(reasonFor({ num_round: '5', silent: '0' })).toBe('Extraneous hyperparameter found: silent');
  });

  it('rejects a value outside the range, printing the interval as Python does', () => {
    expect(reasonFor({ num_round: '5', eta: '1.5' })).toBe('Hyperparameter eta: 1.5 is not in [0, 1]');
    expect(reasonFor({ num_round: '0' })).toBe('Hyperparameter num_round: 0 is not in [1, +inf)');
    expect(reasonFor({ num_round: '5', subsample: '0' })).toBe(
      'Hyperparameter subsample: 0.0 is not in (0, 1]',
    );
  });

  it('rejects a value that does not parse as the declared type', () => {
    expect(reasonFor({ num_round: 'ten' })).toBe(
      'Hyperparameter num_round: could not parse value (caused by ValueError)',
    );
    expect(reasonFor({ num_round: '5', eta: 'fast' })).toBe(
      'Hyperparameter eta: could not parse value (caused by ValueError)',
    );
  });

  it('reads values through JSON first, as the training toolkit does, so int() truncates JSON floats', () => {
    expect(validateHyperparameters({ num_round: '10.0', max_depth: '4.5' })).toMatchObject({
      num_round: 10,
      max_depth: 4,
    });
  });

  it('rejects an objective that is not in the list', () => {
    expect(reasonFor({ num_round: '5', objective: 'binary:magic' })).toMatch(
      /^Hyperparameter objective: binary:magic is not in \[/,
    );
  });

  it('rejects auc for a regression objective', () => {
    expect(reasonFor({ num_round: '5', objective: 'reg:squarederror', eval_metric: 'auc' })).toBe(
      "Metric 'auc' can only be applied for classification and ranking problems.",
    );
  });

  it('accepts the aliases and parses numbers and lists', () => {
    const hp = validateHyperparameters({
      num_round: '10',
      learning_rate: '0.1',
      reg_lambda: '2',
      eval_metric: 'auc,logloss',
      objective: 'binary:logistic',
    });
    expect(hp).toMatchObject({ num_round: 10, eta: 0.1, lambda: 2, eval_metric: ['auc', 'logloss'] });
  });
});
