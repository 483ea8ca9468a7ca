/**
 * The offline runtime: starts the loopback endpoints (S3; Step Functions + SageMaker + EventBridge
 * JSON APIs), points the handlers' AWS SDK clients at them, and wires the interpreter's resource
 * registry to the local services — Lambda (the real handlers), EMR Serverless (the DuckDB feature
 * job), SageMaker, EventBridge — with everything configured from `serverless.yml`. State lives under
 * `<stateDir>` (`.sparkmaker/` by default): `s3/` objects, `executions/` histories, `events.jsonl`,
 * `emr/` job runs, and whatever the SageMaker service keeps.
 *
 * @example
 * ```ts
 * const runtime = await startRuntime({ root: process.cwd() });
 * const run = await runtime.run('training', { input: { uri: 's3://sparkmaker-data/incoming/', format: 'csv' } });
 * await runtime.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ResourceRegistry, registerLambda, StatesError, type TaskRequest } from '../asl';
import { EmrServerless, type JobRunner } from '../services/emr';
import { runFeatureJob } from '../services/emr/feature-job';
import { EventBus, type Rule } from '../services/eventbridge';
import { executionStatusEvent, isExecutionStatusRule } from '../services/eventbridge/execution-events';
import { type Schedule, Scheduler } from '../services/eventbridge/scheduler';
import { type FaultInjector, LambdaService } from '../services/lambda';
import { stepFunctionsInvoker } from '../services/lambda/step-functions';
import { etagOf } from '../services/object-store';
import { FileObjectStore } from '../services/s3/file-store';
import { type S3Endpoint, startS3Server } from '../services/s3/server';
import { createSageMakerService, type SageMakerService } from '../services/sagemaker';
import {
  type SageMakerRuntime,
  type SageMakerRuntimeOptions,
  startSageMakerRuntime,
} from '../services/sagemaker-runtime';
import { type ExecutionRecord, type StartedExecution, StepFunctionsService } from '../services/sfn';
import {
  type JsonEndpoint,
  type JsonOperationHandler,
  startJsonServer,
  stepFunctionsApi,
} from '../services/sfn/json-server';
import { loadProjectConfig, type ProjectConfig, substitutePlaceholders } from './config';
import { portInUseError } from './project';

export { loadProjectConfig, type ProjectConfig } from './config';
export { findProjectRoot, portInUseError } from './project';

export interface RuntimeOptions {
  /** The project root holding serverless.yml, statemachines/, functions/ (default: cwd). */
  readonly root?: string;
  /** The state directory (default `<root>/.sparkmaker`). */
  readonly stateDir?: string;
  /** Start the S3 "Object Created" → rule → target chain and the schedules (`sparkmaker dev`). */
  readonly triggers?: boolean;
  /** Arm the Scheduler's timers (only with `triggers`). */
  readonly schedules?: boolean;
  /** Multiplies Wait / Retry intervals (tests: 0.001). */
  readonly timeScale?: number;
  /** Test hook: size at which a Distributed Map's ResultWriter starts a new `FAILED_<n>`/`SUCCEEDED_<n>` file. */
  readonly resultFileBytes?: number;
  /** Test hook: fail chosen Lambda invocations (see {@link failShards}). */
  readonly faults?: FaultInjector;
  /** Powertools log level for the handlers (default SILENT: the CLI shows progress instead). */
  readonly logLevel?: string;
  /** Replaces the feature job runner (default: the DuckDB stand-in in `local/services/emr/feature-job.ts`). */
  readonly runJob?: JobRunner;
  /** Fixed S3 port (default: chosen by the OS). */
  readonly s3Port?: number;
  /** Fixed port of the JSON APIs (default: chosen by the OS). */
  readonly apiPort?: number;
  /** Called when a rule or schedule target fails. */
  readonly onTriggerError?: (error: unknown, source: string) => void;
  /** Local endpoints: creation delay, invocation timeout, fault hook (tests). */
  readonly endpoints?: Pick<SageMakerRuntimeOptions, 'createDelayMs' | 'invocationTimeoutMs' | 'faults'>;
}

