import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../../../../local/services/object-store';
import { createSageMakerService, renderDates } from '../../../../../local/services/sagemaker/service';

describe('renderDates', () => {
  it('renders stored dates as epoch seconds for the API and milliseconds for Step Functions', () => {
    const stored = {
      CreationTime: '2026-01-01T00:00:01.500Z',
      Nested: [{ Timestamp: '2026-01-01T00:00:00Z' }],
      Name: 'x',
    };
    expect(renderDates(stored, 'seconds')).toEqual({
      CreationTime: 1767225601.5,
      Nested: [{ Timestamp: 1767225600 }],
      Name: 'x',
    });
    expect(renderDates(stored, 'millis')).toEqual({
      CreationTime: 1767225601500,
      Nested: [{ Timestamp: 1767225600000 }],
      Name: 'x',
    });
  });
});

describe('createSageMakerService', () => {
  const service = () =>
    createSageMakerService({
      store: new MemoryObjectStore(),
      stateDir: mkdtempSync(join(tmpdir(), 'sm-svc-')),
      backend: 'embedded',
    });

  it('covers the Step Functions SageMaker resources the workflows use', () => {
    expect(Object.keys(service().resources).sort()).toEqual([
      'arn:aws:states:::sagemaker:createModel',
      'arn:aws:states:::sagemaker:createTrainingJob',
      'arn:aws:states:::sagemaker:createTrainingJob.sync',
      'arn:aws:states:::sagemaker:createTransformJob',
      'arn:aws:states:::sagemaker:createTransformJob.sync',
    ]);
  });

  it('answers an unknown operation with UnknownOperationException', async () => {
    await expect(service().api('CreateEndpoint', {})).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
  });

  it('answers a job that does not exist with ValidationException, as SageMaker does', async () => {
    await expect(service().api('DescribeTrainingJob', { TrainingJobName: 'nope' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Requested resource not found'),
    });
  });

  it('refuses a job name SageMaker would refuse', async () => {
    await expect(
      service().api('CreateTrainingJob', {
        TrainingJobName: 'bad_name',
        AlgorithmSpecification: { TrainingImage: 'xgboost' },
      }),
    ).rejects.toThrow(/failed to satisfy constraint: Member must satisfy regular expression pattern/);
  });
});
