import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { MemoryObjectStore } from '../../../local/services/object-store';

function notFound(name: 'NoSuchKey' | 'NotFound'): Error {
  return Object.assign(new Error(name === 'NoSuchKey' ? 'The specified key does not exist.' : 'Not Found'), {
    name,
    $metadata: { httpStatusCode: 404 },
  });
}

function bytesOf(body: unknown): Uint8Array {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  throw new Error('the S3 fake accepts string or Uint8Array bodies');
}

/**
 * An aws-sdk-client-mock S3 stub whose commands act on a {@link MemoryObjectStore}, so a handler test
 * exercises real reads, ranged reads, listings and writes. Returns the stub (to add failures) and
 * the store (to seed inputs and inspect outputs).
 */
export function fakeS3(): {
  s3: AwsClientStub<S3Client>;
  store: MemoryObjectStore;
  text: (b: string, k: string) => Promise<string>;
} {
  const store = new MemoryObjectStore();
  const uploads = new Map<string, Uint8Array[]>();
  const s3 = mockClient(S3Client);
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const info = await store.headObject(input.Bucket, input.Key).catch(() => undefined);
    if (info === undefined) throw notFound('NoSuchKey');
    const match = /^bytes=(\d+)-(\d*)$/.exec(input.Range ?? '');
    const range =
      match === null
        ? undefined
        : { start: Number(match[1]), ...(match[2] ? { end: Number(match[2]) } : {}) };
    const body = await store.getObject(input.Bucket, input.Key, range);
    return { Body: Readable.from([Buffer.from(body)]) as never, ContentLength: body.length, ETag: info.etag };
  });
  s3.on(HeadObjectCommand).callsFake(async (input) => {
    const info = await store.headObject(input.Bucket, input.Key).catch(() => undefined);
    if (info === undefined) throw notFound('NotFound');
    return { ContentLength: info.size, ETag: info.etag };
  });
  s3.on(PutObjectCommand).callsFake(async (input) => {
    const { etag } = await store.putObject(input.Bucket, input.Key, bytesOf(input.Body));
    return { ETag: etag };
  });
  s3.on(CopyObjectCommand).callsFake(async (input) => {
    const source = decodeURIComponent(String(input.CopySource));
    const slash = source.indexOf('/');
    const [bucket, key] = [source.slice(0, slash), source.slice(slash + 1)];
    if ((await store.headObject(bucket, key).catch(() => undefined)) === undefined)
      throw notFound('NoSuchKey');
    const { etag } = await store.putObject(input.Bucket, input.Key, await store.getObject(bucket, key));
    return { CopyObjectResult: { ETag: etag } };
  });
  s3.on(DeleteObjectCommand).callsFake(async (input) => {
    await store.deleteObject(input.Bucket, input.Key).catch(() => undefined);
    return {};
  });
  s3.on(ListObjectsV2Command).callsFake(async (input) => {
    const page = await store.listObjects(input.Bucket, {
      prefix: input.Prefix ?? '',
      maxKeys: input.MaxKeys ?? 2,
      ...(input.ContinuationToken === undefined ? {} : { continuationToken: input.ContinuationToken }),
    });
    return {
      Contents: page.objects.map((o) => ({ Key: o.key, Size: o.size, ETag: o.etag })),
      IsTruncated: page.isTruncated,
      ...(page.nextContinuationToken === undefined
        ? {}
        : { NextContinuationToken: page.nextContinuationToken }),
    };
  });
  s3.on(CreateMultipartUploadCommand).callsFake(async (input) => {
    const id = `upload-${uploads.size + 1}`;
    uploads.set(id, []);
    return { UploadId: id, Bucket: input.Bucket, Key: input.Key };
  });
  s3.on(UploadPartCommand).callsFake(async (input) => {
    const parts = uploads.get(input.UploadId ?? '');
    if (parts === undefined) throw Object.assign(new Error('NoSuchUpload'), { name: 'NoSuchUpload' });
    parts[(input.PartNumber ?? 1) - 1] = bytesOf(input.Body);
    return { ETag: `"part-${input.PartNumber}"` };
  });
  s3.on(CompleteMultipartUploadCommand).callsFake(async (input) => {
    const parts = uploads.get(input.UploadId ?? '') ?? [];
    uploads.delete(input.UploadId ?? '');
    const { etag } = await store.putObject(input.Bucket, input.Key, Buffer.concat(parts));
    return { ETag: etag };
  });
  s3.on(AbortMultipartUploadCommand).callsFake(async (input) => {
    uploads.delete(input.UploadId ?? '');
    return {};
  });
  const text = async (bucket: string, key: string): Promise<string> =>
    new TextDecoder().decode(await store.getObject(bucket, key));
  return { s3, store, text };
}

/** An error shaped like an SDK throttling error. */
export function throttling(name = 'SlowDown'): Error {
  return Object.assign(new Error('Please reduce your request rate.'), {
    name,
    $metadata: { httpStatusCode: 503 },
    $retryable: { throttling: true },
  });
}
