/**
 * ListObjects over the local S3 store's data tree: walking the folders that can hold keys under a
 * prefix (decoding escaped and hashed components back to key segments), then ordering, grouping by
 * delimiter and paging the keys as S3 does.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_KEY_BYTES } from '../../../shared/s3/uri';
import type { ListObjectsOptions, ListObjectsResult, ObjectInfo } from '../object-store';
import { encodeSegment, SHADOWED } from './key-path';
import type { MetaTree } from './sidecars';

/** Orders keys as S3 does: by their UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Every key stored under the folder that holds `prefix` (the real keys, decoded), in the data folder
 * `bucketDir` of `bucket`.
 */
export async function keysUnder(
  bucketDir: string,
  meta: MetaTree,
  bucket: string,
  prefix: string,
): Promise<string[]> {
  const slash = prefix.lastIndexOf('/');
  const base = slash < 0 ? [] : prefix.slice(0, slash).split('/');
  if (base.some((s) => Buffer.byteLength(s) > MAX_KEY_BYTES)) return [];
  const keys: string[] = [];
  const walk = async (segments: string[]): Promise<void> => {
    const dir = join(bucketDir, ...segments.map((s) => encodeSegment(s).name));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const segment = await meta.segmentOf(bucket, segments, entry.name);
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
          if ((await meta.read(bucket, folder)) !== undefined) keys.push(folder);
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
 * One page of a listing over `stored` (the keys {@link keysUnder} found): keys after the marker, in
 * S3 order, grouped into common prefixes by the delimiter, described by `head` (a key it no longer
 * finds is skipped).
 */
export async function listPage(
  stored: readonly string[],
  options: ListObjectsOptions,
  head: (key: string) => Promise<ObjectInfo | undefined>,
): Promise<ListObjectsResult> {
  const prefix = options.prefix ?? '';
  const delimiter = options.delimiter ?? '';
  const maxKeys = options.maxKeys ?? 1000;
  const token = options.continuationToken;
  const after = token ?? options.startAfter ?? '';
  const keys = stored.filter((k) => k.startsWith(prefix) && compareKeys(k, after) > 0);
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
      const info = await head(key);
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
