/** Plain-file reading shared by the console's readers: JSON parsing, safe names and the local S3 objects. */
import { readFile, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

/** Parses JSON text; undefined when absent or not JSON. */
export function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** `v` as a plain object, or undefined. */
export const obj = (v: unknown): Record<string, unknown> | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The console URL path of an S3 object (the server adds the token). */
export function s3Href(bucket: string, key: string): string {
  return `/s3/${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** Whether `name` is one path segment (no separators, not `.` or `..`). */
export function safeSegment(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\u0000]/.test(name);
}

/** The objects of the local S3 store (`<stateDir>/s3/<bucket>/<key>`), read-only. */
export class StateObjects {
  constructor(readonly s3Root: string) {}

  /** The local file of `s3://bucket/key`, or undefined when the key would leave the bucket. */
  objectPath(bucket: string, key: string): string | undefined {
    if (!safeSegment(bucket) || key.split('/').some((p) => p === '..' || p === '.' || p === ''))
      return undefined;
    const root = resolve(this.s3Root, bucket);
    const path = resolve(root, ...key.split('/'));
    return path.startsWith(root + sep) ? path : undefined;
  }

  /** The text of `s3://bucket/key`, or undefined. */
  async readObject(bucket: string, key: string): Promise<string | undefined> {
    const path = this.objectPath(bucket, key);
    return path === undefined ? undefined : readFile(path, 'utf8').catch(() => undefined);
  }

  /** Whether `s3://bucket/key` exists. */
  async exists(bucket: string, key: string): Promise<boolean> {
    const path = this.objectPath(bucket, key);
    return path !== undefined && (await stat(path).catch(() => undefined)) !== undefined;
  }

  /** The text of an `s3://` URI, or undefined. */
  async readUri(uri: string): Promise<string | undefined> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    return m === null ? undefined : this.readObject(m[1]!, m[2]!);
  }

  /** The bytes of an `s3://` URI, or undefined. */
  async readUriBytes(uri: string): Promise<Uint8Array | undefined> {
    const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
    const path = m === null ? undefined : this.objectPath(m[1]!, m[2]!);
    return path === undefined ? undefined : readFile(path).catch(() => undefined);
  }
}
