/**
 * Your own container, offline: there is no Docker, so the image URI maps to a local command and the
 * local SageMaker runs it under SageMaker's container contracts (SPEC §11.1–11.2).
 *
 * Training (`<command> train`): an `/opt/ml`-shaped directory under the state dir
 * (`<stateDir>/sagemaker/containers/<job>/opt/ml`) with `input/config/hyperparameters.json`,
 * `inputdataconfig.json`, `resourceconfig.json`, `input/data/<channel>/` (File mode), `model/`,
 * `output/data/`, `output/failure`; the platform's `TRAINING_JOB_NAME`/`TRAINING_JOB_ARN`, the
 * request's `Environment`, and the training toolkit's `SM_*` variables (absolute paths, since the
 * directory is not `/opt/ml`; `SM_OPT_ML` names its root). Exit 0 → `model/` tarred into
 * `model.tar.gz` (and `output/data/` into `output.tar.gz` when not empty); non-zero → `Failed` with the
 * first 1024 characters of `output/failure` as `FailureReason`.
 *
 * Serving (`<command> serve`): the model tarball extracted to `model/`, `SAGEMAKER_BIND_TO_PORT` a
 * free loopback port, `SAGEMAKER_BATCH=true` and the batch settings; the runner waits for
 * `GET /ping` = 200 and sends each mini-batch as `POST /invocations`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { gunzip, isGzip, readTar } from '../../../../shared/model/archive';
import { type ArchiveMember, createModelTarGz } from '../artifact';
import type { ChannelFile } from '../channels';
import { InvocationError } from '../container';
import type { SageMakerContext } from '../context';

/** A custom container's training run failed (non-zero exit). */
export class ContainerFailure extends Error {
  constructor(
    readonly reason: string,
    readonly exitCode: number | null,
  ) {
    super(reason);
    this.name = 'ContainerFailure';
  }
}

/** One channel handed to the container. */
export interface ContainerChannel {
  readonly name: string;
  readonly files: readonly ChannelFile[];
  /** The S3 prefix the files came from: their keys are written relative to it. */
  readonly prefix: string;
  readonly contentType?: string;
  readonly dataType: string;
}

/** What a successful training run leaves. */
export interface ContainerTrainingResult {
  readonly model: Uint8Array;
  readonly output: Uint8Array | undefined;
  readonly log: string;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

async function listFiles(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(root, path)));
    else if (entry.isFile()) out.push(relative(root, path));
  }
  return out.sort();
}

async function tarDirectory(root: string): Promise<Uint8Array | undefined> {
  const files = await listFiles(root);
  if (files.length === 0) return undefined;
  const members: ArchiveMember[] = [];
  for (const file of files)
    members.push({ name: file.split('\\').join('/'), data: await readFile(join(root, file)) });
  return createModelTarGz(members, Math.floor(Date.now() / 1000));
}

function runProcess(
  argv: readonly string[],
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(argv[0]!, [...argv.slice(1), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const done = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error) =>
      reject(
        new ContainerFailure(`AlgorithmError: cannot start '${argv.join(' ')}': ${error.message}`, null),
      ),
    );
    child.on('close', (code) => {
      log.end();
      resolve(code);
    });
  });
  return { child, done };
}

/**
 * Runs `<command> train` under the training contract; resolves with the model tarball.
 *
 * @throws {ContainerFailure} for a non-zero exit (reason from `output/failure`).
 */