/** A running offline runtime. */
export interface Runtime {
  readonly config: ProjectConfig;
  readonly stateDir: string;
  readonly store: FileObjectStore;
  readonly lambda: LambdaService;
  readonly stepFunctions: StepFunctionsService;
  readonly bus: EventBus;
  readonly scheduler: Scheduler;
  readonly emr: EmrServerless;
  readonly sageMaker: SageMakerService;
  /** Local SageMaker endpoints and the runtime API serving them. */
  readonly sageMakerRuntime: SageMakerRuntime;
  readonly s3Endpoint: S3Endpoint;
  readonly apiEndpoint: JsonEndpoint;
  /** Bucket names by role. */
  readonly buckets: { readonly data: string; readonly artifacts: string };
  /** The ARN of the state machine `training` / `scoring` (the serverless.yml key) or its name. */
  stateMachineArn(workflow: string): string;
  /** Starts an execution; the name defaults to `<train|score>-<timestamp>-<random>`. */
  start(workflow: string, input: unknown, name?: string): Promise<StartedExecution>;
  /** Starts an execution and waits for it. */
  run(workflow: string, input: unknown, name?: string): Promise<ExecutionRecord>;
  /** Resolves when no trigger delivery is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts every local service; call `close()` when done. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const root = resolve(options.root ?? process.cwd());
  const stateDir = resolve(options.stateDir ?? join(root, '.sparkmaker'));
  const config = loadProjectConfig(root);
  const region = config.region;
  const account = '000000000000';

  const store = new FileObjectStore(stateDir);
  const buckets = {
    data: config.buckets.DataBucket ?? `${config.service}-data`,
    artifacts: config.buckets.ArtifactBucket ?? `${config.service}-artifacts`,
  };
  for (const bucket of Object.values(buckets)) await store.createBucket(bucket);
  await seedJobScripts(root, store, buckets.artifacts);

  const registry = new ResourceRegistry();
  const stepFunctions = new StepFunctionsService({
    registry,
    store,
    stateDir,
    region,
    account,
    ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
    ...(options.resultFileBytes === undefined ? {} : { resultFileBytes: options.resultFileBytes }),
  });

  const logLevel = options.logLevel ?? 'SILENT';
  const lambda = new LambdaService({
    root,
    region,
    accountId: account,
    functions: config.functions.map((fn) => ({
      ...fn,
      environment: { ...fn.environment, POWERTOOLS_LOG_LEVEL: logLevel, POWERTOOLS_METRICS_DISABLED: 'true' },
    })),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
  });
  registerLambda(registry, stepFunctionsInvoker(lambda));

  const reportTrigger = (error: unknown, source: string) => {
    if (options.onTriggerError !== undefined) options.onTriggerError(error, source);
    else
      process.stderr.write(
        `sparkmaker: ${source} failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
  };

  const bus = new EventBus({
    // Rules on execution status changes (the endpoint clean-up) are always on; S3 and schedules only with triggers.
    rules:
      options.triggers === true ? config.rules : config.rules.filter((r) => isExecutionStatusRule(r.pattern)),
    stateDir,
    region,
    account,
    invoke: (arn, input, rule) => deliver(arn, input, rule),
    onTargetError: (error, rule, target) => reportTrigger(error, `rule ${rule.name} target ${target.id}`),
  });
  async function deliver(arn: string, input: unknown, rule: Rule): Promise<void> {
    if (arn.startsWith('arn:aws:lambda:')) {
      const result = await lambda.invoke(arn, input);
      if (result.functionError !== undefined) {
        const payload = result.payload as { errorType?: string; errorMessage?: string };
        throw new Error(`${payload.errorType ?? 'Error'}: ${payload.errorMessage ?? ''} (rule ${rule.name})`);
      }
      return;
    }
    if (arn.startsWith('arn:aws:states:')) {
      await stepFunctions.startExecution({ stateMachineArn: arn, input: JSON.stringify(input) });
      return;
    }
    throw new Error(`No local target for ${arn}`);
  }
  registry.register(
    /^arn:aws:states:::events:putEvents(\.waitForTaskToken)?$/,
    async (request: TaskRequest) => {
      const entries = (request.input as { Entries?: unknown } | undefined)?.Entries;
      if (!Array.isArray(entries))
        throw new StatesError('EventBridge.ValidationException', 'Entries is required');
      return bus.putEvents(entries);
    },
  );

  const scheduler = new Scheduler(
    config.schedules,
    (schedule, input) => runSchedule(schedule, input),
    (error, schedule) => reportTrigger(error, `schedule ${schedule.name}`),
  );
  async function runSchedule(schedule: Schedule, input: string): Promise<void> {
    if (schedule.targetArn.startsWith('arn:aws:lambda:')) {
      const result = await lambda.invoke(schedule.targetArn, JSON.parse(input));
      if (result.functionError !== undefined) {
        const payload = result.payload as { errorType?: string; errorMessage?: string };
        throw new Error(
          `${payload.errorType ?? 'Error'}: ${payload.errorMessage ?? ''} (schedule ${schedule.name})`,
        );
      }
      return;
    }
    if (schedule.targetArn === 'arn:aws:scheduler:::aws-sdk:sfn:startExecution') {
      const request = JSON.parse(input) as { StateMachineArn: string; Name?: string; Input?: string };
      await stepFunctions.startExecution({
        stateMachineArn: request.StateMachineArn,
        ...(request.Name === undefined ? {} : { name: request.Name }),
        ...(request.Input === undefined ? {} : { input: request.Input }),
      });
      return;
    }
    await stepFunctions.startExecution({ stateMachineArn: schedule.targetArn, input });
  }

  const emr = new EmrServerless({
    runJob: options.runJob ?? defaultJobRunner(stateDir),
    stateDir,
    region,
    account,
  });
  registry.register(/^arn:aws:states:::emr-serverless:startJobRun(\.sync)?$/, emr.startJobRunTask);

  // Also the Distributed Map ItemReader / ResultWriter resources (arn:aws:states:::s3:getObject,
  // …:s3:listObjectsV2, …:s3:putObject), which the interpreter dispatches through this registry.
  registry.register(/^arn:aws:states:::(aws-sdk:)?s3:listObjectsV2$/, async (request: TaskRequest) => {
    const input = (request.input ?? {}) as {
      Bucket?: string;
      Prefix?: string;
      Delimiter?: string;
      StartAfter?: string;
      ContinuationToken?: string;
      MaxKeys?: number;
    };
    if (typeof input.Bucket !== 'string')
      throw new StatesError('S3.ValidationException', 'Bucket is required');
    const maxKeys = typeof input.MaxKeys === 'number' ? input.MaxKeys : 1000;
    try {
      const listed = await store.listObjects(input.Bucket, {
        ...(typeof input.Prefix === 'string' ? { prefix: input.Prefix } : {}),
        ...(typeof input.Delimiter === 'string' ? { delimiter: input.Delimiter } : {}),
        ...(typeof input.StartAfter === 'string' ? { startAfter: input.StartAfter } : {}),
        ...(typeof input.ContinuationToken === 'string'
          ? { continuationToken: input.ContinuationToken }
          : {}),
        maxKeys,
      });
      // The response as the AWS SDK integration returns it (PascalCase, dates as ISO strings).
      return {
        Contents: listed.objects.map((o) => ({
          Key: o.key,
          LastModified: o.lastModified.toISOString(),
          ETag: o.etag,
          Size: o.size,
          StorageClass: o.storageClass,
        })),
        ...(listed.commonPrefixes.length > 0
          ? { CommonPrefixes: listed.commonPrefixes.map((prefix) => ({ Prefix: prefix })) }
          : {}),
        IsTruncated: listed.isTruncated,
        KeyCount: listed.objects.length + listed.commonPrefixes.length,
        MaxKeys: maxKeys,
        Name: input.Bucket,
        Prefix: input.Prefix ?? '',
        ...(input.Delimiter === undefined ? {} : { Delimiter: input.Delimiter }),
        ...(input.StartAfter === undefined ? {} : { StartAfter: input.StartAfter }),
        ...(input.ContinuationToken === undefined ? {} : { ContinuationToken: input.ContinuationToken }),
        ...(listed.nextContinuationToken === undefined
          ? {}
          : { NextContinuationToken: listed.nextContinuationToken }),
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      throw new StatesError(`S3.${name}Exception`, String(error));
    }
  });

  registry.register(
    /^arn:aws:states:::(aws-sdk:)?s3:(getObject|putObject)$/,
    async (request: TaskRequest) => {
      const input = (request.input ?? {}) as { Bucket?: string; Key?: string; Body?: unknown };
      if (typeof input.Bucket !== 'string' || typeof input.Key !== 'string') {
        throw new StatesError('S3.ValidationException', 'Bucket and Key are required');
      }
      try {
        if (request.resource.endsWith('getObject')) {
          const body = await store.getObject(input.Bucket, input.Key);
          const head = await store.headObject(input.Bucket, input.Key);
          return { Body: Buffer.from(body).toString('utf8'), ContentLength: body.length, ETag: head?.etag };
        }
        const body = typeof input.Body === 'string' ? input.Body : JSON.stringify(input.Body ?? '');
        const { etag } = await store.putObject(input.Bucket, input.Key, body);
        return { ETag: etag };
      } catch (error) {
        const name = error instanceof Error ? error.name : 'Error';
        throw new StatesError(
          `S3.${name === 'NoSuchKey' ? 'NoSuchKeyException' : `${name}Exception`}`,
          String(error),
        );
      }
    },
  );

  const sageMaker = registerSageMaker(registry, store, stateDir, region, account);
  const sageMakerRuntime = await startSageMakerRuntime({
    store,
    stateDir,
    region,
    accountId: account,
    sageMakerApi: (operation, input) => sageMaker.service.api(operation, input),
    ...options.endpoints,
  });
  for (const [pattern, handler] of sageMakerRuntime.resources) {
    registry.register(pattern, (request: TaskRequest) => handler(request.resource, request.input));
  }

  for (const machine of config.stateMachines) {
    const text = await readFile(join(root, machine.definitionFile), 'utf8');
    const definition = JSON.parse(substitutePlaceholders(text, config.substitutions)) as object;
    stepFunctions.createStateMachine(machine.name, definition, {
      type: machine.type,
      roleArn: `arn:aws:iam::${account}:role/${machine.logicalId}Role`,
    });
  }

  const ports = { s3Port: options.s3Port ?? 0, apiPort: options.apiPort ?? 0 };
  const s3Endpoint = await startS3Server({
    store,
    ...(options.s3Port === undefined ? {} : { port: options.s3Port }),
  }).catch((error: unknown) => {
    throw portInUseError(error, ports) ?? error;
  });
  const targets: Record<string, JsonOperationHandler> = {
    AWSStepFunctions: stepFunctionsApi(stepFunctions),
    SageMaker: sageMakerRuntime.routeApi((operation, input) =>
      sageMaker.service.api(operation, input),
    ) as JsonOperationHandler,
    AWSEvents: async (operation, input) => {
      if (operation !== 'PutEvents')
        throw Object.assign(new Error(`${operation} is not implemented locally`), {
          name: 'UnknownOperationException',
        });
      return bus.putEvents((input.Entries ?? []) as never[]);
    },
  };
  const apiEndpoint = await startJsonServer(
    targets,
    options.apiPort === undefined ? {} : { port: options.apiPort },
  ).catch(async (error: unknown) => {
    await s3Endpoint.close();
    throw portInUseError(error, ports) ?? error;
  });

  // What every handler's SDK client reads at construction.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3Endpoint.url,
    AWS_ENDPOINT_URL_SFN: apiEndpoint.url,
    AWS_ENDPOINT_URL_SAGEMAKER: apiEndpoint.url,
    AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME: sageMakerRuntime.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: apiEndpoint.url,
    AWS_ACCESS_KEY_ID: 'sparkmaker',
    AWS_SECRET_ACCESS_KEY: 'sparkmaker',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;

  const announcing = new Set<Promise<void>>();
  // Step Functions Execution Status Change events, as Standard workflows send them to EventBridge.
  // Only a put in progress is tracked, so closing the runtime never waits for a running execution.
  const publishStatus = (arn: string, final: boolean) => {
    const put = (final ? stepFunctions.waitFor(arn) : stepFunctions.describeExecution(arn))
      .then((record) => bus.put(executionStatusEvent(record, { region, account })))
      .catch((error: unknown) => reportTrigger(error, 'execution status event'));
    announcing.add(put);
    void put.finally(() => announcing.delete(put));
  };
  stepFunctions.onExecutionStarted((started) => {
    publishStatus(started.execution.arn, false);
    void started.execution.done.then(() => publishStatus(started.execution.arn, true));
  });
  if (options.triggers === true) {
    store.onObjectCreated((created) => {
      const put = bus.objectCreated(created).catch((error: unknown) => reportTrigger(error, 'S3 event'));
      announcing.add(put);
      void put.finally(() => announcing.delete(put));
    });
    if (options.schedules !== false) scheduler.start();
  }

  const findStateMachine = (workflow: string) => {
    const machine = config.stateMachines.find(
      (m) => m.key === workflow || m.name === workflow || m.arn === workflow,
    );
    if (machine === undefined) {
      throw new Error(
        `Unknown workflow '${workflow}': serverless.yml defines ${config.stateMachines.map((m) => m.key).join(', ')}`,
      );
    }
    return machine;
  };
  const stateMachineArn = (workflow: string): string => findStateMachine(workflow).arn;
  const start = async (workflow: string, input: unknown, name?: string): Promise<StartedExecution> => {
    const machine = findStateMachine(workflow);
    const arn = machine.arn;
    // The default name starts like the triggers' (train-…, score-…), whichever way the workflow is named.
    const key = machine.key.toLowerCase();
    const prefix = key.startsWith('train') ? 'train' : key.startsWith('scor') ? 'score' : key;
    const executionName =
      name ??
      `${prefix}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomUUID().slice(0, 8)}`;
    const { started } = await stepFunctions.startExecution({
      stateMachineArn: arn,
      name: executionName,
      input: JSON.stringify(input ?? {}),
    });
    return started;
  };

  return {
    config,
    stateDir,
    store,
    lambda,
    stepFunctions,
    bus,
    scheduler,
    emr,
    sageMaker: sageMaker.service,
    sageMakerRuntime,
    s3Endpoint,
    apiEndpoint,
    buckets,
    stateMachineArn,
    start,
    run: async (workflow, input, name) => {
      const started = await start(workflow, input, name);
      return stepFunctions.waitFor(started.execution.arn);
    },
    idle: async () => {
      while (announcing.size > 0) await Promise.all([...announcing]);
      await bus.idle();
    },
    close: async () => {
      scheduler.stop();
      while (announcing.size > 0) await Promise.all([...announcing]);
      await bus.idle();
      await Promise.all([s3Endpoint.close(), apiEndpoint.close(), sageMakerRuntime.close()]);
    },
  };
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

/** Registers the local SageMaker service's Step Functions resources; returns its JSON API. */
function registerSageMaker(
  registry: ResourceRegistry,
  store: FileObjectStore,
  stateDir: string,
  region: string,
  accountId: string,
): { api: JsonOperationHandler; service: SageMakerService } {
  const service = createSageMakerService({ store, stateDir, region, accountId });
  for (const [resource, handler] of Object.entries(service.resources)) {
    registry.register(resource, (request: TaskRequest) => handler(request.input));
  }
  return { api: (operation, input) => service.api(operation, input), service };
}
