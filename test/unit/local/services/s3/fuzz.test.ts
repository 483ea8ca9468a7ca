/**
 * Fuzz: 10,000 random keys, bucket names and s3:// URIs (unicode, `.`/`..`, `%2e`, `//`, long
 * segments) thrown at the location parser and the local S3 store, over raw HTTP and the SDK. Nothing
 * may be written or deleted outside a bucket's folder, every answer must be a well-formed S3 success
 * or error (never a 5xx, never a local path), and the store must hold exactly what a model of S3 says.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareKeys, FileObjectStore } from '../../../../../local/services/s3/file-store';
import { type S3Endpoint, startS3Server } from '../../../../../local/services/s3/server';
import { InputValidationError } from '../../../../../shared/errors';
import { dotSegment, isValidBucketName, parseS3Uri } from '../../../../../shared/s3/uri';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const PARSER_RUNS = 6_000;
const HTTP_RUNS = 3_000;
const SDK_RUNS = 1_000;
const BUCKETS = ['fuzz-a', 'fuzz-b'] as const;

const segment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '.',
      '..',
      '...',
      '%2e',
      '%2E%2e',
      '.%2e',
      '',
      '%',
      '%e',
      '%h',
      '%o',
      '%m',
      '%n',
      'a',
      'b',
      'fuzz-b',
      'sparkmaker-artifacts',
      '~',
      ' ',
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer({ min: 190, max: 320 }).map((n) => 'L'.repeat(n)) },
  { weight: 1, arbitrary: fc.integer({ min: 60, max: 140 }).map((n) => 'é'.repeat(n)) },
);
const key = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([segments, folder]) => segments.join('/') + (folder ? '/' : ''))
  .filter((k) => k.length > 0 && !/\p{Surrogate}/u.test(k));
const bucket = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...BUCKETS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '..',
      '.',
      '%2e%2e',
      '192.168.1.1',
      'xn--abc',
      'ab',
      'Fuzz-A',
      'fuzz-a-s3alias',
      'fuzz..a',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

/** A raw request path: each key segment percent-encoded in full, or with `%` and dots left raw. */
const encoding = fc.constantFrom('full', 'raw');
function pathSegment(text: string, how: string): string {
  if (how === 'full') return encodeURIComponent(text);
  return text.replace(/[^A-Za-z0-9._~%!$&'()*+,;=:@-]/gu, (c) => encodeURIComponent(c));
}

interface Answer {
  status: number;
  body: string;
}

describe('the local S3 store and the location parser under fuzzing', () => {
  let parent: string;
  let root: string;
  let canary: string;
  let endpoint: S3Endpoint;
  let client: S3Client;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  /** What S3 would hold: bucket → key → body (folder-marker keys hold no body locally). */
  const model = new Map<string, Map<string, string>>(BUCKETS.map((b) => [b, new Map()]));

  async function snapshot(dir: string): Promise<string[]> {
    const entries = await readdir(dir, { recursive: true, withFileTypes: true });
    const out: string[] = [];
    for (const e of entries) {
      const full = join((e as { parentPath?: string; path?: string }).parentPath ?? e.path, e.name);
      const rel = relative(dir, full).split(sep).join('/');
      if (rel === '.sparkmaker' || rel.startsWith('.sparkmaker/')) continue;
      out.push(
        e.isFile()
          ? `${rel} ${createHash('md5')
              .update(await readFile(full))
              .digest('hex')}`
          : `${rel}/`,
      );
    }
    return out.sort();
  }

  function send(method: string, path: string, body = ''): Promise<Answer> {
    const { hostname, port } = new URL(endpoint.url);
    return new Promise((resolve, reject) => {
      const req = request(
        { host: hostname, port, method, path, agent, headers: { 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function wellFormed(answer: Answer, method: string, what: string): void {
    expect(answer.status, what).toBeLessThan(500);
    expect(answer.body, what).not.toContain(parent);
    if (answer.status >= 400 && method !== 'HEAD') {
      expect(answer.body, what).toMatch(
        /^<\?xml version="1\.0" encoding="UTF-8"\?>\s*<Error[^>]*><Code>[A-Za-z]+<\/Code><Message>[^<]*<\/Message>/,
      );
    }
  }

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'sparkmaker-fuzz-'));
    root = join(parent, '.sparkmaker');
    canary = join(parent, 'canary');
    await mkdir(join(canary, 'deep'), { recursive: true });
    await writeFile(join(canary, 'a.txt'), 'canary');
    await writeFile(join(canary, 'deep', 'b.txt'), 'canary');
    await writeFile(join(parent, 'pwned4'), 'a file beside the state dir');
    const store = new FileObjectStore(root);
    for (const b of BUCKETS) await store.createBucket(b);
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
    agent.destroy();
    await endpoint.close();
    await rm(parent, { recursive: true, force: true });
  });

  it('parses or refuses every s3:// URI with InputValidationError, never returning a bad bucket or a writable dot segment', () => {
    const uri = fc.oneof(
      fc.tuple(bucket, key).map(([b, k]) => `s3://${b}/${k}`),
      fc.tuple(bucket, key).map(([b, k]) => `s3://${b}//${k}`),
      fc.string().map((s) => `s3://${s}`),
      fc.string(),
    );
    const inputs = fc.sample(fc.tuple(uri, fc.boolean()), { numRuns: PARSER_RUNS, seed: SEED });
    for (const [text, writable] of inputs) {
      let location: { bucket: string; key: string } | undefined;
      try {
        location = parseS3Uri(text, 'field', { writable });
      } catch (error) {
        expect(error, text).toBeInstanceOf(InputValidationError);
        expect((error as InputValidationError).field).toBe('field');
        expect((error as Error).message.length, text).toBeLessThan(600);
        continue;
      }
      expect(isValidBucketName(location.bucket), text).toBe(true);
      expect(`s3://${location.bucket}/${location.key}`).toBe(text.includes('/', 5) ? text : `${text}/`);
      expect(Buffer.byteLength(location.key)).toBeLessThanOrEqual(1024);
      if (writable) expect(dotSegment(location.key), text).toBeUndefined();
    }
  });

  it('keeps every file inside its bucket folder and answers every raw HTTP and SDK request as S3 would', async () => {
    const before = await snapshot(parent);
    const op = fc.record({
      method: fc.constantFrom('PUT', 'PUT', 'GET', 'HEAD', 'DELETE', 'LIST'),
      bucket,
      key,
      how: encoding,
      body: fc.string({ maxLength: 20 }),
    });

    for (const [i, o] of fc.sample(op, { numRuns: HTTP_RUNS, seed: SEED + 1 }).entries()) {
      const rawBucket = pathSegment(o.bucket, o.how);
      const rawKey = o.key
        .split('/')
        .map((s) => pathSegment(s, o.how))
        .join('/');
      const what = `#${i} ${o.method} ${JSON.stringify(o.bucket)} ${JSON.stringify(o.key)} (${o.how})`;
      let decodedKey: string | undefined;
      let decodedBucket: string | undefined;
      try {
        decodedKey = decodeURIComponent(rawKey);
        decodedBucket = decodeURIComponent(rawBucket);
      } catch {
        decodedKey = undefined;
      }
      if (o.method === 'LIST') {
        const answer = await send('GET', `/${rawBucket}?list-type=2&prefix=${encodeURIComponent(o.key)}`);
        wellFormed(answer, 'GET', what);
        continue;
      }
      const answer = await send(o.method, `/${rawBucket}/${rawKey}`, o.method === 'PUT' ? o.body : '');
      wellFormed(answer, o.method, what);
      const held = decodedBucket === undefined ? undefined : model.get(decodedBucket);
      const fits = decodedKey !== undefined && Buffer.byteLength(decodedKey) <= 1024;
      if (held !== undefined && fits && decodedKey !== undefined) {
        if (o.method === 'PUT') {
          expect(answer.status, what).toBe(200);
          held.set(decodedKey, decodedKey.endsWith('/') ? '' : o.body);
        } else if (o.method === 'DELETE') {
          expect(answer.status, what).toBe(204);
          held.delete(decodedKey);
        } else if (o.method === 'GET') {
          const expected = held.get(decodedKey);
          expect(answer.status, what).toBe(expected === undefined ? 404 : 200);
          if (expected !== undefined) expect(answer.body, what).toBe(expected);
        }
      } else if (held !== undefined && decodedKey !== undefined && o.method === 'PUT') {
        expect(answer.body, what).toContain('<Code>KeyTooLongError</Code>');
      } else if (
        decodedBucket !== undefined &&
        decodedBucket !== '' &&
        held === undefined &&
        o.method === 'PUT'
      ) {
        expect([400, 404], what).toContain(answer.status);
      }
    }

    for (const [i, o] of fc
      .sample(
        fc.record({
          method: fc.constantFrom('put', 'put', 'get', 'head', 'delete'),
          // The SDK itself drops a '.' or '..' bucket label from the path it sends (the request then
          // names the next segment as the bucket): that is the client's doing, not the endpoint's.
          bucket: bucket.filter((b) => b !== '.' && b !== '..'),
          key,
        }),
        {
          numRuns: SDK_RUNS,
          seed: SEED + 2,
        },
      )
      .entries()) {
      const what = `sdk #${i} ${o.method} ${JSON.stringify(o.bucket)} ${JSON.stringify(o.key)}`;
      const input = { Bucket: o.bucket, Key: o.key };
      const held = model.get(o.bucket);
      const fits = Buffer.byteLength(o.key) <= 1024;
      try {
        if (o.method === 'put') {
          await client.send(new PutObjectCommand({ ...input, Body: `sdk ${i}` }));
          if (held !== undefined && fits) held.set(o.key, o.key.endsWith('/') ? '' : `sdk ${i}`);
          expect(held !== undefined && fits, `${what} succeeded`).toBe(true);
        } else if (o.method === 'get') {
          const got = await client.send(new GetObjectCommand(input));
          expect(await got.Body?.transformToString(), what).toBe(held?.get(o.key));
        } else if (o.method === 'head') {
          await client.send(new HeadObjectCommand(input));
          expect(held?.has(o.key), what).toBe(true);
        } else {
          await client.send(new DeleteObjectCommand(input));
          held?.delete(o.key);
        }
      } catch (error) {
        const e = error as Error & { $metadata?: { httpStatusCode?: number }; $fault?: string };
        // The SDK refuses some inputs itself (an invalid bucket name in a host, an empty path label).
        if (e.$metadata?.httpStatusCode === undefined) continue;
        expect(e.$metadata.httpStatusCode, `${what}: ${e.name} ${e.message}`).toBeLessThan(500);
        expect(e.message, what).not.toContain(parent);
        if (o.method === 'get' || o.method === 'head') expect(held?.has(o.key), what).not.toBe(true);
        if (o.method === 'put' && held !== undefined) expect(e.name, what).toBe('KeyTooLongError');
      }
    }

    // Nothing outside the state dir changed; inside it, only the store's own folders and buckets.
    expect(await snapshot(parent)).toEqual(before);
    for (const name of await readdir(root)) expect(['s3', 's3-meta', 's3-tmp', 's3-uploads']).toContain(name);
    expect((await readdir(join(root, 's3'))).sort()).toEqual(['fuzz-a', 'fuzz-b', 'sparkmaker-artifacts']);
    expect(await readdir(join(root, 's3', 'sparkmaker-artifacts'))).toEqual([]);
    expect(await readdir(join(root, 's3-tmp'))).toEqual([]);

    // The store holds exactly the model's keys, listed in UTF-8 binary order, with the right bytes.
    for (const b of BUCKETS) {
      const listed: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({
            Bucket: b,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        listed.push(...(page.Contents ?? []).map((c) => c.Key as string));
        token = page.NextContinuationToken;
      } while (token !== undefined);
      const expected = [...(model.get(b) as Map<string, string>).keys()].sort(compareKeys);
      expect(listed, b).toEqual(expected);
      for (const [k, body] of model.get(b) as Map<string, string>) {
        if (k.endsWith('/')) continue;
        const got = await client.send(new GetObjectCommand({ Bucket: b, Key: k }));
        expect(await got.Body?.transformToString(), `${b} ${JSON.stringify(k)}`).toBe(body);
      }
    }
  }, 120_000);
});
