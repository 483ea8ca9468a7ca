/**
 * Local SageMaker endpoints: the control plane (CreateEndpointConfig, CreateEndpoint,
 * DescribeEndpoint, DeleteEndpoint, DeleteEndpointConfig, ListEndpoints, ListEndpointConfigs,
 * DeleteModel, AddTags / ListTags / DeleteTags) and the hosting behind InvokeEndpoint (SPEC §11.3,
 * §11.4). An endpoint is `Creating` for `createDelayMs`, then loads its model (the model's
 * `PrimaryContainer.ModelDataUrl`, or the model package's) into the container its image names and
 * goes `InService`, or `Failed` with a `FailureReason`. A missing resource answers
 * `ValidationException` with AWS's wording.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadModel } from '../../../shared/model';
import type { ObjectStore } from '../object-store';
import { SageMakerApiError } from '../sagemaker/api-error';
import { parseS3Uri } from '../sagemaker/channels';
import { EndpointStateStore } from './store';
import { type RealtimeContainer, xgboostRealtimeContainer } from './xgboost-realtime';

/** A tag as the SageMaker API carries it. */
export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/** DescribeEndpointConfig as stored. */
export interface EndpointConfigDescription {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  ProductionVariants: Array<Record<string, unknown> & { VariantName: string; ModelName: string }>;
  CreationTime: string;
}

/** DescribeEndpoint as stored. */
export interface EndpointDescription {
  EndpointName: string;
  EndpointArn: string;
  EndpointConfigName: string;
  EndpointStatus: 'Creating' | 'InService' | 'Deleting' | 'Failed';
  FailureReason?: string;
  ProductionVariants?: Array<Record<string, unknown>>;
  CreationTime: string;
  LastModifiedTime: string;
}

/** What the container of a model needs: its image, artifact and environment. */
export interface HostedModel {
  readonly image: string;
  readonly modelDataUrl: string;
  readonly environment: Readonly<Record<string, string>>;
}

/** Builds the in-process container of an algorithm from the model artifact's bytes. */
export type ContainerFactory = (artifact: Uint8Array, model: HostedModel) => RealtimeContainer;

/** The containers by image: the first whose pattern matches the image URI serves it. */
const CONTAINERS: Array<{ algorithm: string; image: RegExp; create: ContainerFactory }> = [
  {
    algorithm: 'xgboost',
    image: /(^|\/)(sagemaker-)?xgboost(:|$)/,
    create: (artifact, model) =>
      xgboostRealtimeContainer(loadModel(artifact, { source: model.modelDataUrl }), model.environment),
  },
];

/** Registers the realtime container of another algorithm (matched on the image URI). */
export function registerRealtimeContainer(algorithm: string, image: RegExp, create: ContainerFactory): void {
  CONTAINERS.unshift({ algorithm, image, create });
}

/** Options of {@link EndpointService}. */
export interface EndpointServiceOptions {
  readonly store: ObjectStore;
  readonly stateDir: string;
  /** The SageMaker API of the local service (DescribeModel, DescribeModelPackage). */
  readonly sageMakerApi: (operation: string, input: object) => Promise<object>;
  /** How long an endpoint stays `Creating` (default 1000 ms). */
  readonly createDelayMs?: number;
  readonly region?: string;
  readonly accountId?: string;
  readonly now?: () => Date;
}

/** The endpoint operations the JSON API routes here. */
export const ENDPOINT_OPERATIONS = [
  'CreateEndpointConfig',
  'DescribeEndpointConfig',
  'DeleteEndpointConfig',
  'ListEndpointConfigs',
  'CreateEndpoint',
  'DescribeEndpoint',
  'DeleteEndpoint',
  'ListEndpoints',
  'DeleteModel',
  'ListModels',
  'AddTags',
  'ListTags',
  'DeleteTags',
] as const;

function asObject(input: unknown): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new SageMakerApiError('ValidationException', 'the request must be a JSON object');
  }
  return input as Record<string, unknown>;
}

const NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

