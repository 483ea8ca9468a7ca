/**
 * The object storage seen by the offline services (interpreter ItemReader / ResultWriter, local
 * SageMaker, the EMR stand-in). The S3 endpoint's file store implements it over
 * `.sparkmaker/s3/<bucket>/<key>`; {@link MemoryObjectStore} implements it for tests.
 */
import { createHash } from 'node:crypto';

/** Metadata of one stored object, as ListObjectsV2 / HeadObject report it. */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
  /** The ETag with its quotes, as S3 returns it: `"<md5 hex>"` or `"<md5>-<parts>"`. */
  readonly etag: string;
  readonly lastModified: Date;
  readonly storageClass: string;
}

/** A byte range, inclusive at both ends as in an HTTP `Range: bytes=start-end` header. */
export interface ByteRange {
  readonly start: number;
  readonly end?: number;
}

export interface ListObjectsOptions {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly continuationToken?: string;
  readonly maxKeys?: number;
}

export interface ListObjectsResult {
  readonly objects: ObjectInfo[];
  readonly commonPrefixes: string[];
  readonly isTruncated: boolean;
  readonly nextContinuationToken?: string;
}

/** Raised for a missing key; `code` is the S3 error code. */
export class NoSuchKeyError extends Error {
  readonly code = 'NoSuchKey';
  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`The specified key does not exist: s3://${bucket}/${key}`);
    this.name = 'NoSuchKey';
  }
}

/** Raised for a missing bucket; `code` is the S3 error code. */
export class NoSuchBucketError extends Error {
  readonly code = 'NoSuchBucket';
  constructor(readonly bucket: string) {
    super(`The specified bucket does not exist: ${bucket}`);
    this.name = 'NoSuchBucket';
  }
}

/** Object storage with S3's semantics for the operations the offline runtime needs. */
export interface ObjectStore {
  getObject(bucket: string, key: string, range?: ByteRange): Promise<Uint8Array>;
  putObject(bucket: string, key: string, body: Uint8Array | string): Promise<{ etag: string }>;
  headObject(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  deleteObject(bucket: string, key: string): Promise<void>;
  listObjects(bucket: string, options?: ListObjectsOptions): Promise<ListObjectsResult>;
}

/** The S3 ETag of a single-part object: the quoted MD5 of its bytes. */
export function etagOf(body: Uint8Array): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}

/** An in-memory {@link ObjectStore}; buckets spring into existence on first put. */
export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, Map<string, { body: Uint8Array; info: ObjectInfo }>>();

  /** Makes an empty bucket (listing a bucket that was never made fails with NoSuchBucket). */
  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  async getObject(bucket: string, key: string, range?: ByteRange): Promise<Uint8Array> {
    const entry = this.bucket(bucket).get(key);
    if (entry === undefined) throw new NoSuchKeyError(bucket, key);
    if (range === undefined) return entry.body;
    const end = Math.min(range.end ?? entry.body.length - 1, entry.body.length - 1);
    return entry.body.subarray(range.start, end + 1);
  }

  async putObject(bucket: string, key: string, body: Uint8Array | string): Promise<{ etag: string }> {
    this.createBucket(bucket);
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const etag = etagOf(bytes);
    const info: ObjectInfo = {
      key,
      size: bytes.length,
      etag,
      lastModified: new Date(),
      storageClass: 'STANDARD',
    };
    this.bucket(bucket).set(key, { body: bytes, info });
    return { etag };
  }

  async headObject(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    return this.bucket(bucket).get(key)?.info;
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.bucket(bucket).delete(key);
  }

  async listObjects(bucket: string, options: ListObjectsOptions = {}): Promise<ListObjectsResult> {
    const prefix = options.prefix ?? '';
    const after = options.continuationToken ?? options.startAfter ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const keys = [...this.bucket(bucket).keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const objects: ObjectInfo[] = [];
    const commonPrefixes: string[] = [];
    let last = '';
    for (const key of keys) {
      if (objects.length + commonPrefixes.length >= maxKeys) {
        return { objects, commonPrefixes, isTruncated: true, nextContinuationToken: last };
      }
      const rest = key.slice(prefix.length);
      const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
      if (cut >= 0 && options.delimiter) {
        const common = prefix + rest.slice(0, cut + options.delimiter.length);
        if (!commonPrefixes.includes(common)) commonPrefixes.push(common);
      } else {
        objects.push(this.bucket(bucket).get(key)!.info);
      }
      last = key;
    }
    return { objects, commonPrefixes, isTruncated: false };
  }

  private bucket(bucket: string): Map<string, { body: Uint8Array; info: ObjectInfo }> {
    const found = this.buckets.get(bucket);
    if (found === undefined) throw new NoSuchBucketError(bucket);
    return found;
  }
}
