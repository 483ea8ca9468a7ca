/**
 * An {@link ObjectStore} over plain files: object `s3://<bucket>/<key>` is the file
 * `<root>/s3/<bucket>/<key>`, so a person can open every output. Keys stay opaque as in S3: `.`,
 * `..`, empty and over-long segments are escaped or hashed by {@link encodeKey} (`key-path.ts`), so
 * no key names a file outside its bucket's folder. What S3 keeps beside the bytes (ETag, content
 * type, user metadata) and the real names of hashed segments live in sidecars under
 * `<root>/s3-meta/`, outside the visible tree; a file that appeared without a sidecar (written by
 * DuckDB, copied in by hand) gets its ETag computed on first sight. Writes go to `<root>/s3-tmp/`
 * first and are renamed into place, so a reader never sees half an object.
 */

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isValidBucketName, MAX_KEY_BYTES } from '../../../shared/s3/uri';
import { ServiceError } from '../errors';
import {
  type ByteRange,
  etagOf,
  type ListObjectsOptions,
  type ListObjectsResult,
  NoSuchBucketError,
  NoSuchKeyError,
  type ObjectInfo,
  type ObjectStore,
} from '../object-store';
import { decodeSegment, encodeKey, encodeSegment, keySegments, proveInside } from './key-path';

/** What an upload carries besides its bytes. */
export interface PutOptions {
  readonly contentType?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Why the object was created, as the S3 "Object Created" event reports it. */
  readonly reason?: ObjectCreatedReason;
}

/** The `detail.reason` of an S3 "Object Created" event. */
export type ObjectCreatedReason = 'PutObject' | 'POST Object' | 'CopyObject' | 'CompleteMultipartUpload';

/** One successful upload, as the store reports it to its listeners. */
export interface ObjectCreated {
  readonly bucket: string;
  readonly key: string;
  readonly size: number;
  /** Without quotes, as the S3 event shows it. */
  readonly etag: string;
  readonly reason: ObjectCreatedReason;
  readonly sequencer: string;
  readonly time: Date;
}

/** The full description of a stored object (HeadObject). */
export interface StoredObject extends ObjectInfo {
  readonly contentType: string;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * An S3 error with its code and HTTP status, thrown for requests S3 would refuse: the one service
 * error type of the local services ({@link ServiceError}), under the name the S3 code uses.
 */
export const S3Error = ServiceError;
/** The instance type of {@link S3Error}. */
export type S3Error = ServiceError;

interface Sidecar {
  etag: string;
  size: number;
  mtimeMs: number;
  contentType?: string;
  metadata?: Record<string, string>;
}

interface UploadManifest {
  bucket: string;
  key: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** A part as CompleteMultipartUpload lists it. */
export interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

/** Sidecar names in the meta tree: `%m<component>` (object), `%d<component>` (folder marker), `%n<hash>` (real name). */
const OBJECT_SIDECAR = '%m';
const MARKER_SIDECAR = '%d';
const NAME_SIDECAR = '%n';
/**
 * The file holding object `a` once keys below `a/` exist too (S3 allows both; a file system cannot
 * have a file and a folder of one name): `<bucket>/a/%o`. No key segment encodes to `%o`.
 */
const SHADOWED = '%o';

/** Orders keys as S3 does: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The S3 objects of one state directory, as plain files. */
export class FileObjectStore implements ObjectStore {
  readonly dataRoot: string;
  private readonly metaRoot: string;
  private readonly tmpRoot: string;
  private readonly uploadRoot: string;
  private readonly listeners = new Set<(event: ObjectCreated) => void>();
  private sequence = 0;

