/**
 * An {@link ObjectStore} over plain files: object `s3://<bucket>/<key>` is the file
 * `<root>/s3/<bucket>/<key>`, so a person can open every output. Keys stay opaque as in S3: `.`,
 * `..`, empty and over-long segments are escaped or hashed by {@link encodeKey} (`key-path.ts`), so
 * no key names a file outside its bucket's folder. What S3 keeps beside the bytes (ETag, content
 * type, user metadata) and the real names of hashed segments live in sidecars under
 * `<root>/s3-meta/`, outside the visible tree; a file that appeared without a sidecar (written by
 * DuckDB, copied in by hand) gets its ETag computed on first sight. Writes go to `<root>/s3-tmp/`
 * first and are renamed into place, so a reader never sees half an object.
 *
 * This file holds the store class; its parts live beside it: key checks and encoding in
 * `key-path.ts`, the sidecars in `sidecars.ts`, the listing walk in `listing.ts`, multipart uploads
 * in `multipart.ts`, and the shared types and {@link S3Error} in `store-types.ts` (re-exported here).
 */

import { randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isValidBucketName } from '../../../shared/s3/uri';
import {
  type ByteRange,
  etagOf,
  type ListObjectsOptions,
  type ListObjectsResult,
  NoSuchBucketError,
  NoSuchKeyError,
  type ObjectStore,
} from '../object-store';
import { checkKey, encodeKey, encodeSegment, keySegments, proveInside, SHADOWED } from './key-path';
import { compareKeys, keysUnder, listPage } from './listing';
import { MultipartUploads, type UploadManifest } from './multipart';
import { describe, MetaTree } from './sidecars';
import {
  type CompletedPart,
  type ObjectCreated,
  type ObjectCreatedReason,
  type PutOptions,
  S3Error,
  type StoredObject,
} from './store-types';

export { compareKeys } from './listing';
export {
  type CompletedPart,
  type ObjectCreated,
  type ObjectCreatedReason,
  type PutOptions,
  S3Error,
  type StoredObject,
} from './store-types';

/** The S3 objects of one state directory, as plain files. */
export class FileObjectStore implements ObjectStore {
  readonly dataRoot: string;
  private readonly meta: MetaTree;
  private readonly tmpRoot: string;
  private readonly uploads: MultipartUploads;
  private readonly listeners = new Set<(event: ObjectCreated) => void>();
  private sequence = 0;

  /** @param root the state directory (`.sparkmaker`); objects land in `<root>/s3/<bucket>/<key>`. */
  constructor(readonly root: string) {
    this.dataRoot = join(root, 's3');
    this.meta = new MetaTree(join(root, 's3-meta'));
    this.tmpRoot = join(root, 's3-tmp');
    this.uploads = new MultipartUploads(join(root, 's3-uploads'));
  }

