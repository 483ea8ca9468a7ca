/**
 * Local EMR Serverless: the `arn:aws:states:::emr-serverless:startJobRun[.sync]` integration. A job
 * run is handed to a job runner (the DuckDB stand-in for the Spark feature job in
 * `feature-job.ts`), idempotent by `ClientToken` as on AWS: the same token returns the same job run
 * and never runs the job twice. A failed job fails the task with `States.TaskFailed` and a cause
 * holding the job run's state and details. Job runs are recorded under `<stateDir>/emr/`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StatesError } from '../../asl/errors';
import type { TaskRequest } from '../../asl/types';

/** What the job runner receives: the `SparkSubmit` job driver, decoded. */
export interface JobRunRequest {
  readonly applicationId: string;
  readonly jobRunId: string;
  readonly name: string;
  readonly entryPoint: string;
  readonly entryPointArguments: readonly string[];
  readonly sparkSubmitParameters?: string;
  readonly signal: AbortSignal;
}

/** Runs one job to completion; throws to fail it (the message becomes the job's `stateDetails`). */
export type JobRunner = (request: JobRunRequest) => Promise<void>;

export type JobRunState = 'SUBMITTED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELLED';

/** A job run as GetJobRun reports it (the fields the offline runtime fills). */
export interface JobRun {
  applicationId: string;
  jobRunId: string;
  arn: string;
  name: string;
  state: JobRunState;
  stateDetails: string;
  createdAt: string;
  updatedAt: string;
  jobDriver: {
    sparkSubmit: { entryPoint: string; entryPointArguments: string[]; sparkSubmitParameters?: string };
  };
  totalExecutionDurationSeconds?: number;
}

export interface EmrServerlessOptions {
  readonly runJob: JobRunner;
  readonly stateDir?: string;
  readonly region?: string;
  readonly account?: string;
}

interface StartJobRunInput {
  ApplicationId?: unknown;
  ExecutionRoleArn?: unknown;
  ClientToken?: unknown;
  Name?: unknown;
  JobDriver?: {
    SparkSubmit?: { EntryPoint?: unknown; EntryPointArguments?: unknown; SparkSubmitParameters?: unknown };
  };
}

/** The local EMR Serverless service. */
export class EmrServerless {
  private readonly runs = new Map<
    string,
    { run: JobRun; done: Promise<JobRun>; controller: AbortController }
  >();
  private readonly region: string;
  private readonly account: string;

  constructor(private readonly options: EmrServerlessOptions) {
    this.region = options.region ?? 'us-east-1';
    this.account = options.account ?? '000000000000';
  }

  /** Job runs started in this process, oldest first. */
  get jobRuns(): JobRun[] {
    return [...this.runs.values()].map((r) => r.run);
  }

  /** CancelJobRun: stops a running job run (its runner sees the abort); resolves once it is recorded. */
  async cancelJobRun(applicationId: string, jobRunId: string): Promise<JobRun | undefined> {
    const entry = [...this.runs.values()].find(
      (r) => r.run.applicationId === applicationId && r.run.jobRunId === jobRunId,
    );
    if (entry === undefined) return undefined;
    if (entry.run.state === 'RUNNING' || entry.run.state === 'SUBMITTED') {
      entry.controller.abort(new Error('job run cancelled'));
    }
    return entry.done;
  }

  /** Cancels every job run still running (the runtime was interrupted); returns their ids. */
  async cancelAll(): Promise<string[]> {
    const active = [...this.runs.values()].filter((r) => r.run.state === 'RUNNING');
    for (const entry of active) entry.controller.abort(new Error('job run cancelled'));
    await Promise.all(active.map((entry) => entry.done));
    return active.map((entry) => entry.run.jobRunId);
  }

