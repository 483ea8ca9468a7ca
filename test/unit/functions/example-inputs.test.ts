import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TrainingConfig, validateRunInput } from '../../../functions/lib/run-config';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples', 'inputs');
const defaults = {
  dataBucket: 'sparkmaker-data',
  artifactBucket: 'sparkmaker-artifacts',
  modelPackageGroup: 'sparkmaker-churn',
  region: 'us-east-1',
};

async function validate(file: string): Promise<TrainingConfig> {
  const input = JSON.parse(await readFile(join(examples, file), 'utf8')) as unknown;
  return validateRunInput(
    { workflow: 'training', input, executionName: 'example-run' },
    defaults,
    new Date(),
  ) as TrainingConfig;
}

describe('the example training inputs (examples/inputs)', () => {
  it.each([
    ['kmeans.json', 'kmeans', 'clustering', 'silhouette', { k: '4', init_method: 'kmeans++' }],
    [
      'pca.json',
      'pca',
      'projection',
      'explainedVarianceRatio',
      { num_components: '2', mini_batch_size: '200', algorithm_mode: 'regular', subtract_mean: 'true' },
    ],
    [
      'linear-learner.json',
      'linear-learner',
      'supervised',
      'auc',
      { predictor_type: 'binary_classifier', mini_batch_size: '100' },
    ],
  ] as const)(
    '%s validates as a %s run with its evaluation and gate',
    async (file, algorithm, kind, metric, hps) => {
      // Act
      const config = await validate(file);
      // Assess
      expect(config.algorithm).toBe(algorithm);
      expect(config.image).toBe(`382416733822.dkr.ecr.us-east-1.amazonaws.com/${algorithm}:1`);
      expect(config.contentType).toBe('application/x-recordio-protobuf');
      expect(config.fillFeatureDim).toBe(true);
      expect(config.hyperparameters).toEqual(hps);
      expect(config.evaluation.kind).toBe(kind);
      expect(config.gate.metric).toBe(metric);
      expect(config.input).toEqual({ uri: 's3://sparkmaker-data/incoming/customers.csv', format: 'csv' });
    },
  );
});