  /** @param root the state directory (`.sparkmaker`); objects land in `<root>/s3/<bucket>/<key>`. */
  constructor(readonly root: string) {
    this.dataRoot = join(root, 's3');
    this.metaRoot = join(root, 's3-meta');
    this.tmpRoot = join(root, 's3-tmp');
    this.uploadRoot = join(root, 's3-uploads');
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
    const meta = join(this.metaRoot, bucket);
    await proveInside(this.dataRoot, dir, `bucket ${bucket}`);
    await proveInside(this.metaRoot, meta, `bucket ${bucket}`);
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
      checkPartNumber(partNumber);
      await rename(upload.file, join(this.uploadRoot, uploadId, `${partNumber}.part`));
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
    let sidecar = await this.readSidecar(bucket, key);
    if (isMarker) {
      if (sidecar === undefined) return undefined;
    } else if (sidecar === undefined || sidecar.size !== info.size || sidecar.mtimeMs !== info.mtimeMs) {
      // Written behind the store's back: compute the ETag once and remember it.
      const etag = etagOf(await readFile(path));
      sidecar = { etag, size: info.size, mtimeMs: info.mtimeMs };
      await this.writeSidecar(bucket, key, sidecar).catch(() => undefined);
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
      await rm(this.sidecarPath(bucket, key), { force: true });
      await rmdir(path).catch(() => undefined);
    } else {
      const file = await this.objectFile(bucket, key);
      if (file === undefined) return;
      await proveInside(bucketDir, file, `the object ${key}`);
      await rm(file, { force: true });
      await rm(this.sidecarPath(bucket, key), { force: true });
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
    const prefix = options.prefix ?? '';
    const delimiter = options.delimiter ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const token = options.continuationToken;
    const after = token ?? options.startAfter ?? '';
    const keys = (await this.keysUnder(bucket, prefix)).filter(
      (k) => k.startsWith(prefix) && compareKeys(k, after) > 0,
    );
    keys.sort(compareKeys);
    const objects: ObjectInfo[] = [];
    const commonPrefixes: string[] = [];
    let last: string | undefined;
    for (const key of keys) {
      const rest = key.slice(prefix.length);
      const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
      const common = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : undefined;
      if (common !== undefined && (common === last || common === token)) continue;
      if (objects.length + commonPrefixes.length >= maxKeys) {
        return {
          objects,
          commonPrefixes,
          isTruncated: true,
          ...(last === undefined ? {} : { nextContinuationToken: last }),
        };
      }
      if (common !== undefined) {
        commonPrefixes.push(common);
        last = common;
      } else {
        const info = await this.headObject(bucket, key);
        if (info !== undefined) {
          objects.push({
            key: info.key,
            size: info.size,
            etag: info.etag,
            lastModified: info.lastModified,
            storageClass: info.storageClass,
          });
        }
        last = key;
      }
    }
    return { objects, commonPrefixes, isTruncated: false };
  }

  /** Starts a multipart upload and returns its id. */
  async createMultipartUpload(bucket: string, key: string, options: PutOptions = {}): Promise<string> {
    await this.requireBucket(bucket);
    checkKey(key);
    const uploadId = randomUUID().replaceAll('-', '');
    const dir = join(this.uploadRoot, uploadId);
    await mkdir(dir, { recursive: true });
    const manifest: UploadManifest = { bucket, key };
    if (options.contentType !== undefined) manifest.contentType = options.contentType;
    if (options.metadata !== undefined) manifest.metadata = { ...options.metadata };
    await writeFile(join(dir, 'upload.json'), JSON.stringify(manifest));
    return uploadId;
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
    checkPartNumber(partNumber);
    const etag = etagOf(body);
    const target = join(this.uploadRoot, uploadId, `${partNumber}.part`);
    const tmp = `${target}.${randomUUID()}.tmp`;
    await writeFile(tmp, body);
    await rename(tmp, target);
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
    if (parts.length === 0) {
      throw new S3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate');
    }
    const dir = join(this.uploadRoot, uploadId);
    const digests: Buffer[] = [];
    let previous = 0;
    for (const [index, part] of parts.entries()) {
      if (part.partNumber <= previous) {
        throw new S3Error('InvalidPartOrder', 'The list of parts was not in ascending order.');
      }
      previous = part.partNumber;
      const bytes = await readFile(join(dir, `${part.partNumber}.part`)).catch(() => undefined);
      if (bytes === undefined || etagOf(bytes) !== quote(part.etag)) {
        throw new S3Error(
          'InvalidPart',
          `One or more of the specified parts could not be found: part ${part.partNumber}`,
        );
      }
      if (index < parts.length - 1 && bytes.length < 5 * 1024 * 1024) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size');
      }
      digests.push(createHash('md5').update(bytes).digest());
    }
    const etag = `"${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}"`;
    let size = 0;
    await this.install(
      bucket,
      key,
      async (tmp) => {
        const out = await open(tmp, 'w');
        try {
          for (const part of parts) {
            const bytes = await readFile(join(dir, `${part.partNumber}.part`));
            size += bytes.length;
            await out.write(bytes);
          }
        } finally {
          await out.close();
        }
      },
      etag,
      {
        ...(manifest.contentType === undefined ? {} : { contentType: manifest.contentType }),
        ...(manifest.metadata === undefined ? {} : { metadata: manifest.metadata }),
      },
    );
    await rm(dir, { recursive: true, force: true });
    this.emit(bucket, key, size, etag, 'CompleteMultipartUpload');
    return { etag };
  }