function requireName(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (!NAME.test(value)) {
    throw new SageMakerApiError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`,
    );
  }
  return value;
}

function checkTags(value: unknown): Tag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new SageMakerApiError('ValidationException', 'Tags must be a list');
  return value.map((t, i) => {
    const tag = t as { Key?: unknown; Value?: unknown };
    if (typeof tag.Key !== 'string' || tag.Key === '' || tag.Key.length > 128) {
      throw new SageMakerApiError('ValidationException', `Tags[${i}].Key must be 1-128 characters`);
    }
    const v = typeof tag.Value === 'string' ? tag.Value : '';
    if (v.length > 256)
      throw new SageMakerApiError('ValidationException', `Tags[${i}].Value is over 256 characters`);
    return { Key: tag.Key, Value: v };
  });
}

/** The local endpoints. */
export class EndpointService {
  private readonly state: EndpointStateStore;
  private readonly region: string;
  private readonly account: string;
  private readonly now: () => Date;
  private readonly hosted = new Map<string, RealtimeContainer>();
  private readonly pending = new Map<string, Promise<void>>();
  private readonly cancelled = new Set<string>();

  constructor(private readonly options: EndpointServiceOptions) {
    this.state = new EndpointStateStore(options.stateDir);
    this.region = options.region ?? 'us-east-1';
    this.account = options.accountId ?? '000000000000';
    this.now = options.now ?? (() => new Date());
  }

  /** `arn:aws:sagemaker:<region>:<account>:<type>/<name>` (names lower-cased, as AWS does). */
  arn(type: string, name: string): string {
    return `arn:aws:sagemaker:${this.region}:${this.account}:${type}/${name.toLowerCase()}`;
  }

  /** Whether {@link api} answers this operation. */
  handles(operation: string): boolean {
    return (ENDPOINT_OPERATIONS as readonly string[]).includes(operation);
  }

  /** Answers one operation; dates as ISO strings (the caller renders them). */
  async api(operation: string, input: unknown): Promise<object> {
    const request = asObject(input);
    switch (operation) {
      case 'CreateEndpointConfig':
        return this.createEndpointConfig(request);
      case 'DescribeEndpointConfig':
        return this.describeEndpointConfig(requireName(request.EndpointConfigName, 'endpointConfigName'));
      case 'DeleteEndpointConfig': {
        const name = requireName(request.EndpointConfigName, 'endpointConfigName');
        const config = await this.describeEndpointConfig(name);
        await this.state.remove('endpoint-configs', name);
        await this.state.updateTags(config.EndpointConfigArn, () => []);
        return {};
      }
      case 'ListEndpointConfigs': {
        const configs = await this.state.list<EndpointConfigDescription>('endpoint-configs');
        return {
          EndpointConfigs: configs
            .filter(
              (c) =>
                typeof request.NameContains !== 'string' ||
                c.EndpointConfigName.includes(request.NameContains),
            )
            .map((c) => ({
              EndpointConfigName: c.EndpointConfigName,
              EndpointConfigArn: c.EndpointConfigArn,
              CreationTime: c.CreationTime,
            })),
        };
      }
      case 'CreateEndpoint':
        return this.createEndpoint(request);
      case 'DescribeEndpoint':
        return this.describeEndpoint(requireName(request.EndpointName, 'endpointName'));
      case 'DeleteEndpoint':
        await this.deleteEndpoint(requireName(request.EndpointName, 'endpointName'));
        return {};
      case 'ListEndpoints':
        return { Endpoints: await this.listEndpoints(request) };
      case 'DeleteModel': {
        const name = requireName(request.ModelName, 'modelName');
        const model = (await this.options.sageMakerApi('DescribeModel', { ModelName: name })) as {
          ModelArn: string;
        };
        await this.state.remove('models', name);
        await this.state.updateTags(model.ModelArn, () => []);
        return {};
      }
      case 'ListModels': {
        const models = await this.state.list<{ ModelName: string; ModelArn: string; CreationTime: string }>(
          'models',
        );
        return {
          Models: models
            .filter(
              (m) => typeof request.NameContains !== 'string' || m.ModelName.includes(request.NameContains),
            )
            .map((m) => ({ ModelName: m.ModelName, ModelArn: m.ModelArn, CreationTime: m.CreationTime })),
        };
      }
      case 'AddTags': {
        const arn = String(request.ResourceArn ?? '');
        const tags = checkTags(request.Tags);
        await this.state.updateTags(arn, (old) => [
          ...old.filter((t) => !tags.some((n) => n.Key === t.Key)),
          ...tags,
        ]);
        return { Tags: tags };
      }
      case 'ListTags': {
        const all = await this.state.allTags();
        return { Tags: all[String(request.ResourceArn ?? '')] ?? [] };
      }
      case 'DeleteTags': {
        const keys = Array.isArray(request.TagKeys) ? request.TagKeys.map(String) : [];
        await this.state.updateTags(String(request.ResourceArn ?? ''), (old) =>
          old.filter((t) => !keys.includes(t.Key)),
        );
        return {};
      }
      default:
        throw new SageMakerApiError(
          'UnknownOperationException',
          `The operation ${operation} is not supported`,
        );
    }
  }

  private async createEndpointConfig(request: Record<string, unknown>): Promise<object> {
    const name = requireName(request.EndpointConfigName, 'endpointConfigName');
    const arn = this.arn('endpoint-config', name);
    if ((await this.state.get('endpoint-configs', name)) !== undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `Cannot create already existing endpoint configuration "${arn}".`,
      );
    }
    const variants = request.ProductionVariants;
    if (!Array.isArray(variants) || variants.length < 1 || variants.length > 10) {
      throw new SageMakerApiError(
        'ValidationException',
        "1 validation error detected: Value at 'productionVariants' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    }
    const checked = [];
    for (const [i, raw] of variants.entries()) {
      const v = asObject(raw);
      const variantName = requireName(v.VariantName, `productionVariants.${i + 1}.member.variantName`);
      const modelName = requireName(v.ModelName, `productionVariants.${i + 1}.member.modelName`);
      await this.options.sageMakerApi('DescribeModel', { ModelName: modelName });
      checked.push({ ...v, VariantName: variantName, ModelName: modelName });
    }
    const tags = checkTags(request.Tags);
    const config: EndpointConfigDescription = {
      EndpointConfigName: name,
      EndpointConfigArn: arn,
      ProductionVariants: checked,
      CreationTime: this.now().toISOString(),
    };
    await this.state.put('endpoint-configs', name, config);
    if (tags.length > 0) await this.state.updateTags(arn, () => tags);
    return { EndpointConfigArn: arn };
  }

  private async describeEndpointConfig(name: string): Promise<EndpointConfigDescription> {
    const config = await this.state.get<EndpointConfigDescription>('endpoint-configs', name);
    if (config === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `Could not find endpoint configuration "${this.arn('endpoint-config', name)}".`,
      );
    }
    return config;
  }

  private async createEndpoint(request: Record<string, unknown>): Promise<object> {
    const name = requireName(request.EndpointName, 'endpointName');
    const configName = requireName(request.EndpointConfigName, 'endpointConfigName');
    const arn = this.arn('endpoint', name);
    if ((await this.state.get('endpoints', name)) !== undefined) {
      throw new SageMakerApiError('ValidationException', `Cannot create already existing endpoint "${arn}".`);
    }
    await this.describeEndpointConfig(configName);
    const tags = checkTags(request.Tags);
    const now = this.now().toISOString();
    const endpoint: EndpointDescription = {
      EndpointName: name,
      EndpointArn: arn,
      EndpointConfigName: configName,
      EndpointStatus: 'Creating',
      CreationTime: now,
      LastModifiedTime: now,
    };
    await this.state.put('endpoints', name, endpoint);
    if (tags.length > 0) await this.state.updateTags(arn, () => tags);
    this.cancelled.delete(name);
    this.host(endpoint, this.options.createDelayMs ?? 1000);
    return { EndpointArn: arn };
  }

  /** Loads the endpoint's model after `delayMs` and marks it InService (or Failed). */
  private host(endpoint: EndpointDescription, delayMs: number): void {
    const name = endpoint.EndpointName;
    const run = (async () => {
      if (delayMs > 0) await sleep(delayMs, undefined, { ref: false });
      if (this.cancelled.has(name)) return;
      let status: EndpointDescription['EndpointStatus'] = 'InService';
      let failure: string | undefined;
      let variants: Array<Record<string, unknown>> = [];
      try {
        const config = await this.describeEndpointConfig(endpoint.EndpointConfigName);
        const variant = config.ProductionVariants[0]!;
        const model = await this.hostedModel(variant.ModelName);
        const container = CONTAINERS.find((c) => c.image.test(model.image));
        if (container === undefined) {
          throw new Error(
            `The image '${model.image}' has no local container; the offline runtime serves ${CONTAINERS.map((c) => c.algorithm).join(', ')} images`,
          );
        }
        const { bucket, key } = parseS3Uri(model.modelDataUrl);
        const artifact = await this.options.store.getObject(bucket, key).catch((error: unknown) => {
          throw new Error(
            `Could not download the model data from ${model.modelDataUrl}: ${(error as Error).message}`,
          );
        });
        const served = container.create(artifact, model);
        if (this.cancelled.has(name)) return;
        this.hosted.set(name, served);
        variants = [
          {
            VariantName: variant.VariantName,
            DeployedImages: [{ SpecifiedImage: model.image, ResolvedImage: model.image }],
            CurrentWeight: 1,
            DesiredWeight: 1,
            CurrentInstanceCount: Number(variant.InitialInstanceCount ?? 1),
            DesiredInstanceCount: Number(variant.InitialInstanceCount ?? 1),
          },
        ];
      } catch (error) {
        status = 'Failed';
        failure = (error instanceof Error ? error.message : String(error)).slice(0, 1024);
      }
      const current = await this.state.get<EndpointDescription>('endpoints', name);
      if (current === undefined || this.cancelled.has(name)) return;
      await this.state.put('endpoints', name, {
        ...current,
        EndpointStatus: status,
        ...(failure === undefined ? {} : { FailureReason: failure }),
        ...(variants.length === 0 ? {} : { ProductionVariants: variants }),
        LastModifiedTime: this.now().toISOString(),
      });
    })().finally(() => this.pending.delete(name));
    this.pending.set(name, run);
  }

  private async hostedModel(modelName: string): Promise<HostedModel> {
    const model = (await this.options.sageMakerApi('DescribeModel', { ModelName: modelName })) as {
      PrimaryContainer?: {
        Image?: string;
        ModelDataUrl?: string;
        ModelPackageName?: string;
        Environment?: Record<string, string>;
      };
    };
    const container = model.PrimaryContainer ?? {};
    if (container.ModelPackageName !== undefined) {
      const pkg = (await this.options.sageMakerApi('DescribeModelPackage', {
        ModelPackageName: container.ModelPackageName,
      })) as {
        InferenceSpecification?: {
          Containers?: Array<{ Image?: string; ModelDataUrl?: string; Environment?: Record<string, string> }>;
        };
      };
      const first = pkg.InferenceSpecification?.Containers?.[0];
      if (first?.Image === undefined || first.ModelDataUrl === undefined) {
        throw new Error(
          `The model package ${container.ModelPackageName} has no container image and model data`,
        );
      }
      return {
        image: first.Image,
        modelDataUrl: first.ModelDataUrl,
        environment: { ...(first.Environment ?? {}), ...(container.Environment ?? {}) },
      };
    }
    if (container.Image === undefined || container.ModelDataUrl === undefined) {
      throw new Error(`The model ${modelName} has no PrimaryContainer.Image and ModelDataUrl`);
    }
    return {
      image: container.Image,
      modelDataUrl: container.ModelDataUrl,
      environment: container.Environment ?? {},
    };
  }

  private async describeEndpoint(name: string): Promise<EndpointDescription> {
    const endpoint = await this.state.get<EndpointDescription>('endpoints', name);
    if (endpoint === undefined) {
      throw new SageMakerApiError(
        'ValidationException',
        `Could not find endpoint "${this.arn('endpoint', name)}".`,
      );
    }
    return endpoint;
  }

  private async deleteEndpoint(name: string): Promise<void> {
    const endpoint = await this.describeEndpoint(name);
    this.cancelled.add(name);
    this.hosted.delete(name);
    await this.state.remove('endpoints', name);
    await this.state.updateTags(endpoint.EndpointArn, () => []);
  }

  private async listEndpoints(request: Record<string, unknown>): Promise<object[]> {
    const all = await this.state.list<EndpointDescription>('endpoints');
    return all
      .filter(
        (e) => typeof request.NameContains !== 'string' || e.EndpointName.includes(request.NameContains),
      )
      .filter((e) => typeof request.StatusEquals !== 'string' || e.EndpointStatus === request.StatusEquals)
      .sort((a, b) => b.CreationTime.localeCompare(a.CreationTime))
      .map((e) => ({
        EndpointName: e.EndpointName,
        EndpointArn: e.EndpointArn,
        CreationTime: e.CreationTime,
        LastModifiedTime: e.LastModifiedTime,
        EndpointStatus: e.EndpointStatus,
      }));
  }

  /** Hosts again the endpoints a previous process left InService or Creating (at start-up). */
  async restore(): Promise<void> {
    for (const endpoint of await this.state.list<EndpointDescription>('endpoints')) {
      if (endpoint.EndpointStatus === 'InService' || endpoint.EndpointStatus === 'Creating') {
        this.host(
          endpoint,
          endpoint.EndpointStatus === 'Creating' ? (this.options.createDelayMs ?? 1000) : 0,
        );
      }
    }
  }

  /** The container serving an endpoint, or why there is none. */
  async container(name: string): Promise<RealtimeContainer | { status: string | undefined }> {
    const served = this.hosted.get(name);
    if (served !== undefined) return served;
    const endpoint = await this.state.get<EndpointDescription>('endpoints', name);
    return { status: endpoint?.EndpointStatus };
  }

  /** Every endpoint (the CLI and the end-of-run summary). */
  async endpoints(): Promise<EndpointDescription[]> {
    return this.state.list<EndpointDescription>('endpoints');
  }

  /** The tags of a resource. */
  async tagsOf(arn: string): Promise<Tag[]> {
    return (await this.state.allTags())[arn] ?? [];
  }

  /** Resolves when no endpoint is being created. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending.values()]);
  }
}
