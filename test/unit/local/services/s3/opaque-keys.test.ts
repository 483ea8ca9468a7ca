import { mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileObjectStore } from '../../../../../local/services/s3/file-store';
import { type S3Endpoint, startS3Server } from '../../../../../local/services/s3/server';

/** Every file under `dir`, relative to it with `/` separators, sorted. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      relative(dir, join((e as { parentPath?: string; path?: string }).parentPath ?? e.path, e.name))
        .split(sep)
        .join('/'),
    )
    .sort();
}

/** A raw HTTP request with the path sent exactly as given (no URL normalisation). */
function raw(
  url: string,
  method: string,
  path: string,
  body = '',
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, method, path, headers: { 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('the local S3 store keeps keys opaque', () => {
  let parent: string;
  let root: string;
  let store: FileObjectStore;
  let endpoint: S3Endpoint;
  let client: S3Client;

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'sparkmaker-opaque-'));
    root = join(parent, '.sparkmaker');
    store = new FileObjectStore(root);
    await store.createBucket('sparkmaker-data');
    await store.createBucket('sparkmaker-artifacts');
    endpoint = await startS3Server({ store });
    client = new S3Client({
      endpoint: endpoint.url,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await endpoint.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('stores PutObject key x/../../sparkmaker-artifacts/evil inside sparkmaker-data, under its own name', async () => {
    const key = 'x/../../sparkmaker-artifacts/evil';
    await client.send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: key, Body: 'evil' }));

    expect(await tree(join(root, 's3', 'sparkmaker-artifacts'))).toEqual([]);
    const got = await client.send(new GetObjectCommand({ Bucket: 'sparkmaker-data', Key: key }));
    expect(await got.Body?.transformToString()).toBe('evil');
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sparkmaker-data', Prefix: 'x/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual([key]);
    await client.send(new DeleteObjectCommand({ Bucket: 'sparkmaker-data', Key: key }));
    expect(await tree(join(root, 's3', 'sparkmaker-data'))).toEqual([]);
  });

  it('keeps a raw PUT /sparkmaker-data/%2e%2e/%2e%2e/pwned4 as the key ../../pwned4, creating no bucket', async () => {
    const before = await readdir(join(root, 's3'));
    const res = await raw(endpoint.url, 'PUT', '/sparkmaker-data/%2e%2e/%2e%2e/pwned4', 'pwned');

    expect(res.status).toBe(200);
    expect(await readdir(join(root, 's3'))).toEqual(before);
    expect(await readdir(parent)).toEqual(['.sparkmaker']);
    const got = await raw(endpoint.url, 'GET', '/sparkmaker-data/..%2F..%2Fpwned4');
    expect(got).toMatchObject({ status: 200, body: 'pwned' });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sparkmaker-data', Prefix: '../' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['../../pwned4']);
  });

  it('does not resolve a literal /../ in a raw request path either', async () => {
    const res = await raw(endpoint.url, 'PUT', '/sparkmaker-data/a/../../sparkmaker-artifacts/raw', 'x');

    expect(res.status).toBe(200);
    expect(await tree(join(root, 's3', 'sparkmaker-artifacts'))).toEqual([]);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'sparkmaker-data', Prefix: 'a/' }));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['a/../../sparkmaker-artifacts/raw']);
  });

  it('stores a 255-byte key and answers 200 on the first attempt', async () => {
    const key = `k/${'a'.repeat(253)}`;
    expect(Buffer.byteLength(key)).toBe(255);
    const single = `${'b'.repeat(255)}`;

    const put = await client.send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: key, Body: 'x' }));
    const put2 = await client.send(
      new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: single, Body: 'y' }),
    );

    expect(put.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    expect(put2.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 1 });
    const got = await client.send(new GetObjectCommand({ Bucket: 'sparkmaker-data', Key: single }));
    expect(await got.Body?.transformToString()).toBe('y');
  });

  it('stores keys of 256 to 1024 bytes, one long segment or many, and lists them back exactly', async () => {
    const keys = [
      `long/${'é'.repeat(200)}`,
      `long/${'z'.repeat(1019)}`,
      `long/${Array.from({ length: 100 }, (_, i) => `s${i}`).join('/')}`.slice(0, 1024),
    ].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const key of keys) {
      expect(Buffer.byteLength(key)).toBeGreaterThan(255);
      const res = await client.send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: key, Body: key }));
      expect(res.$metadata.httpStatusCode).toBe(200);
    }
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'sparkmaker-data', Prefix: 'long/' }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual(keys);
    for (const key of keys) {
      const got = await client.send(new GetObjectCommand({ Bucket: 'sparkmaker-data', Key: key }));
      expect(await got.Body?.transformToString()).toBe(key);
    }
  });

  it('answers KeyTooLongError for a key over 1024 bytes, without any local path in the message', async () => {
    const key = `x/${'q'.repeat(1023)}`;
    const error = await client
      .send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: key, Body: 'x' }))
      .catch((e: unknown) => e as Error & { $metadata: { httpStatusCode: number } });

    expect(error).toMatchObject({ name: 'KeyTooLongError', $metadata: { httpStatusCode: 400 } });
    expect(String((error as Error).message)).not.toContain(root);
  });

  it('holds object a and object a/b at once, as S3 does', async () => {
    await client.send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash', Body: 'x' }));
    await client.send(new PutObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash/below', Body: 'y' }));

    const a = await client.send(new GetObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash' }));
    const b = await client.send(new GetObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash/below' }));
    expect([await a.Body?.transformToString(), await b.Body?.transformToString()]).toEqual(['x', 'y']);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'sparkmaker-data', Prefix: 'clash' }),
    );
    expect(listed.Contents?.map((c) => c.Key)).toEqual(['clash', 'clash/below']);
    await client.send(new DeleteObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash' }));
    await client.send(new DeleteObjectCommand({ Bucket: 'sparkmaker-data', Key: 'clash/below' }));
    expect(await readdir(join(root, 's3', 'sparkmaker-data'))).not.toContain('clash');
  });

  it('never puts a local path in an error answer, even for an unexpected file-system failure', async () => {
    // A file where the store's temporary folder belongs makes every upload fail inside the store.
    await writeFile(join(root, 's3-tmp-blocker'), '');
    await rm(join(root, 's3-tmp'), { recursive: true, force: true });
    await rename(join(root, 's3-tmp-blocker'), join(root, 's3-tmp'));
    try {
      const res = await raw(endpoint.url, 'PUT', '/sparkmaker-data/any', 'y');

      expect(res.status).toBe(500);
      expect(res.body).toMatch(/^<\?xml[^>]*>\s*<Error[^>]*><Code>InternalError<\/Code><Message>/);
      expect(res.body).not.toContain(parent);
      expect(res.body).not.toContain('s3-tmp');
    } finally {
      await rm(join(root, 's3-tmp'), { force: true });
    }
  });

  it('refuses 192.168.1.1 and xn--abc as bucket names, with InvalidBucketName', async () => {
    for (const bucket of ['192.168.1.1', 'xn--abc', 'sthree-x', 'data-s3alias', 'data--ol-s3', 'a..b']) {
      const res = await raw(endpoint.url, 'PUT', `/${bucket}`);
      expect(res.status, bucket).toBe(400);
      expect(res.body, bucket).toContain('<Code>InvalidBucketName</Code>');
    }
    expect((await readdir(join(root, 's3'))).sort()).toEqual(['sparkmaker-artifacts', 'sparkmaker-data']);
  });

  it('lists keys in UTF-8 binary order, dots and special segments included', async () => {
    await client.send(new CreateBucketCommand({ Bucket: 'order' }));
    const keys = [
      'a/./b',
      'a/b',
      'a//b',
      'a/%e2',
      'a/\u00e9',
      'a/\uffff',
      'a/\u{1f600}',
      'a/..',
      'a/.',
      'a/Z',
      'a/%',
    ];
    for (const key of keys) await client.send(new PutObjectCommand({ Bucket: 'order', Key: key, Body: key }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: 'order' }));
    const expected = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(listed.Contents?.map((c) => c.Key)).toEqual(expected);
    // Plain keys stay plain files a person can open.
    expect(await readFile(join(root, 's3', 'order', 'a', 'b'), 'utf8')).toBe('a/b');
  });
});
