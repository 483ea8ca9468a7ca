/**
 * The offline runtime: builds the local services (`services.ts`: S3, Lambda, Step Functions,
 * EventBridge, EMR Serverless, SageMaker, each a {@link LocalService}), registers their
 * integrations in the interpreter's resource registry, serves their APIs (S3's own endpoint and the
 * shared JSON endpoint), and gives every function the SDK endpoint variables pointing at them,
 * in its own sandbox environment: this process's `process.env` is never changed, so two runtimes
 * can share a process. State lives under `<stateDir>` (`.sparkmaker/` by default).
 *
 * @example
 * ```ts
 * const runtime = await startRuntime({ root: process.cwd() });
 * const run = await runtime.run('training', { input: { uri: 's3://sparkmaker-data/incoming/', format: 'csv' } });
 * await runtime.close();
 * ```
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ResourceRegistry } from '../asl';
import type { EmrServerless, JobRunner } from '../services/emr';
import type { EventBus } from '../services/eventbridge';
import type { Scheduler } from '../services/eventbridge/scheduler';
import type { FaultInjector, LambdaService } from '../services/lambda';
import { FileObjectStore } from '../services/s3/file-store';
import type { S3Endpoint } from '../services/s3/server';
import type { SageMakerService } from '../services/sagemaker';
import type { SageMakerRuntime, SageMakerRuntimeOptions } from '../services/sagemaker-runtime';
import type { LocalService, OwnEndpoint } from '../services/service';
import type { ExecutionRecord, StartedExecution, StepFunctionsService } from '../services/sfn';
import { type JsonEndpoint, type JsonOperationHandler, startJsonServer } from '../services/sfn/json-server';
import { loadProjectConfig, type ProjectConfig, substitutePlaceholders } from './config';
import { portInUseError } from './project';
import { createServices, seedJobScripts } from './services';

export { loadProjectConfig, type ProjectConfig } from './config';
export { findProjectRoot, portInUseError } from './project';
export { seedJobScripts } from './services';

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
  /** The most Lambda sandboxes (worker threads) at once (default: the core count). */
  readonly workers?: number;
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
  /** Every service, in the order they were started. */
  readonly services: readonly LocalService[];
  /** The variables each function's environment starts from (endpoints, dummy credentials, region). */
  readonly environment: Readonly<Record<string, string>>;
  /** Executions found RUNNING at start-up whose process was gone, now ABORTED. */
  readonly orphansAborted: readonly ExecutionRecord[];
  /** Bucket names by role. */
  readonly buckets: { readonly data: string; readonly artifacts: string };
  /** The ARN of the state machine `training` / `scoring` (the serverless.yml key) or its name. */
  stateMachineArn(workflow: string): string;
  /** Starts an execution; the name defaults to `<train|score>-<timestamp>-<random>`. */
  start(workflow: string, input: unknown, name?: string): Promise<StartedExecution>;
  /** Starts an execution and waits for it. */
  run(workflow: string, input: unknown, name?: string): Promise<ExecutionRecord>;
  /**
   * Ends every run in flight: executions stopped as StopExecution would (ABORTED), their training,
   * transform and EMR jobs stopped, the Lambda sandboxes terminated. Returns the stopped executions.
   */
  stop(reason: string): Promise<string[]>;
  /** Resolves when no trigger delivery is in flight. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Starts every local service; call `close()` when done. */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const root = resolve(options.root ?? process.cwd());
  const stateDir = resolve(options.stateDir ?? join(root, '.sparkmaker'));
  const config = loadProjectConfig(root);
  const account = '000000000000';

  const store = new FileObjectStore(stateDir);
  const buckets = {
    data: config.buckets.DataBucket ?? `${config.service}-data`,
    artifacts: config.buckets.ArtifactBucket ?? `${config.service}-artifacts`,
  };
  for (const bucket of Object.values(buckets)) await store.createBucket(bucket);
  await seedJobScripts(root, store, buckets.artifacts);

  const registry = new ResourceRegistry();
  // What every handler's SDK client reads at construction; the endpoint URLs are added below.
  const environment: Record<string, string> = {
    AWS_ACCESS_KEY_ID: 'sparkmaker',
    AWS_SECRET_ACCESS_KEY: 'sparkmaker',
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const services = createServices({
    config,
    root,
    stateDir,
    store,
    registry,
    account,
    environment,
    logLevel: options.logLevel ?? 'SILENT',
    triggers: options.triggers === true,
    schedules: options.schedules !== false,
    onTriggerError:
      options.onTriggerError ??
      ((error, source) =>
        process.stderr.write(
          `sparkmaker: ${source} failed: ${error instanceof Error ? error.message : String(error)}\n`,
        )),
    ...(options.timeScale === undefined ? {} : { timeScale: options.timeScale }),
    ...(options.resultFileBytes === undefined ? {} : { resultFileBytes: options.resultFileBytes }),
    ...(options.faults === undefined ? {} : { faults: options.faults }),
    ...(options.runJob === undefined ? {} : { runJob: options.runJob }),
    ...(options.s3Port === undefined ? {} : { s3Port: options.s3Port }),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
  });
  const { stepFunctions } = services;
  for (const service of services.all) service.registerIntegrations?.(registry);

  for (const machine of config.stateMachines) {
    const text = await readFile(join(root, machine.definitionFile), 'utf8');
    const definition = JSON.parse(substitutePlaceholders(text, config.substitutions)) as object;
    stepFunctions.createStateMachine(machine.name, definition, {
      type: machine.type,
      roleArn: `arn:aws:iam::${account}:role/${machine.logicalId}Role`,
    });
  }
  const orphansAborted = await stepFunctions.abortOrphans();

  const endpoints = await listen(services.all, options);
  Object.assign(environment, endpoints.variables);
  for (const service of services.all) await service.start?.();

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
  const start = async (workflow: string, input: unknown, name?: string): Promise<StartedExecution> => {
    const machine = findStateMachine(workflow);
    // The default name starts like the triggers' (train-…, score-…), whichever way the workflow is named.
    const key = machine.key.toLowerCase();
    const prefix = key.startsWith('train') ? 'train' : key.startsWith('scor') ? 'score' : key;
    const executionName =
      name ??
      `${prefix}-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomUUID().slice(0, 8)}`;
    const { started } = await stepFunctions.startExecution({
      stateMachineArn: machine.arn,
      name: executionName,
      input: JSON.stringify(input ?? {}),
    });
    return started;
  };
  const idle = async () => {
    for (const service of services.all) await service.idle?.();
  };
  let closed = false;

  return {
    config,
    stateDir,
    store,
    lambda: services.lambda,
    stepFunctions,
    bus: services.eventBridge.bus,
    scheduler: services.eventBridge.scheduler,
    emr: services.emr,
    sageMaker: services.sageMaker.service,
    sageMakerRuntime: services.sageMakerRuntime.runtime,
    s3Endpoint: services.s3.endpoint!,
    apiEndpoint: endpoints.api,
    services: services.all,
    environment,
    orphansAborted,
    buckets,
    stateMachineArn: (workflow) => findStateMachine(workflow).arn,
    start,
    run: async (workflow, input, name) => {
      const started = await start(workflow, input, name);
      return stepFunctions.waitFor(started.execution.arn);
    },
    stop: async (reason) => {
      // Executions first (their tasks see the abort and stop their jobs), then whatever is left.
      const stopped = await stepFunctions.stopAll('sparkmaker.Interrupted', reason);
      for (const service of services.all) await service.stopAll?.(reason);
      return stopped;
    },
    idle,
    close: async () => {
      if (closed) return;
      closed = true;
      for (const service of [...services.all].reverse()) await service.close?.();
      await Promise.all(endpoints.all.map((e) => e.close()));
    },
  };
}