  async abortMultipartUpload(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.requireUpload(bucket, key, uploadId);
    await rm(join(this.uploadRoot, uploadId), { recursive: true, force: true });
  }

  private async requireUpload(bucket: string, key: string, uploadId: string): Promise<UploadManifest> {
    await this.requireBucket(bucket);
    const text = /^[0-9a-f]{32}$/.test(uploadId)
      ? await readFile(join(this.uploadRoot, uploadId, 'upload.json'), 'utf8').catch(() => undefined)
      : undefined;
    const manifest = text === undefined ? undefined : (JSON.parse(text) as UploadManifest);
    if (manifest === undefined || manifest.bucket !== bucket || manifest.key !== key) {
      throw new S3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        404,
        uploadId,
      );
    }
    return manifest;
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
    await this.writeNameSidecars(bucket, key);
    if (key.endsWith('/')) {
      await this.makeFolders(bucket, segments);
      await this.writeSidecar(bucket, key, { etag, size: 0, mtimeMs: 0, ...describe(options) });
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
    await this.writeSidecar(bucket, key, {
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

  /** The meta-tree folder mirroring the data folder of the given key segments. */
  private metaDir(bucket: string, segments: readonly string[]): string {
    if (!isValidBucketName(bucket)) throw new NoSuchBucketError(bucket);
    return join(this.metaRoot, bucket, ...segments.map((s) => encodeSegment(s).name));
  }

  private sidecarPath(bucket: string, key: string): string {
    checkKey(key);
    const segments = keySegments(key);
    const last = encodeSegment(segments.at(-1) as string).name;
    const kind = key.endsWith('/') ? MARKER_SIDECAR : OBJECT_SIDECAR;
    return join(this.metaDir(bucket, segments.slice(0, -1)), `${kind}${last}`);
  }

  /** Records the real segment behind every hashed path component of `key`. */
  private async writeNameSidecars(bucket: string, key: string): Promise<void> {
    const segments = keySegments(key);
    for (const [i, segment] of segments.entries()) {
      const encoded = encodeSegment(segment);
      if (!encoded.hashed) continue;
      const dir = this.metaDir(bucket, segments.slice(0, i));
      const path = join(dir, `${NAME_SIDECAR}${encoded.name}`);
      if ((await readFile(path, 'utf8').catch(() => undefined)) === segment) continue;
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.${randomUUID()}.tmp`;
      await writeFile(tmp, segment);
      await rename(tmp, path);
    }
  }

  /** The key segment behind a path component found in a data folder (its parent's segments given). */
  private async segmentOf(
    bucket: string,
    parents: readonly string[],
    name: string,
  ): Promise<string | undefined> {
    const decoded = decodeSegment(name);
    if (decoded !== 'hashed') return decoded;
    const text = await readFile(join(this.metaDir(bucket, parents), `${NAME_SIDECAR}${name}`), 'utf8').catch(
      () => undefined,
    );
    return text !== undefined && encodeSegment(text).name === name ? text : undefined;
  }

  private async readSidecar(bucket: string, key: string): Promise<Sidecar | undefined> {
    const text = await readFile(this.sidecarPath(bucket, key), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Sidecar;
    } catch {
      return undefined;
    }
  }

  private async writeSidecar(bucket: string, key: string, sidecar: Sidecar): Promise<void> {
    const path = this.sidecarPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(sidecar));
    await rename(tmp, path);
  }

  /** Every key stored under the folder that holds `prefix` (the real keys, decoded). */
  private async keysUnder(bucket: string, prefix: string): Promise<string[]> {
    const slash = prefix.lastIndexOf('/');
    const base = slash < 0 ? [] : prefix.slice(0, slash).split('/');
    if (base.some((s) => Buffer.byteLength(s) > MAX_KEY_BYTES)) return [];
    const keys: string[] = [];
    const walk = async (segments: string[]): Promise<void> => {
      const dir = join(this.bucketDir(bucket), ...segments.map((s) => encodeSegment(s).name));
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const segment = await this.segmentOf(bucket, segments, entry.name);
        if (segment === undefined) continue;
        const path = [...segments, segment];
        const name = path.join('/');
        if (entry.isFile()) {
          if (name.startsWith(prefix)) keys.push(name);
        } else if (entry.isDirectory()) {
          const folder = `${name}/`;
          if (folder.startsWith(prefix)) {
            const shadowed = name.startsWith(prefix)
              ? await stat(join(dir, entry.name, SHADOWED)).catch(() => undefined)
              : undefined;
            if (shadowed?.isFile()) keys.push(name);
            if ((await this.readSidecar(bucket, folder)) !== undefined) keys.push(folder);
          } else if (!prefix.startsWith(folder)) {
            continue;
          }
          await walk(path);
        }
      }
    };
    await walk(base);
    return keys;
  }

  /**
   * S3 has no folders: remove the ones a delete left empty (and their meta-tree twins), from the
   * deepest up, unless a folder marker names them.
   */
  private async pruneEmptyDirectories(bucket: string, segments: readonly string[]): Promise<void> {
    const bucketDir = this.bucketDir(bucket);
    for (let n = segments.length; n > 0; n--) {
      const parents = segments.slice(0, n);
      if ((await this.readSidecar(bucket, `${parents.join('/')}/`)) !== undefined) return;
      const dir = join(bucketDir, ...parents.map((s) => encodeSegment(s).name));
      await proveInside(bucketDir, dir, 'an emptied folder');
      try {
        await rmdir(dir);
      } catch {
        return;
      }
      const last = encodeSegment(parents.at(-1) as string);
      const metaParent = this.metaDir(bucket, parents.slice(0, -1));
      if (last.hashed) await rm(join(metaParent, `${NAME_SIDECAR}${last.name}`), { force: true });
      await rmdir(join(metaParent, last.name)).catch(() => undefined);
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

function describe(options: PutOptions): Pick<Sidecar, 'contentType' | 'metadata'> {
  return {
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    ...(options.metadata === undefined || Object.keys(options.metadata).length === 0
      ? {}
      : { metadata: { ...options.metadata } }),
  };
}

function checkPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) {
    throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
  }
}

function quote(etag: string): string {
  return etag.startsWith('"') ? etag : `"${etag}"`;
}

/** Refuses keys S3 refuses: empty, longer than 1024 UTF-8 bytes, or not valid Unicode text. */
function checkKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new S3Error('InvalidArgument', 'Object key must not be empty');
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', 'Your key is too long', 400);
  }
  if (/\p{Surrogate}/u.test(key)) {
    throw new S3Error('InvalidArgument', 'Object key is not valid UTF-8');
  }
  return key;
}
