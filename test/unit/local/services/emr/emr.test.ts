import { describe, expect, it } from 'vitest';
import type { TaskRequest } from '../../../../../local/asl/types';
import { EmrServerless, type JobRunRequest } from '../../../../../local/services/emr';

function task(input: unknown, resource = 'arn:aws:states:::emr-serverless:startJobRun.sync'): TaskRequest {
  return { resource, input, signal: new AbortController().signal, heartbeat: () => undefined, context: {} };
}

const jobInput = (token: string) => ({
  ApplicationId: 'local',
  ExecutionRoleArn: 'arn:aws:iam::000000000000:role/EmrJobRole',
  ClientToken: token,
  Name: `features-${token}`,
  JobDriver: {
    SparkSubmit: {
      EntryPoint: 's3://sparkmaker-artifacts/jobs/features/main.py',
      EntryPointArguments: ['--input', 's3://sparkmaker-data/incoming/a.csv', '--mode', 'train'],
    },
  },
});

describe('the local EMR Serverless integration', () => {
  it('runs the job with its entry point arguments and returns the job run ids', async () => {
    const seen: JobRunRequest[] = [];
    const emr = new EmrServerless({
      runJob: async (request) => {
        seen.push(request);
      },
    });

    const result = await emr.startJobRunTask(task(jobInput('run-1')));

    expect(seen[0]?.entryPointArguments).toEqual([
      '--input',
      's3://sparkmaker-data/incoming/a.csv',
      '--mode',
      'train',
    ]);
    expect(result).toMatchObject({ ApplicationId: 'local', JobRunId: seen[0]?.jobRunId });
  });

  it('never runs a job twice for the same ClientToken', async () => {
    let runs = 0;
    const emr = new EmrServerless({
      runJob: async () => {
        runs++;
      },
    });

    const first = await emr.startJobRunTask(task(jobInput('same')));
    const second = await emr.startJobRunTask(task(jobInput('same')));

    expect(runs).toBe(1);
    expect(second).toEqual(first);
  });

  it('fails the task with States.TaskFailed and the job state and details when the job fails', async () => {
    const emr = new EmrServerless({
      runJob: async () => {
        throw new Error('CsvFormatError: expected 11 fields (s3://sparkmaker-data/incoming/bad.csv, line 7)');
      },
    });

    const error = await emr.startJobRunTask(task(jobInput('bad'))).catch((e: unknown) => e);

    expect(error).toMatchObject({ error: 'States.TaskFailed' });
    const cause = JSON.parse((error as { cause: string }).cause);
    expect(cause).toMatchObject({
      State: 'FAILED',
      StateDetails: expect.stringContaining('bad.csv, line 7'),
    });
  });

  it('returns at once without waiting for the job when the resource is not .sync', async () => {
    let finish: () => void = () => undefined;
    const emr = new EmrServerless({
      runJob: () =>
        new Promise<void>((resolve) => {
          finish = resolve;
        }),
    });

    const result = await emr.startJobRunTask(
      task(jobInput('async'), 'arn:aws:states:::emr-serverless:startJobRun'),
    );
    finish();

    expect(result).toHaveProperty('JobRunId');
    expect(emr.jobRuns[0]?.state).toBe('RUNNING');
  });

  it('refuses a job without an entry point with a validation error', async () => {
    const error = await new EmrServerless({ runJob: async () => undefined })
      .startJobRunTask(
        task({ ApplicationId: 'local', ExecutionRoleArn: 'r', JobDriver: { SparkSubmit: {} } }),
      )
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ error: 'EmrServerless.ValidationException' });
  });
});