export async function runTrainingContainer(
  ctx: SageMakerContext,
  command: readonly string[],
  job: {
    readonly name: string;
    readonly arn: string;
    readonly hyperparameters: Readonly<Record<string, string>>;
    readonly channels: readonly ContainerChannel[];
    readonly environment: Readonly<Record<string, string>>;
    readonly instanceType: string;
  },
): Promise<ContainerTrainingResult> {
  const root = join(ctx.stateDir, 'sagemaker', 'containers', safeName(job.name), 'opt', 'ml');
  await rm(root, { recursive: true, force: true });
  const config = join(root, 'input', 'config');
  const modelDir = join(root, 'model');
  const outputDir = join(root, 'output');
  for (const dir of [config, modelDir, join(outputDir, 'data'), join(root, 'checkpoints')])
    await mkdir(dir, { recursive: true });
  const inputDataConfig: Record<string, Record<string, string>> = {};
  const channelDirs: Record<string, string> = {};
  for (const channel of job.channels) {
    const dir = join(root, 'input', 'data', channel.name);
    channelDirs[channel.name] = dir;
    await mkdir(dir, { recursive: true });
    for (const file of channel.files) {
      const rel = file.name.startsWith(channel.prefix) ? file.name.slice(channel.prefix.length) : file.name;
      const target = join(dir, rel.replace(/^\/+/, '') || file.name.slice(file.name.lastIndexOf('/') + 1));
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, file.bytes);
    }
    inputDataConfig[channel.name] = {
      ...(channel.contentType === undefined ? {} : { ContentType: channel.contentType }),
      TrainingInputMode: 'File',
      S3DistributionType: 'FullyReplicated',
      RecordWrapperType: 'None',
    };
  }
  const resourceConfig = {
    current_host: 'algo-1',
    hosts: ['algo-1'],
    network_interface_name: 'eth0',
    current_instance_type: job.instanceType,
  };
  await writeFile(join(config, 'hyperparameters.json'), JSON.stringify(job.hyperparameters));
  await writeFile(join(config, 'inputdataconfig.json'), JSON.stringify(inputDataConfig));
  await writeFile(join(config, 'resourceconfig.json'), JSON.stringify(resourceConfig));
  const channelNames = Object.keys(channelDirs).sort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...job.environment,
    TRAINING_JOB_NAME: job.name,
    TRAINING_JOB_ARN: job.arn,
    SM_OPT_ML: root,
    SM_MODEL_DIR: modelDir,
    SM_INPUT_DIR: join(root, 'input'),
    SM_INPUT_CONFIG_DIR: config,
    SM_OUTPUT_DIR: outputDir,
    SM_OUTPUT_DATA_DIR: join(outputDir, 'data'),
    SM_CHANNELS: JSON.stringify(channelNames),
    SM_HPS: JSON.stringify(job.hyperparameters),
    SM_INPUT_DATA_CONFIG: JSON.stringify(inputDataConfig),
    SM_RESOURCE_CONFIG: JSON.stringify(resourceConfig),
    SM_CURRENT_HOST: 'algo-1',
    SM_HOSTS: JSON.stringify(['algo-1']),
    SM_NUM_CPUS: '1',
    SM_NUM_GPUS: '0',
  };
  for (const name of channelNames) env[`SM_CHANNEL_${name.toUpperCase()}`] = channelDirs[name];
  for (const [key, value] of Object.entries(job.hyperparameters)) env[`SM_HP_${key.toUpperCase()}`] = value;
  const logFile = join(root, '..', 'training.log');
  const { done } = runProcess(command, ['train'], env, logFile);
  const code = await done;
  const log = await readFile(logFile, 'utf8').catch(() => '');
  if (code !== 0) {
    const failure = await readFile(join(outputDir, 'failure'), 'utf8').catch(() => undefined);
    const reason =
      failure !== undefined && failure.trim() !== ''
        ? failure.slice(0, 1024)
        : `AlgorithmError: the training command exited with code ${code ?? 'null (killed)'} and wrote no output/failure`;
    throw new ContainerFailure(reason, code);
  }
  const model = (await tarDirectory(modelDir)) ?? createModelTarGz([]);
  return { model, output: await tarDirectory(join(outputDir, 'data')), log };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running serving container. */
export interface ServingContainer {
  readonly port: number;
  invoke(body: Uint8Array, contentType: string, accept: string | undefined): Promise<Uint8Array>;
  stop(): Promise<void>;
}

/**
 * Extracts the model, starts `<command> serve` on a free loopback port and waits for `/ping`.
 *
 * @throws {Error} when the command exits or is not healthy within `healthTimeoutMs`.
 */
export async function startServingContainer(
  ctx: SageMakerContext,
  command: readonly string[],
  artifact: Uint8Array,
  options: {
    readonly name: string;
    readonly environment: Readonly<Record<string, string>>;
    readonly maxPayloadInMB: number;
    readonly batchStrategy: string;
    readonly healthTimeoutMs?: number;
  },
): Promise<ServingContainer> {
  const root = join(
    ctx.stateDir,
    'sagemaker',
    'containers',
    `transform-${safeName(options.name)}`,
    'opt',
    'ml',
  );
  await rm(root, { recursive: true, force: true });
  const modelDir = join(root, 'model');
  await mkdir(modelDir, { recursive: true });
  const tar = isGzip(artifact) ? gunzip(artifact) : artifact;
  for (const entry of tar.length === 0 ? [] : readTar(tar)) {
    const target = join(modelDir, entry.name.replace(/^(\.\/)+/, ''));
    if (!target.startsWith(modelDir)) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, entry.data);
  }
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...options.environment,
    SM_OPT_ML: root,
    SM_MODEL_DIR: modelDir,
    SAGEMAKER_BIND_TO_PORT: String(port),
    SAGEMAKER_BATCH: 'true',
    SAGEMAKER_MAX_PAYLOAD_IN_MB: String(options.maxPayloadInMB),
    SAGEMAKER_BATCH_STRATEGY: options.batchStrategy === 'SingleRecord' ? 'SINGLE_RECORD' : 'MULTI_RECORD',
    SAGEMAKER_MAX_CONCURRENT_TRANSFORMS: '1',
  };
  const logFile = join(root, '..', 'serving.log');
  const { child, done } = runProcess(command, ['serve'], env, logFile);
  let exited = false;
  done.then(
    () => {
      exited = true;
    },
    () => {
      exited = true;
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.healthTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      const log = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(`the serving command exited before answering /ping: ${log.slice(-500)}`);
    }
    try {
      const response = await fetch(`${base}/ping`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `the serving command did not answer GET /ping with 200 within ${options.healthTimeoutMs ?? 30_000} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    async invoke(body, contentType, accept) {
      const response = await fetch(`${base}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': contentType, ...(accept === undefined ? {} : { Accept: accept }) },
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(600_000),
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (response.status !== 200) {
        throw new InvocationError(
          `the container answered ${response.status}: ${new TextDecoder().decode(bytes).slice(0, 500)}`,
          response.status,
        );
      }
      return bytes;
    },
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await done.catch(() => undefined);
        clearTimeout(timer);
      }
    },
  };
}

/** Whether a path exists (used by tests and the job runner). */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