  /** The Step Functions task handler for `startJobRun` and `startJobRun.sync`. */
  readonly startJobRunTask = async (request: TaskRequest): Promise<unknown> => {
    const input = (request.input ?? {}) as StartJobRunInput;
    const sync = request.resource.endsWith('.sync');
    const applicationId = requireString(input.ApplicationId, 'ApplicationId');
    requireString(input.ExecutionRoleArn, 'ExecutionRoleArn');
    const driver = input.JobDriver?.SparkSubmit;
    const entryPoint = requireString(driver?.EntryPoint, 'JobDriver.SparkSubmit.EntryPoint');
    const args = driver?.EntryPointArguments ?? [];
    if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
      throw new StatesError(
        'EmrServerless.ValidationException',
        'JobDriver.SparkSubmit.EntryPointArguments must be an array of strings',
      );
    }
    const token = typeof input.ClientToken === 'string' ? input.ClientToken : randomUUID();
    const name = typeof input.Name === 'string' ? input.Name : 'job';
    const params =
      typeof driver?.SparkSubmitParameters === 'string' ? driver.SparkSubmitParameters : undefined;
    const entry = this.start(applicationId, token, name, entryPoint, args, params, request.signal);
    const summary = { ApplicationId: applicationId, JobRunId: entry.run.jobRunId, Arn: entry.run.arn };
    if (!sync) return summary;
    const run = await entry.done;
    if (run.state !== 'SUCCESS') {
      throw new StatesError(
        'States.TaskFailed',
        JSON.stringify({
          ApplicationId: run.applicationId,
          JobRunId: run.jobRunId,
          Arn: run.arn,
          Name: run.name,
          State: run.state,
          StateDetails: run.stateDetails,
        }),
      );
    }
    return summary;
  };

  private start(
    applicationId: string,
    clientToken: string,
    name: string,
    entryPoint: string,
    args: string[],
    sparkSubmitParameters: string | undefined,
    signal: AbortSignal,
  ): { run: JobRun; done: Promise<JobRun> } {
    const key = `${applicationId}\u0000${clientToken}`;
    const existing = this.runs.get(key);
    if (existing !== undefined) return existing;
    const jobRunId = `00${createHash('sha256').update(key).digest('hex').slice(0, 14)}`;
    const now = new Date().toISOString();
    const run: JobRun = {
      applicationId,
      jobRunId,
      arn: `arn:aws:emr-serverless:${this.region}:${this.account}:/applications/${applicationId}/jobruns/${jobRunId}`,
      name,
      state: 'RUNNING',
      stateDetails: '',
      createdAt: now,
      updatedAt: now,
      jobDriver: {
        sparkSubmit: {
          entryPoint,
          entryPointArguments: args,
          ...(sparkSubmitParameters === undefined ? {} : { sparkSubmitParameters }),
        },
      },
    };
    const started = Date.now();
    // Cancelled by the task's abort (execution stopped) or by cancelJobRun.
    const controller = new AbortController();
    if (signal.aborted) controller.abort(signal.reason);
    else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
    const done = this.options
      .runJob({
        applicationId,
        jobRunId,
        name,
        entryPoint,
        entryPointArguments: args,
        ...(sparkSubmitParameters === undefined ? {} : { sparkSubmitParameters }),
        signal: controller.signal,
      })
      .then(
        () => {
          run.state = 'SUCCESS';
          run.stateDetails = '';
        },
        (error: unknown) => {
          run.state = controller.signal.aborted ? 'CANCELLED' : 'FAILED';
          run.stateDetails = `Job failed: ${error instanceof Error ? error.message : String(error)}`;
        },
      )
      .then(async () => {
        run.updatedAt = new Date().toISOString();
        run.totalExecutionDurationSeconds = Math.round((Date.now() - started) / 1000);
        await this.record(run);
        return run;
      });
    const entry = { run, done, controller };
    this.runs.set(key, entry);
    void this.record(run);
    return entry;
  }

  private async record(run: JobRun): Promise<void> {
    if (this.options.stateDir === undefined) return;
    const dir = join(this.options.stateDir, 'emr', run.applicationId);
    await mkdir(dir, { recursive: true }).catch(() => undefined);
    await writeFile(join(dir, `${run.jobRunId}.json`), `${JSON.stringify(run, null, 2)}\n`).catch(
      () => undefined,
    );
  }
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new StatesError('EmrServerless.ValidationException', `${field} is required and must be a string`);
  }
  return value;
}
