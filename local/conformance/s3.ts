/**
 * The S3 integrations a Distributed Map's ItemReader and ResultWriter call
 * (`arn:aws:states:::s3:getObject`, `…:s3:listObjectsV2`, `…:s3:putObject`), over an object store,
 * with the S3 API's request and response shapes. The conformance runner (and tests, and the ASL
 * bench) register them; the offline runtime serves the same ARNs from its own S3 service.
 */
import type { ResourceRegistry, TaskRequest } from '../asl';
import type { ObjectStore } from '../services/object-store';

type Json = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function bucketAndKey(request: TaskRequest): { input: Json; bucket: string; key: string } {
  const input = (request.input ?? {}) as Json;
  return { input, bucket: String(input.Bucket ?? ''), key: String(input.Key ?? '') };
}

/**
 * Registers `s3:getObject` (Body as UTF-8 text), `s3:listObjectsV2` (one page per call, with
 * ContinuationToken) and `s3:putObject` on `registry`, backed by `store`.
 *
 * @example
 * registerS3Integrations(registry, new MemoryObjectStore());
 */
export function registerS3Integrations(registry: ResourceRegistry, store: ObjectStore): ResourceRegistry {
  registry.register(/^arn:[^:]+:states:::s3:getObject$/, async (request) => {
    const { bucket, key } = bucketAndKey(request);
    const body = await store.getObject(bucket, key);
    return { Body: new TextDecoder().decode(body), ContentLength: body.length };
  });
  registry.register(/^arn:[^:]+:states:::s3:putObject$/, async (request) => {
    const { input, bucket, key } = bucketAndKey(request);
    const body = typeof input.Body === 'string' ? input.Body : JSON.stringify(input.Body ?? null);
    const { etag } = await store.putObject(bucket, key, body);
    return { ETag: etag };
  });
  registry.register(/^arn:[^:]+:states:::s3:listObjectsV2$/, async (request) => {
    const { input, bucket } = bucketAndKey(request);
    const options = {
      prefix: str(input.Prefix),
      delimiter: str(input.Delimiter),
      startAfter: str(input.StartAfter),
      continuationToken: str(input.ContinuationToken),
    };
    const page = await store.listObjects(
      bucket,
      Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    );
    return {
      Contents: page.objects.map((o) => ({
        ETag: o.etag,
        Key: o.key,
        LastModified: o.lastModified.toISOString(),
        Size: o.size,
        StorageClass: o.storageClass,
      })),
      IsTruncated: page.isTruncated,
      ...(page.nextContinuationToken !== undefined
        ? { NextContinuationToken: page.nextContinuationToken }
        : {}),
    };
  });
  return registry;
}
