import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore, type ObjectCreated } from '../../../../../local/services/s3/file-store';
import { type S3Endpoint, startS3Server } from '../../../../../local/services/s3/server';

const md5 = (bytes: Uint8Array | string) => createHash('md5').update(bytes).digest('hex');

describe('the local S3 endpoint driven by @aws-sdk/client-s3', () => {
  let root: string;
  let store: FileObjectStore;
  let endpoint: S3Endpoint;
  let client: S3Client;
  const events: ObjectCreated[] = [];
  const requests: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sparkmaker-s3-'));
    store = new FileObjectStore(root);
    store.onObjectCreated((event) => events.push(event));
    endpoint = await startS3Server({ store });
    endpoint.server.prependListener('request', (req) => requests.push(req.headers));
    client = new S3Client({
      endpoint: endpoint.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await client.send(new CreateBucketCommand({ Bucket: 'data' }));
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
    await rm(root, { recursive: true, force: true });
  });

  it('creates, heads and lists buckets, and refuses to create one twice', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'other-bucket' }));

    const head = await client.send(new HeadBucketCommand({ Bucket: 'other-bucket' }));
    const list = await client.send(new ListBucketsCommand({}));
    const again = client.send(new CreateBucketCommand({ Bucket: 'other-bucket' })).catch((e: unknown) => e);
    const missing = client.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })).catch((e: unknown) => e);

    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(list.Buckets?.map((b) => b.Name)).toEqual(['data', 'other-bucket']);
    expect(await again).toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    expect(await missing).toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('stores a put object as a plain file with its MD5 ETag, metadata and content type', async () => {
    const body = 'customer_id,churned\nc1,1\n';

    const put = await client.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'incoming/my file.csv',
        Body: body,
        ContentType: 'text/csv',
        Metadata: { origin: 'test' },
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'data', Key: 'incoming/my file.csv' }));
    const got = await client.send(new GetObjectCommand({ Bucket: 'data', Key: 'incoming/my file.csv' }));

    expect(put.ETag).toBe(`"${md5(body)}"`);
    expect(await readFile(join(root, 's3', 'data', 'incoming', 'my file.csv'), 'utf8')).toBe(body);
    expect(head).toMatchObject({
      ContentLength: body.length,
      ContentType: 'text/csv',
      Metadata: { origin: 'test' },
    });
    expect(await got.Body?.transformToString()).toBe(body);
    expect(events.at(-1)).toMatchObject({
      bucket: 'data',
      key: 'incoming/my file.csv',
      size: body.length,
      etag: md5(body),
      reason: 'PutObject',
    });
  });

  it('decodes a streamed aws-chunked upload with a trailing CRC32 checksum', async () => {
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.alloc(4096, i));
    const expected = Buffer.concat(chunks);
    requests.length = 0;

    await client.send(
      new PutObjectCommand({
        Bucket: 'data',
        Key: 'streamed.bin',
        Body: Readable.from(chunks),
        ContentLength: expected.length,
      }),
    );

    const put = requests.find((h) => h['x-amz-decoded-content-length'] !== undefined);
    expect(put?.['content-encoding']).toContain('aws-chunked');
    expect(put?.['x-amz-trailer']).toMatch(/^x-amz-checksum-/);
    expect(md5(await readFile(join(root, 's3', 'data', 'streamed.bin')))).toBe(md5(expected));
  });

  it('refuses an upload whose checksum does not match its bytes with BadDigest', async () => {
    const put = await client
      .send(
        new PutObjectCommand({ Bucket: 'data', Key: 'bad.txt', Body: 'hello', ChecksumCRC32: 'AAAAAA==' }),
      )
      .catch((e: unknown) => e);

    expect(put).toMatchObject({ name: 'BadDigest' });
    expect(await stat(join(root, 's3', 'data', 'bad.txt')).catch(() => undefined)).toBeUndefined();
  });

  it('serves byte ranges, including open-ended and suffix ranges', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'data', Key: 'range.txt', Body: '0123456789' }));

    const middle = await client.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=2-5' }),
    );
    const tail = await client.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=7-' }),
    );
    const suffix = await client.send(
      new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=-3' }),
    );
    const beyond = client
      .send(new GetObjectCommand({ Bucket: 'data', Key: 'range.txt', Range: 'bytes=20-30' }))
      .catch((e: unknown) => e);

    expect(await middle.Body?.transformToString()).toBe('2345');
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    expect(await tail.Body?.transformToString()).toBe('789');
    expect(await suffix.Body?.transformToString()).toBe('789');
    expect(await beyond).toMatchObject({ name: 'InvalidRange' });
  });

  it('reports NoSuchKey and NoSuchBucket as S3 does', async () => {
    const key = await client
      .send(new GetObjectCommand({ Bucket: 'data', Key: 'nope.txt' }))
      .catch((e: unknown) => e);
    const bucket = await client
      .send(new PutObjectCommand({ Bucket: 'nope-bucket', Key: 'a', Body: 'x' }))
      .catch((e: unknown) => e);
    const head = await client
      .send(new HeadObjectCommand({ Bucket: 'data', Key: 'nope.txt' }))
      .catch((e: unknown) => e);

    expect(key).toMatchObject({ name: 'NoSuchKey' });
    expect(bucket).toMatchObject({ name: 'NoSuchBucket' });
    expect(head).toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('copies an object with its metadata and announces the copy', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: 'data', Key: 'src/a b.txt', Body: 'copy me', Metadata: { k: 'v' } }),
    );

    const copy = await client.send(
      new CopyObjectCommand({
        Bucket: 'data',
        Key: 'dst/a b.txt',
        CopySource: `data/${encodeURIComponent('src/a b.txt')}`,
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: 'data', Key: 'dst/a b.txt' }));

    expect(copy.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
    expect(head.Metadata).toEqual({ k: 'v' });
    expect(events.at(-1)).toMatchObject({ key: 'dst/a b.txt', reason: 'CopyObject' });
  });

  it('deletes one object, then several at once, removing the emptied folders', async () => {
    for (const key of ['del/one.txt', 'del/x/two.txt', 'del/x/three.txt']) {
      await client.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: key }));
    }

    await client.send(new DeleteObjectCommand({ Bucket: 'data', Key: 'del/one.txt' }));
    const many = await client.send(
      new DeleteObjectsCommand({
        Bucket: 'data',
        Delete: { Objects: [{ Key: 'del/x/two.txt' }, { Key: 'del/x/three.txt' }] },
      }),
    );
    const left = await client.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'del/' }));

    expect(many.Deleted?.map((d) => d.Key)).toEqual(['del/x/two.txt', 'del/x/three.txt']);
    expect(left.KeyCount).toBe(0);
    expect(await stat(join(root, 's3', 'data', 'del')).catch(() => undefined)).toBeUndefined();
  });

  it('lists with prefix, delimiter, max-keys, continuation tokens and start-after', async () => {
    const keys = ['list/a.txt', 'list/b/1.txt', 'list/b/2.txt', 'list/c.txt', 'list/d/1.txt', 'list/e.txt'];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'data', Key: key, Body: key }));

    const all = await client.send(new ListObjectsV2Command({ Bucket: 'data', Prefix: 'list/' }));
    const folders = await client.send(
      new ListObjectsV2Command({ Bucket: 'data', Prefix: 'list/', Delimiter: '/' }),
    );
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: 'data',
          Prefix: 'list/',
          Delimiter: '/',
          MaxKeys: 2,
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
      pages.push([
        ...(page.Contents ?? []).map((c) => c.Key!),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
      ]);
      token = page.NextContinuationToken;
    } while (token !== undefined);
    const after = await client.send(
      new ListObjectsV2Command({ Bucket: 'data', Prefix: 'list/', StartAfter: 'list/c.txt' }),
    );

    expect(all.Contents?.map((c) => c.Key)).toEqual(keys);
    expect(all.Contents?.[0]?.ETag).toBe(`"${md5('list/a.txt')}"`);
    expect(folders.Contents?.map((c) => c.Key)).toEqual(['list/a.txt', 'list/c.txt', 'list/e.txt']);
    expect(folders.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/b/', 'list/d/']);
    expect(pages.map((p) => p.sort())).toEqual([
      ['list/a.txt', 'list/b/'],
      ['list/c.txt', 'list/d/'],
      ['list/e.txt'],
    ]);
    expect(after.Contents?.map((c) => c.Key)).toEqual(['list/d/1.txt', 'list/e.txt']);
  });

  it('assembles a multipart upload over 5 MiB made by lib-storage, with an "<md5>-<parts>" ETag', async () => {
    const part = 5 * 1024 * 1024;
    const body = Buffer.alloc(2 * part + 1234);
    for (let i = 0; i < body.length; i += 4096) body[i] = (i / 4096) % 251;
    const digests = [body.subarray(0, part), body.subarray(part, 2 * part), body.subarray(2 * part)].map(
      (b) => createHash('md5').update(b).digest(),
    );

    const result = await new Upload({
      client,
      params: { Bucket: 'data', Key: 'big/file.bin', Body: body },
      partSize: part,
      queueSize: 2,
    }).done();

    expect(result.ETag).toBe(`"${md5(Buffer.concat(digests))}-3"`);
    expect(md5(await readFile(join(root, 's3', 'data', 'big', 'file.bin')))).toBe(md5(body));
    expect(events.at(-1)).toMatchObject({
      key: 'big/file.bin',
      size: body.length,
      reason: 'CompleteMultipartUpload',
    });
  });

  it('aborts a multipart upload, after which its parts are refused', async () => {
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: 'data', Key: 'aborted.bin' }),
    );
    await client.send(
      new UploadPartCommand({ Bucket: 'data', Key: 'aborted.bin', UploadId, PartNumber: 1, Body: 'part' }),
    );

    await client.send(new AbortMultipartUploadCommand({ Bucket: 'data', Key: 'aborted.bin', UploadId }));
    const late = await client
      .send(
        new UploadPartCommand({ Bucket: 'data', Key: 'aborted.bin', UploadId, PartNumber: 2, Body: 'late' }),
      )
      .catch((e: unknown) => e);
    const head = await client
      .send(new HeadObjectCommand({ Bucket: 'data', Key: 'aborted.bin' }))
      .catch((e: unknown) => e);

    expect(late).toMatchObject({ name: 'NoSuchUpload' });
    expect(head).toMatchObject({ name: 'NotFound' });
  });

  it('addresses buckets by virtual host as <bucket>.localhost', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: endpoint.port,
          path: '/range.txt',
          headers: { host: `data.localhost:${endpoint.port}` },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.end();
    });

    expect(text).toBe('0123456789');
  });
});
