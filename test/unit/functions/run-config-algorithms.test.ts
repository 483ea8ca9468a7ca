import { describe, expect, it } from 'vitest';
import { type TrainingConfig, validateRunInput } from '../../../functions/lib/run-config';
import type { InputValidationError } from '../../../shared/errors';

const defaults = {
  dataBucket: 'data',
  artifactBucket: 'artifacts',
  modelPackageGroup: 'g',
  region: 'eu-west-1',
};
const training = (input: unknown): TrainingConfig =>
  validateRunInput(
    { workflow: 'training', input, executionName: 'run-1' },
    defaults,
    new Date(),
  ) as TrainingConfig;
const problem = (input: unknown): InputValidationError => {
  try {
    training(input);
  } catch (error) {
    return error as InputValidationError;
  }
  throw new Error('expected a validation error');
};

describe('the training input with an algorithm', () => {
  it('gives KMeans its regional image, RecordIO-protobuf, feature_dim from the features and a clustering evaluation', () => {
    // Act
    const config = training({
      input: { uri: 's3://data/raw/' },
      algorithm: 'kmeans',
      hyperparameters: { k: 10 },
    });
    // Assess
    expect(config).toMatchObject({
      algorithm: 'kmeans',
      image: '438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1',
      contentType: 'application/x-recordio-protobuf',
      fillFeatureDim: true,
      hyperparameters: { k: '10' },
      transform: { accept: 'text/csv', join: false },
      evaluation: { kind: 'clustering', objective: '' },
      gate: { metric: 'silhouette', threshold: 0, lowerIsBetter: false },
    });
  });

  it('evaluates Linear Learner as XGBoost by predictor_type and PCA by explained variance', () => {
    // Act
    const ll = training({
      input: { uri: 's3://data/raw/' },
      algorithm: 'linear-learner',
      hyperparameters: { predictor_type: 'regressor' },
      gate: { metric: 'rmse', threshold: 3 },
    });
    const pca = training({
      input: { uri: 's3://data/raw/' },
      algorithm: 'pca',
      hyperparameters: { num_components: 2, mini_batch_size: 100 },
      gate: { metric: 'explained_variance_0', threshold: 0.5 },
    });
    // Assess
    expect(ll.evaluation).toEqual({ kind: 'supervised', objective: 'reg:squarederror' });
    expect(ll.gate).toEqual({ metric: 'rmse', threshold: 3, lowerIsBetter: true });
    expect(ll.transform).toEqual({ accept: 'application/jsonlines', join: false });
    expect(pca.evaluation.kind).toBe('projection');
    expect(pca.gate.metric).toBe('explained_variance_0');
  });

  it('validates hyperparameters with the algorithm container reasons, naming the field', () => {
    // Act
    const missing = problem({
      input: { uri: 's3://data/raw/' },
      algorithm: 'pca',
      hyperparameters: { num_components: 2 },
    });
    const unknown = problem({
      input: { uri: 's3://data/raw/' },
      algorithm: 'kmeans',
      hyperparameters: { k: 3, num_round: 4 },
    });
    const gate = problem({
      input: { uri: 's3://data/raw/' },
      algorithm: 'kmeans',
      hyperparameters: { k: 3 },
      gate: { metric: 'auc' },
    });
    // Assess
    expect(missing.message).toContain("No value(s) were specified for 'mini_batch_size'");
    expect(unknown.field).toBe('hyperparameters.num_round');
    expect(gate.message).toContain("gate.metric 'auc' is not computed for kmeans (clustering)");
  });

  it('requires the image of a custom algorithm and refuses one for a built-in', () => {
    // Act
    const custom = training({
      input: { uri: 's3://data/raw/' },
      algorithm: 'custom',
      image: 'my/algo:1',
      hyperparameters: { shrinkage: '0.1' },
      gate: { metric: 'auc', threshold: 0.5 },
    });
    // Assess
    expect(custom).toMatchObject({
      image: 'my/algo:1',
      hyperparameters: { shrinkage: '0.1' },
      transform: { join: true },
    });
    expect(problem({ input: { uri: 's3://data/raw/' }, algorithm: 'custom' }).message).toContain(
      'image is required',
    );
    expect(
      problem({
        input: { uri: 's3://data/raw/' },
        algorithm: 'pca',
        image: 'x',
        hyperparameters: { num_components: 1, mini_batch_size: 1 },
      }).field,
    ).toBe('image');
  });
});
