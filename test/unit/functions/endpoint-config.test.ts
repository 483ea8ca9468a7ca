import { describe, expect, it } from 'vitest';
import { algorithmOfImage, endpointNameFor } from '../../../functions/lib/endpoint-config';
import { normaliseScoringInput, type ScoringConfig } from '../../../functions/lib/run-config';
import { InputValidationError } from '../../../shared/errors';

const defaults = {
  dataBucket: 'sparkmaker-data',
  artifactBucket: 'sparkmaker-artifacts',
  modelPackageGroup: 'g',
};
const base = { input: { uri: 's3://sparkmaker-data/scoring/x.csv', format: 'csv' } };

function scoring(extra: Record<string, unknown>, runId = 'score-1'): ScoringConfig {
  return normaliseScoringInput({ ...base, ...extra }, runId, defaults, '2024-06-03');
}

function problem(extra: Record<string, unknown>): string {
  try {
    scoring(extra);
  } catch (error) {
    expect(error).toBeInstanceOf(InputValidationError);
    return (error as Error).message;
  }
  throw new Error('the input was accepted');
}

describe('the endpoint settings of a scoring input', () => {
  it('defaults to lambda mode without endpoint settings', () => {
    // Act / Assess
    expect(scoring({})).toMatchObject({ mode: 'lambda', endpoint: null });
  });

  it('creates an endpoint named after the run from the run model with the defaults of sagemaker-spark', () => {
    // Act
    const config = scoring({ mode: 'endpoint' });
    // Assess
    expect(config.endpoint).toEqual({
      policy: 'create',
      source: 'model',
      endpointName: 'sm-score-1',
      trainingJobName: null,
      modelPackageArn: null,
      image: null,
      algorithm: 'xgboost',
      instanceType: 'ml.m5.large',
      instanceCount: 1,
      contentType: 'text/csv',
      maxRequestBytes: 5 * 1024 * 1024,
      pollSeconds: 15,
      maxWaitSeconds: 3600,
      featureColumnsUri: null,
    });
  });

  it('attaches to an existing endpoint, which is never deleted, when endpoint.name is given', () => {
    // Act
    const config = scoring({ endpoint: { name: 'their-endpoint' } });
    // Assess
    expect(config.mode).toBe('endpoint');
    expect(config.endpoint).toMatchObject({
      policy: 'existing',
      source: 'existing',
      endpointName: 'their-endpoint',
    });
  });

  it('hosts a training job or a model package when named', () => {
    // Act
    const job = scoring({ endpoint: { trainingJobName: 'sm-train-1' } });
    const pkg = scoring({
      endpoint: { modelPackageArn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/g/3' },
    });
    // Assess
    expect(job.endpoint).toMatchObject({
      policy: 'create',
      source: 'trainingJob',
      trainingJobName: 'sm-train-1',
    });
    expect(pkg.endpoint).toMatchObject({ policy: 'create', source: 'modelPackage' });
  });

  it('rejects endpoint settings in lambda mode, two sources, a cap over 6 MiB and an unknown content type', () => {
    // Act / Assess
    expect(problem({ mode: 'lambda', endpoint: {} })).toContain(
      'endpoint settings go with "mode": "endpoint"',
    );
    expect(problem({ endpoint: { name: 'a', trainingJobName: 'b' } })).toContain(
      'endpoint takes one of name',
    );
    expect(problem({ endpoint: { maxRequestBytes: 7 * 1024 * 1024 } })).toContain('endpoint.maxRequestBytes');
    expect(problem({ endpoint: { contentType: 'application/json' } })).toContain('text/csv or text/libsvm');
    expect(problem({ mode: 'endpont' })).toContain("did you mean 'endpoint'?");
    expect(problem({ endpoint: { maxRequestByte: 1 } })).toContain('maxRequestBytes');
  });

  it('names what it creates within SageMaker name rules, however long the run id', () => {
    // Act
    const long = endpointNameFor(`score-${'x'.repeat(80)}`);
    // Assess
    expect(endpointNameFor('score_2024.06')).toBe('sm-score-2024-06');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/);
    expect(endpointNameFor(`score-${'x'.repeat(80)}`)).toBe(long);
    expect(endpointNameFor(`score-${'x'.repeat(79)}y`)).not.toBe(long);
  });

  it('knows the algorithm of a built-in image', () => {
    // Act / Assess
    expect(algorithmOfImage('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1')).toBe(
      'xgboost',
    );
    expect(algorithmOfImage('382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1')).toBe('kmeans');
    expect(algorithmOfImage('123.dkr.ecr.us-east-1.amazonaws.com/my-model:latest')).toBeUndefined();
  });
});
