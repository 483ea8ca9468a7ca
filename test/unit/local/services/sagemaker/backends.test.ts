import { describe, expect, it } from 'vitest';
import { ChannelError } from '../../../../../local/services/sagemaker/channels';
import { failureReason } from '../../../../../local/services/sagemaker/training-job';
import {
  HyperparameterError,
  validateHyperparameters,
} from '../../../../../local/services/sagemaker/xgboost/hyperparameters';
import { NativeTrainingError, nativeParams } from '../../../../../local/services/sagemaker/xgboost/native';
import {
  boosterParams,
  UnsupportedSettingError,
} from '../../../../../local/services/sagemaker/xgboost/params';
import { BackendError, parseBackend } from '../../../../../local/services/sagemaker/xgboost/train';

describe('nativeParams', () => {
  it('passes XGBoost parameters to xgboost.train and keeps the container-only ones out', () => {
    const hp = validateHyperparameters({
      num_round: '10',
      early_stopping_rounds: '3',
      csv_weights: '1',
      eta: '0.1',
      eval_metric: 'auc,logloss',
      objective: 'binary:logistic',
    });
    expect(nativeParams(hp)).toEqual({
      eta: 0.1,
      eval_metric: ['auc', 'logloss'],
      objective: 'binary:logistic',
    });
  });
});

describe('boosterParams', () => {
  it('refuses valid container settings the embedded trainer does not implement, by name', () => {
    expect(() =>
      boosterParams(validateHyperparameters({ num_round: '1', objective: 'count:poisson' })),
    ).toThrow(UnsupportedSettingError);
    expect(() => boosterParams(validateHyperparameters({ num_round: '1', booster: 'dart' }))).toThrow(
      /booster 'dart'/,
    );
  });

  it("applies XGBoost's defaults", () => {
    expect(boosterParams(validateHyperparameters({ num_round: '3' }))).toMatchObject({
      objective: 'reg:squarederror',
      eta: 0.3,
      maxDepth: 6,
      minChildWeight: 1,
      lambda: 1,
      alpha: 0,
      maxBin: 256,
      baseScore: 0.5,
      treeMethod: 'auto',
    });
  });
});

describe('failureReason', () => {
  it('prefixes user errors with ClientError and the rest with AlgorithmError, as the container does', () => {
    expect(failureReason(new HyperparameterError('Missing required hyperparameter: num_round'))).toBe(
      'ClientError: Missing required hyperparameter: num_round',
    );
    expect(failureReason(new ChannelError('No data'))).toBe('ClientError: No data');
    expect(failureReason(new NativeTrainingError('xgboost.core.XGBoostError: bad'))).toBe(
      'AlgorithmError: XGB train call failed with exception:\n xgboost.core.XGBoostError: bad',
    );
    expect(failureReason(new Error('boom'))).toBe('AlgorithmError: boom');
  });
});

describe('parseBackend', () => {
  it('reads SPARKMAKER_XGBOOST_BACKEND values and defaults to embedded', () => {
    expect(parseBackend(undefined)).toBe('embedded');
    expect(parseBackend('Native')).toBe('native');
    expect(parseBackend('auto')).toBe('auto');
    expect(() => parseBackend('gpu')).toThrow(BackendError);
  });
});
