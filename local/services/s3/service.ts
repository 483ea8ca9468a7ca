/**
 * S3 as a runtime plug-in: the REST endpoint over the file store, and the Step Functions
 * integrations that reach S3: the AWS SDK integrations `arn:aws:states:::aws-sdk:s3:listObjectsV2 |
 * getObject | putObject` and the Distributed Map's ItemReader / ResultWriter resources
 * `arn:aws:states:::s3:getObject | listObjectsV2 | putObject`, which the interpreter dispatches
 * through the resource registry like any Task. Answers are PascalCase, dates as ISO strings, as the
 * integrations return them; S3 errors become `S3.<Code>Exception`.
 */
import { type ResourceRegistry, StatesError, type TaskRequest } from '../../asl';
import type { LocalService, OwnEndpoint } from '../service';
import type { FileObjectStore } from './file-store';
import { type S3Endpoint, startS3Server } from './server';

interface ListInput {
  Bucket?: string;
  Prefix?: string;
  Delimiter?: string;
  StartAfter?: string;
  ContinuationToken?: string;
  MaxKeys?: number;
}

/** The Step Functions error for an S3 failure: `S3.NoSuchKeyException`, `S3.NoSuchBucketException`… */
function statesError(error: unknown): StatesError {
  const name = error instanceof Error ? error.name : 'Error';
  return new StatesError(`S3.${name}Exception`, String(error));
}

/** ListObjectsV2 as the integration answers it. */
export async function listObjectsV2(
  store: FileObjectStore,
  input: ListInput,
): Promise<Record<string, unknown>> {
  if (typeof input.Bucket !== 'string') throw new StatesError('S3.ValidationException', 'Bucket is required');
  const maxKeys = typeof input.MaxKeys === 'number' ? input.MaxKeys : 1000;
  try {
    const listed = await store.listObjects(input.Bucket, {
      ...(typeof input.Prefix === 'string' ? { prefix: input.Prefix } : {}),
      ...(typeof input.Delimiter === 'string' ? { delimiter: input.Delimiter } : {}),
      ...(typeof input.StartAfter === 'string' ? { startAfter: input.StartAfter } : {}),
      ...(typeof input.ContinuationToken === 'string' ? { continuationToken: input.ContinuationToken } : {}),
      maxKeys,
    });
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
    throw statesError(error);
  }
}

/** GetObject / PutObject as the integration answers them (Body as UTF-8 text). */
export async function getOrPutObject(
  store: FileObjectStore,
  operation: 'getObject' | 'putObject',
  input: { Bucket?: string; Key?: string; Body?: unknown },
): Promise<Record<string, unknown>> {
  if (typeof input.Bucket !== 'string' || typeof input.Key !== 'string') {
    throw new StatesError('S3.ValidationException', 'Bucket and Key are required');
  }
  try {
    if (operation === 'getObject') {
      const body = await store.getObject(input.Bucket, input.Key);
      const head = await store.headObject(input.Bucket, input.Key);
      return { Body: Buffer.from(body).toString('utf8'), ContentLength: body.length, ETag: head?.etag };
    }
    const body = typeof input.Body === 'string' ? input.Body : JSON.stringify(input.Body ?? '');
    const { etag } = await store.putObject(input.Bucket, input.Key, body);
    return { ETag: etag };
  } catch (error) {
    throw statesError(error);
  }
}

/** Registers the S3 integrations (AWS SDK and Distributed Map ItemReader / ResultWriter) on `registry`. */
export function registerS3Integrations(registry: ResourceRegistry, store: FileObjectStore): void {
  registry.register(/^arn:aws:states:::(aws-sdk:)?s3:listObjectsV2$/, (request: TaskRequest) =>
    listObjectsV2(store, (request.input ?? {}) as ListInput),
  );
  registry.register(/^arn:aws:states:::(aws-sdk:)?s3:(getObject|putObject)$/, (request: TaskRequest) =>
    getOrPutObject(
      store,
      request.resource.endsWith('getObject') ? 'getObject' : 'putObject',
      (request.input ?? {}) as { Bucket?: string; Key?: string; Body?: unknown },
    ),
  );
}

/** The local S3, as a {@link LocalService}. */
export class S3Service implements LocalService {
  readonly name = 's3';
  endpoint?: S3Endpoint;

  constructor(
    readonly store: FileObjectStore,
    private readonly port?: number,
  ) {}

  registerIntegrations(registry: ResourceRegistry): void {
    registerS3Integrations(registry, this.store);
  }

  async listen(): Promise<OwnEndpoint> {
    const endpoint = await startS3Server({
      store: this.store,
      ...(this.port === undefined ? {} : { port: this.port }),
    });
    this.endpoint = endpoint;
    return { url: endpoint.url, endpointVariables: ['AWS_ENDPOINT_URL_S3'], close: () => endpoint.close() };
  }
}
