/**
 * The local services the offline runtime runs, built from `serverless.yml` (see `config.ts`). Each
 * is a {@link LocalService}; `startRuntime` (index.ts) only loops over this list.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResourceRegistry } from '../asl';
import { EmrServerless, type JobRunner } from '../services/emr';
import { runFeatureJob } from '../services/emr/feature-job';
import { EmrLocalService } from '../services/emr/service';
import { EventBridgeService } from '../services/eventbridge/service';
import { type FaultInjector, LambdaService } from '../services/lambda';
import { LambdaLocalService } from '../services/lambda/service';
import { etagOf } from '../services/object-store';
import type { FileObjectStore } from '../services/s3/file-store';
import { S3Service } from '../services/s3/service';
import { createSageMakerService } from '../services/sagemaker';
import { SageMakerLocalService } from '../services/sagemaker/local-service';
import type { SageMakerRuntimeOptions } from '../services/sagemaker-runtime';
import { SageMakerRuntimeLocalService } from '../services/sagemaker-runtime/local-service';
import type { LocalService } from '../services/service';
import { StepFunctionsService } from '../services/sfn';
import { StepFunctionsLocalService } from '../services/sfn/service';
import type { ProjectConfig } from './config';

/** What the services are built from. */
export interface ServiceSettings {
  readonly config: ProjectConfig;
  readonly root: string;
  readonly stateDir: string;
  readonly store: FileObjectStore;
  readonly registry: ResourceRegistry;
  readonly account: string;
  /** The variables every function's environment starts from (filled once the endpoints listen). */
  readonly environment: Readonly<Record<string, string>>;
  readonly timeScale?: number;
  readonly resultFileBytes?: number;
  readonly faults?: FaultInjector;
  readonly logLevel: string;
  readonly runJob?: JobRunner;
  readonly s3Port?: number;
  readonly triggers: boolean;
  readonly schedules: boolean;
  readonly workers?: number;
  readonly onTriggerError: (error: unknown, source: string) => void;
  /** Local endpoints: creation delay, invocation timeout, fault hook (tests). */
  readonly endpoints?: Pick<SageMakerRuntimeOptions, 'createDelayMs' | 'invocationTimeoutMs' | 'faults'>;
}

/** The built services, by role, and in the order the runtime drives them. */
export interface Services {
  readonly s3: S3Service;
  readonly lambda: LambdaService;
  readonly stepFunctions: StepFunctionsService;
  readonly eventBridge: EventBridgeService;
  readonly emr: EmrServerless;
  readonly sageMaker: SageMakerLocalService;
  /** SageMaker endpoints and the SageMaker Runtime API (local/services/sagemaker-runtime). */
  readonly sageMakerRuntime: SageMakerRuntimeLocalService;
  readonly all: readonly LocalService[];
}

/** Builds every local service. */
export function createServices(settings: ServiceSettings): Services {
  const { config, root, stateDir, store, registry, account } = settings;
  const region = config.region;
  const s3 = new S3Service(store, settings.s3Port);
  const stepFunctions = new StepFunctionsService({
    registry,
    store,
    stateDir,
    region,
    account,
    ...(settings.timeScale === undefined ? {} : { timeScale: settings.timeScale }),
    ...(settings.resultFileBytes === undefined ? {} : { resultFileBytes: settings.resultFileBytes }),
  });
  const lambda = new LambdaService({
    root,
    region,
    accountId: account,
    // The runtime's log settings win over serverless.yml's, as before (the CLI shows progress instead).
    functions: config.functions.map((fn) => ({
      ...fn,
      environment: {
        ...fn.environment,
        POWERTOOLS_LOG_LEVEL: settings.logLevel,
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    })),
    environment: settings.environment,
    ...(settings.workers === undefined ? {} : { workers: settings.workers }),
    ...(settings.faults === undefined ? {} : { faults: settings.faults }),
  });
  const eventBridge = new EventBridgeService({
    rules: config.rules,
    schedules: config.schedules,
    stateDir,
    region,
    account,
    lambda,
    stepFunctions,
    store,
    triggers: settings.triggers,
    schedulesOn: settings.schedules,
    onTriggerError: settings.onTriggerError,
  });
  const emr = new EmrServerless({
    runJob: settings.runJob ?? defaultJobRunner(stateDir),
    stateDir,
    region,
    account,
  });
  const sageMaker = new SageMakerLocalService(
    createSageMakerService({ store, stateDir, region, accountId: account }),
  );
  // After SageMaker: it serves the SageMaker JSON target with the endpoint operations added.
  const sageMakerRuntime = new SageMakerRuntimeLocalService(sageMaker.service, {
    store,
    stateDir,
    region,
    accountId: account,
    ...settings.endpoints,
  });
  const all: LocalService[] = [
    s3,
    new LambdaLocalService(lambda),
    new StepFunctionsLocalService(stepFunctions),
    eventBridge,
    new EmrLocalService(emr),
    sageMaker,
    sageMakerRuntime,
  ];
  return { s3, lambda, stepFunctions, eventBridge, emr, sageMaker, sageMakerRuntime, all };
}

/** Copies `jobs/features/*` to `s3://<artifacts>/jobs/features/`, as the deploy plugin uploads them. */
export async function seedJobScripts(root: string, store: FileObjectStore, bucket: string): Promise<void> {
  const dir = join(root, 'jobs', 'features');
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    if (!/\.(py|sql)$/.test(file)) continue;
    const body = await readFile(join(dir, file));
    const existing = await store.headObject(bucket, `jobs/features/${file}`);
    // Compare contents, not sizes: a same-length edit of the SQL must reach the next run.
    if (existing?.etag === etagOf(body)) continue;
    await store.putObject(bucket, `jobs/features/${file}`, body);
  }
}

/** The DuckDB stand-in for the Spark feature job, over the buckets' plain files. */
function defaultJobRunner(stateDir: string): JobRunner {
  return async (request) => {
    await runFeatureJob({
      entryPointArguments: request.entryPointArguments,
      s3Root: join(stateDir, 's3'),
      signal: request.signal,
    });
  };
}
