/**
 * The meta tree of the local S3 store, `<root>/s3-meta/`: beside each object or folder marker a
 * sidecar with what S3 keeps beside the bytes (ETag, size and mtime seen, content type, user
 * metadata), and beside each hashed path component the real key segment it stands for. It mirrors
 * the data tree's folders, outside the tree a person browses.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isValidBucketName } from '../../../shared/s3/uri';
import { NoSuchBucketError } from '../object-store';
import { checkKey, decodeSegment, encodeSegment, keySegments } from './key-path';
import type { PutOptions } from './store-types';

/** What the store remembers about one object or folder marker. */
export interface Sidecar {
  etag: string;
  size: number;
  mtimeMs: number;
  contentType?: string;
  metadata?: Record<string, string>;
}

/** Sidecar names in the meta tree: `%m<component>` (object), `%d<component>` (folder marker), `%n<hash>` (real name). */
const OBJECT_SIDECAR = '%m';
const MARKER_SIDECAR = '%d';
const NAME_SIDECAR = '%n';

/** The sidecars of one store, under `root` (`<state>/s3-meta`). */
export class MetaTree {
  constructor(readonly root: string) {}

  /** The meta-tree folder mirroring the data folder of the given key segments. */
  dir(bucket: string, segments: readonly string[]): string {
    if (!isValidBucketName(bucket)) throw new NoSuchBucketError(bucket);
    return join(this.root, bucket, ...segments.map((s) => encodeSegment(s).name));
  }

  /** The sidecar file of object or folder marker `key`. */
  sidecarPath(bucket: string, key: string): string {
    checkKey(key);
    const segments = keySegments(key);
    const last = encodeSegment(segments.at(-1) as string).name;
    const kind = key.endsWith('/') ? MARKER_SIDECAR : OBJECT_SIDECAR;
    return join(this.dir(bucket, segments.slice(0, -1)), `${kind}${last}`);
  }

  /** Records the real segment behind every hashed path component of `key`. */
  async writeNames(bucket: string, key: string): Promise<void> {
    const segments = keySegments(key);
    for (const [i, segment] of segments.entries()) {
      const encoded = encodeSegment(segment);
      if (!encoded.hashed) continue;
      const dir = this.dir(bucket, segments.slice(0, i));
      const path = join(dir, `${NAME_SIDECAR}${encoded.name}`);
      if ((await readFile(path, 'utf8').catch(() => undefined)) === segment) continue;
      await mkdir(dir, { recursive: true });
      const tmp = `${path}.${randomUUID()}.tmp`;
      await writeFile(tmp, segment);
      await rename(tmp, path);
    }
  }

  /** The key segment behind a path component found in a data folder (its parent's segments given). */
  async segmentOf(bucket: string, parents: readonly string[], name: string): Promise<string | undefined> {
    const decoded = decodeSegment(name);
    if (decoded !== 'hashed') return decoded;
    const text = await readFile(join(this.dir(bucket, parents), `${NAME_SIDECAR}${name}`), 'utf8').catch(
      () => undefined,
    );
    return text !== undefined && encodeSegment(text).name === name ? text : undefined;
  }

  /** The sidecar of `key`, or `undefined` when it is missing or unreadable. */
  async read(bucket: string, key: string): Promise<Sidecar | undefined> {
    const text = await readFile(this.sidecarPath(bucket, key), 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as Sidecar;
    } catch {
      return undefined;
    }
  }

  /** Writes the sidecar of `key` through a temporary file. */
  async write(bucket: string, key: string, sidecar: Sidecar): Promise<void> {
    const path = this.sidecarPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomUUID()}.tmp`;
    await writeFile(tmp, JSON.stringify(sidecar));
    await rename(tmp, path);
  }

  /** Removes the sidecar of `key`, if any. */
  async remove(bucket: string, key: string): Promise<void> {
    await rm(this.sidecarPath(bucket, key), { force: true });
  }

  /**
   * The meta-tree side of removing the emptied data folder of `segments`: its name sidecar (when its
   * component is hashed) and its mirror folder, if empty.
   */
  async removeFolder(bucket: string, segments: readonly string[]): Promise<void> {
    const last = encodeSegment(segments.at(-1) as string);
    const metaParent = this.dir(bucket, segments.slice(0, -1));
    if (last.hashed) await rm(join(metaParent, `${NAME_SIDECAR}${last.name}`), { force: true });
    await rmdir(join(metaParent, last.name)).catch(() => undefined);
  }
}

/** The content type and user metadata of an upload, as a sidecar keeps them. */
export function describe(options: PutOptions): Pick<Sidecar, 'contentType' | 'metadata'> {
  return {
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    ...(options.metadata === undefined || Object.keys(options.metadata).length === 0
      ? {}
      : { metadata: { ...options.metadata } }),
  };
}