/** Starts the services' own endpoints and the shared JSON endpoint; returns the SDK variables. */
async function listen(
  services: readonly LocalService[],
  options: RuntimeOptions,
): Promise<{ api: JsonEndpoint; all: { close(): Promise<void> }[]; variables: Record<string, string> }> {
  const ports = { s3Port: options.s3Port ?? 0, apiPort: options.apiPort ?? 0 };
  const all: { close(): Promise<void> }[] = [];
  const variables: Record<string, string> = {};
  const fail = async (error: unknown): Promise<never> => {
    await Promise.all(all.map((e) => e.close()));
    throw portInUseError(error, ports) ?? error;
  };
  for (const service of services) {
    if (service.listen === undefined) continue;
    const endpoint: OwnEndpoint = await service.listen().catch(fail);
    all.push(endpoint);
    for (const name of endpoint.endpointVariables) variables[name] = endpoint.url;
  }
  const targets: Record<string, JsonOperationHandler> = {};
  for (const service of services) {
    if (service.jsonApi !== undefined) targets[service.jsonApi.target] = service.jsonApi.handle;
  }
  const api = await startJsonServer(
    targets,
    options.apiPort === undefined ? {} : { port: options.apiPort },
  ).catch(fail);
  all.push(api);
  for (const service of services) {
    for (const name of service.jsonApi?.endpointVariables ?? []) variables[name] = api.url;
  }
  return { api, all, variables };
}