  /** Calls `listener` after every successful upload (put, copy, completed multipart). */
  onObjectCreated(listener: (event: ObjectCreated) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The local file holding `s3://bucket/key` (a folder for a folder-marker key ending in `/`): always
   * strictly inside the bucket's folder, whatever the key (see `key-path.ts`).
   */
  pathOf(bucket: string, key: string): string {
    checkKey(key);
    return join(this.bucketDir(bucket), ...encodeKey(key).map((s) => s.name));
  }

  /** The bucket's folder; the name is checked against S3's rules first, so it is one plain component. */
  private bucketDir(bucket: string): string {
    if (!isValidBucketName(bucket)) throw new NoSuchBucketError(bucket);
    return join(this.dataRoot, bucket);
  }

  async createBucket(bucket: string): Promise<void> {
    if (!isValidBucketName(bucket)) {
      throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.', 400, bucket);
    }
    await mkdir(join(this.dataRoot, bucket), { recursive: true });
  }

  async bucketExists(bucket: string): Promise<boolean> {
    if (!isValidBucketName(bucket)) return false;
    return (await stat(join(this.dataRoot, bucket)).catch(() => undefined))?.isDirectory() ?? false;
  }

  async listBuckets(): Promise<{ name: string; created: Date }[]> {
    const entries = await readdir(this.dataRoot, { withFileTypes: true }).catch(() => []);
    const buckets = [];
    const valid = entries.filter((e) => e.isDirectory() && isValidBucketName(e.name));
    for (const entry of valid.sort((a, b) => compareKeys(a.name, b.name))) {
      const info = await stat(join(this.dataRoot, entry.name));
      buckets.push({ name: entry.name, created: info.birthtime });
    }
    return buckets;
  }

  /** Deletes an empty bucket (BucketNotEmpty otherwise). */
  async deleteBucket(bucket: string): Promise<void> {
    await this.requireBucket(bucket);
    const listing = await this.listObjects(bucket, { maxKeys: 1 });
    if (listing.objects.length > 0 || listing.commonPrefixes.length > 0) {
      throw new S3Error('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, bucket);
    }
    const dir = this.bucketDir(bucket);
    const meta = join(this.meta.root, bucket);
    await proveInside(this.dataRoot, dir, `bucket ${bucket}`);
    await proveInside(this.meta.root, meta, `bucket ${bucket}`);
    await rm(dir, { recursive: true, force: true });
    await rm(meta, { recursive: true, force: true });
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<Uint8Array> {
    const info = await this.requireObject(bucket, key);
    if (key.endsWith('/')) return new Uint8Array(0);
    const file = await this.objectFile(bucket, key);
    if (file === undefined) throw new NoSuchKeyError(bucket, key);
    if (range === undefined) return new Uint8Array(await readFile(file));
    const end = Math.min(range.end ?? info.size - 1, info.size - 1);
    const length = Math.max(0, end - range.start + 1);
    const handle = await open(file, 'r');
    try {
      const buffer = Buffer.alloc(length);
      let read = 0;
      while (read < length) {
        const { bytesRead } = await handle.read(buffer, read, length - read, range.start + read);
        if (bytesRead === 0) break;
        read += bytesRead;
      }
      return new Uint8Array(buffer.buffer, buffer.byteOffset, read);
    } finally {
      await handle.close();
    }
  }

  /** A stream over the object's bytes (inclusive `range`), for serving large objects. */
  async openObject(bucket: string, key: string, range?: ByteRange): Promise<ReadStream | undefined> {
    await this.requireObject(bucket, key);
    if (key.endsWith('/')) return undefined;
    const file = await this.objectFile(bucket, key);
    if (file === undefined) throw new NoSuchKeyError(bucket, key);
    return createReadStream(
      file,
      range === undefined
        ? {}
        : { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) },
    );
  }

  async putObject(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    options: PutOptions = {},
  ): Promise<{ etag: string }> {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    await this.requireBucket(bucket);
    const etag = etagOf(bytes);
    await this.install(bucket, key, async (tmp) => writeFile(tmp, bytes), etag, options);
    this.emit(bucket, key, bytes.length, etag, options.reason ?? 'PutObject');
    return { etag };
  }

  /** A fresh path in the store's temporary folder (same file system as the objects, for renames). */
  async tempPath(): Promise<string> {
    await mkdir(this.tmpRoot, { recursive: true });
    return join(this.tmpRoot, randomUUID());
  }

  /**
   * Stores an upload already received into `file` (from {@link tempPath}), moving it into place;
   * `etag` is its quoted MD5. The file is gone afterwards, whatever the outcome.
   */
  async putObjectFile(
    bucket: string,
    key: string,
    upload: { file: string; etag: string; size: number },
    options: PutOptions = {},
  ): Promise<{ etag: string }> {
    try {
      await this.requireBucket(bucket);
      await this.install(bucket, key, (tmp) => rename(upload.file, tmp), upload.etag, options);
    } finally {
      await rm(upload.file, { force: true });
    }
    this.emit(bucket, key, upload.size, upload.etag, options.reason ?? 'PutObject');
    return { etag: upload.etag };
  }

  /** {@link uploadPart} for a part already received into `file`; the file is gone afterwards. */
  async uploadPartFile(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    upload: { file: string; etag: string },
  ): Promise<{ etag: string }> {
    try {
      await this.requireUpload(bucket, key, uploadId);
      await this.uploads.movePart(uploadId, partNumber, upload.file);
    } finally {
      await rm(upload.file, { force: true });
    }
    return { etag: upload.etag };
  }

  async headObject(bucket: string, key: string): Promise<StoredObject | undefined> {
    await this.requireBucket(bucket);
    let path: string | undefined;
    try {
      path = key.endsWith('/') ? this.pathOf(bucket, key) : await this.objectFile(bucket, key);
    } catch {
      return undefined;
    }
    if (path === undefined) return undefined;
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) return undefined;
    const isMarker = key.endsWith('/');
    if (info.isDirectory() !== isMarker) return undefined;
    let sidecar = await this.meta.read(bucket, key);
    if (isMarker) {
      if (sidecar === undefined) return undefined;
    } else if (sidecar === undefined || sidecar.size !== info.size || sidecar.mtimeMs !== info.mtimeMs) {
      // Written behind the store's back: compute the ETag once and remember it.
      const etag = etagOf(await readFile(path));
      sidecar = { etag, size: info.size, mtimeMs: info.mtimeMs };
      await this.meta.write(bucket, key, sidecar).catch(() => undefined);
    }
    return {
      key,
      size: isMarker ? 0 : info.size,
      etag: sidecar.etag,
      lastModified: info.mtime,
      storageClass: 'STANDARD',
      contentType: sidecar.contentType ?? 'binary/octet-stream',
      metadata: sidecar.metadata ?? {},
    };
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    await this.requireBucket(bucket);
    let path: string;
    try {
      path = this.pathOf(bucket, key);
    } catch {
      return;
    }
    const bucketDir = this.bucketDir(bucket);
    await proveInside(bucketDir, path, `the object ${key}`);
    if (key.endsWith('/')) {
      await this.meta.remove(bucket, key);
      await rmdir(path).catch(() => undefined);
    } else {
      const file = await this.objectFile(bucket, key);
      if (file === undefined) return;
      await proveInside(bucketDir, file, `the object ${key}`);
      await rm(file, { force: true });
      await this.meta.remove(bucket, key);
      if (file !== path) {
        await this.pruneEmptyDirectories(bucket, keySegments(key));
        return;
      }
    }
    await this.pruneEmptyDirectories(bucket, keySegments(key).slice(0, -1));
  }

  /** Copies an object; the copy keeps the source's metadata unless `options` replaces it. */
  async copyObject(
    source: { bucket: string; key: string },
    bucket: string,
    key: string,
    options?: PutOptions,
  ): Promise<{ etag: string; lastModified: Date }> {
    const head = await this.requireObject(source.bucket, source.key);
    await this.requireBucket(bucket);
    const bytes = await this.getObject(source.bucket, source.key);
    const put = options ?? { contentType: head.contentType, metadata: head.metadata };
    await this.install(bucket, key, async (tmp) => writeFile(tmp, bytes), head.etag, put);
    this.emit(bucket, key, bytes.length, head.etag, 'CopyObject');
    return { etag: head.etag, lastModified: new Date() };
  }

  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsResult> {
    await this.requireBucket(bucket);
    const keys = await keysUnder(this.bucketDir(bucket), this.meta, bucket, options.prefix ?? '');
    return listPage(keys, options, (key) => this.headObject(bucket, key));
  }

  /** Starts a multipart upload and returns its id. */
  async createMultipartUpload(bucket: string, key: string, options: PutOptions = {}): Promise<string> {
    await this.requireBucket(bucket);
    checkKey(key);
    return this.uploads.create(bucket, key, options);
  }

  /** Stores one part (1–10000); a part uploaded twice keeps the last bytes. */
  async uploadPart(
    bucket: string,
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<{ etag: string }> {
    await this.requireUpload(bucket, key, uploadId);
    const etag = etagOf(body);
    await this.uploads.writePart(uploadId, partNumber, body);
    return { etag };
  }

  /** Concatenates the listed parts into the object; its ETag is `"<md5 of part md5s>-<n>"`. */
  async completeMultipartUpload(
    bucket: string,
    key: string,
    uploadId: string,
    parts: readonly CompletedPart[],
  ): Promise<{ etag: string }> {
    const manifest = await this.requireUpload(bucket, key, uploadId);
    const assembly = await this.uploads.assemble(uploadId, manifest, parts);
    let size = 0;
    await this.install(
      bucket,
      key,
      async (tmp) => {
        size = await assembly.write(tmp);
      },
      assembly.etag,
      assembly.options,
    );
    await this.uploads.discard(uploadId);
    this.emit(bucket, key, size, assembly.etag, 'CompleteMultipartUpload');
    return { etag: assembly.etag };
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.requireUpload(bucket, key, uploadId);
    await this.uploads.discard(uploadId);
  }

  /** The manifest of an upload of an existing bucket (NoSuchBucket, NoSuchUpload otherwise). */
  private async requireUpload(bucket: string, key: string, uploadId: string): Promise<UploadManifest> {
    await this.requireBucket(bucket);
    return this.uploads.manifest(bucket, key, uploadId);
  }

  private async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket))) throw new NoSuchBucketError(bucket);
  }

  private async requireObject(bucket: string, key: string): Promise<StoredObject> {
    const info = await this.headObject(bucket, key);
    if (info === undefined) throw new NoSuchKeyError(bucket, key);
    return info;
  }

  /** Writes the object through a temporary file, then its sidecar. */
  private async install(
    bucket: string,
    key: string,
    write: (tmp: string) => Promise<void>,
    etag: string,
    options: PutOptions,
  ): Promise<void> {
    let target = this.pathOf(bucket, key);
    const segments = keySegments(key);
    await this.meta.writeNames(bucket, key);
    if (key.endsWith('/')) {
      await this.makeFolders(bucket, segments);
      await this.meta.write(bucket, key, { etag, size: 0, mtimeMs: 0, ...describe(options) });
      return;
    }
    await mkdir(this.tmpRoot, { recursive: true });
    const tmp = join(this.tmpRoot, randomUUID());
    try {
      await write(tmp);
      await this.makeFolders(bucket, segments.slice(0, -1));
      if ((await stat(target).catch(() => undefined))?.isDirectory()) target = join(target, SHADOWED);
      await proveInside(this.bucketDir(bucket), target, `the object ${key}`);
      await rename(tmp, target);
    } finally {
      await rm(tmp, { force: true });
    }
    const info = await stat(target);
    await this.meta.write(bucket, key, {
      etag,
      size: info.size,
      mtimeMs: info.mtimeMs,
      ...describe(options),
    });
  }

  /**
   * The file holding object `key` (not a folder marker), or `undefined` when there is none: the
   * plain path, or `<path>/%o` when keys below `key/` exist too.
   */
  private async objectFile(bucket: string, key: string): Promise<string | undefined> {
    const path = this.pathOf(bucket, key);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) return path;
    if (!info?.isDirectory()) return undefined;
    const inner = join(path, SHADOWED);
    return (await stat(inner).catch(() => undefined))?.isFile() ? inner : undefined;
  }

  /**
   * Makes the folders of the given key segments inside the bucket folder. A file standing where a
   * folder is needed (object `a` when `a/b` arrives) moves into that folder as `%o`.
   */
  private async makeFolders(bucket: string, segments: readonly string[]): Promise<void> {
    let dir = this.bucketDir(bucket);
    for (const segment of segments) {
      dir = join(dir, encodeSegment(segment).name);
      const info = await stat(dir).catch(() => undefined);
      if (info?.isDirectory()) continue;
      if (info?.isFile()) {
        await mkdir(this.tmpRoot, { recursive: true });
        const moved = join(this.tmpRoot, randomUUID());
        await rename(dir, moved);
        await mkdir(dir);
        await rename(moved, join(dir, SHADOWED));
        continue;
      }
      await mkdir(dir).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
  }

  /**
   * S3 has no folders: remove the ones a delete left empty (and their meta-tree twins), from the
   * deepest up, unless a folder marker names them.
   */
  private async pruneEmptyDirectories(bucket: string, segments: readonly string[]): Promise<void> {
    const bucketDir = this.bucketDir(bucket);
    for (let n = segments.length; n > 0; n--) {
      const parents = segments.slice(0, n);
      if ((await this.meta.read(bucket, `${parents.join('/')}/`)) !== undefined) return;
      const dir = join(bucketDir, ...parents.map((s) => encodeSegment(s).name));
      await proveInside(bucketDir, dir, 'an emptied folder');
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      await this.meta.removeFolder(bucket, parents);
    }
  }

  private emit(bucket: string, key: string, size: number, etag: string, reason: ObjectCreatedReason): void {
    this.sequence++;
    const event: ObjectCreated = {
      bucket,
      key,
      size,
      etag: etag.replaceAll('"', ''),
      reason,
      sequencer: (Date.now() * 1000 + (this.sequence % 1000)).toString(16).toUpperCase().padStart(16, '0'),
      time: new Date(),
    };
    for (const listener of this.listeners) listener(event);
  }
}
