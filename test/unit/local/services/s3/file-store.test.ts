import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoSuchBucketError, NoSuchKeyError } from '../../../../../local/services/object-store';
import { FileObjectStore } from '../../../../../local/services/s3/file-store';

describe('FileObjectStore', () => {
  let root: string;
  let store: FileObjectStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'sparkmaker-store-'));
    store = new FileObjectStore(root);
    await store.createBucket('data');
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists a file written behind its back with a computed MD5 ETag', async () => {
    await mkdir(join(root, 's3', 'data', 'features', 'dt=2024-01-01'), { recursive: true });
    await writeFile(join(root, 's3', 'data', 'features', 'dt=2024-01-01', 'part-0.parquet'), 'PAR1');

    const listing = await store.listObjects('data', { prefix: 'features/' });

    expect(listing.objects).toMatchObject([
      {
        key: 'features/dt=2024-01-01/part-0.parquet',
        size: 4,
        etag: `"${createHash('md5').update('PAR1').digest('hex')}"`,
      },
    ]);
  });

  it('notices a file rewritten behind its back and reports the new ETag', async () => {
    await store.putObject('data', 'a.txt', 'first');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await writeFile(join(root, 's3', 'data', 'a.txt'), 'second!');

    const head = await store.headObject('data', 'a.txt');

    expect(head?.etag).toBe(`"${createHash('md5').update('second!').digest('hex')}"`);
  });

  it('keeps sidecars and temporary files out of the visible tree', async () => {
    await store.putObject('data', 'x/y.txt', 'y', { contentType: 'text/plain' });

    const visible = await readdir(join(root, 's3', 'data'), { recursive: true });

    expect(visible.sort()).toEqual(['x', join('x', 'y.txt')]);
  });

  it('reads an inclusive byte range and clamps its end to the object', async () => {
    await store.putObject('data', 'r.txt', 'abcdef');

    const middle = await store.getObject('data', 'r.txt', { start: 1, end: 3 });
    const clamped = await store.getObject('data', 'r.txt', { start: 4, end: 100 });

    expect(Buffer.from(middle).toString()).toBe('bcd');
    expect(Buffer.from(clamped).toString()).toBe('ef');
  });

  it('raises NoSuchKey and NoSuchBucket as the ObjectStore contract says', async () => {
    await expect(store.getObject('data', 'missing')).rejects.toBeInstanceOf(NoSuchKeyError);
    await expect(store.putObject('missing-bucket', 'k', 'v')).rejects.toBeInstanceOf(NoSuchBucketError);
  });

  it('keeps a key with ".." segments as an opaque key inside the bucket, as S3 does', async () => {
    await store.putObject('data', '../escape.txt', 'x');

    expect(await readdir(root)).not.toContain('escape.txt');
    expect(await readdir(join(root, 's3'))).toEqual(['data']);
    expect(new TextDecoder().decode(await store.getObject('data', '../escape.txt'))).toBe('x');
    expect((await store.listObjects('data')).objects.map((o) => o.key)).toEqual(['../escape.txt']);
  });

  it('maps plain keys to plain files and escapes the rest inside the bucket folder', async () => {
    await store.putObject('data', 'features/run-1/part-0.csv', 'a');
    await store.putObject('data', 'odd/./..//x', 'b');
    await store.putObject('data', `long/${'n'.repeat(300)}`, 'c');

    expect(await readFile(join(root, 's3', 'data', 'features', 'run-1', 'part-0.csv'), 'utf8')).toBe('a');
    expect(await readFile(join(root, 's3', 'data', 'odd', '%e%2E', '%e%2E%2E', '%e', 'x'), 'utf8')).toBe('b');
    expect((await store.listObjects('data')).objects.map((o) => o.key)).toEqual([
      'features/run-1/part-0.csv',
      `long/${'n'.repeat(300)}`,
      'odd/./..//x',
    ]);
    await store.deleteObject('data', `long/${'n'.repeat(300)}`);
    await store.deleteObject('data', 'odd/./..//x');
    expect(await readdir(join(root, 's3', 'data'))).toEqual(['features']);
  });

  it('keeps a folder marker key as an empty listed object', async () => {
    await store.putObject('data', 'folder/', '');

    const listing = await store.listObjects('data', { prefix: 'folder' });

    expect(listing.objects.map((o) => [o.key, o.size])).toEqual([['folder/', 0]]);
  });
});
