/**
 * How the local S3 store maps an opaque S3 key to a file inside its bucket's folder, so that no key
 * can name a file outside it, and how it maps the file names back.
 *
 * A key is split on `/`; each segment becomes one path component:
 * - a *plain* segment (non-empty, not `.` or `..`, no NUL, not starting with `%`, at most
 *   {@link PLAIN_SEGMENT_BYTES} UTF-8 bytes) is kept as it is, so `features/run-1/part-0.parquet`
 *   stays the file `<bucket>/features/run-1/part-0.parquet` a person can open;
 * - any other segment is *escaped* as `%e` + its percent-encoding (`..` → `%e%2E%2E`, empty → `%e`);
 * - a segment whose escaped form is still longer than {@link PLAIN_SEGMENT_BYTES} is *hashed* as
 *   `%h` + SHA-256 hex, and the real segment is kept in a name sidecar (see the store).
 * A key ending in `/` (a folder marker) keeps its last, empty segment out of the path: the marker is
 * the folder itself.
 *
 * Encoded components never contain `/` or NUL, are never `.`, `..` or empty, and are at most 200 bytes,
 * so the result is a path strictly inside the bucket folder whatever the key.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Longest plain or escaped path component, in bytes: room under NAME_MAX (255) for sidecar names. */
export const PLAIN_SEGMENT_BYTES = 200;

/** How one key segment is stored. */
export interface EncodedSegment {
  /** The path component. */
  readonly name: string;
  /** True when `name` is a hash that needs a name sidecar to be read back. */
  readonly hashed: boolean;
}

function isPlain(segment: string): boolean {
  return (
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !segment.startsWith('%') &&
    !segment.includes('\0') &&
    Buffer.byteLength(segment, 'utf8') <= PLAIN_SEGMENT_BYTES
  );
}

/** Percent-encoding that also encodes `.`, so an escaped component can never be `.` or `..`. */
function percentEncode(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[.!'()*~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The path component of one key segment. */
export function encodeSegment(segment: string): EncodedSegment {
  if (isPlain(segment)) return { name: segment, hashed: false };
  const escaped = `%e${percentEncode(segment)}`;
  if (Buffer.byteLength(escaped) <= PLAIN_SEGMENT_BYTES) return { name: escaped, hashed: false };
  return { name: `%h${createHash('sha256').update(segment, 'utf8').digest('hex')}`, hashed: true };
}

/**
 * The key segment a path component stands for: the component itself when plain, the decoded text
 * when escaped, `'hashed'` when a name sidecar must be read, `undefined` when the component is no
 * encoding this store writes (a file put there by hand with a name starting `%`).
 */
export function decodeSegment(name: string): string | 'hashed' | undefined {
  if (!name.startsWith('%')) return name;
  if (name.startsWith('%h') && /^%h[0-9a-f]{64}$/.test(name)) return 'hashed';
  if (!name.startsWith('%e')) return undefined;
  try {
    const segment = decodeURIComponent(name.slice(2));
    return encodeSegment(segment).name === name ? segment : undefined;
  } catch {
    return undefined;
  }
}

/** The key's segments as stored: a folder marker (`a/b/`) drops its trailing empty segment. */
export function keySegments(key: string): string[] {
  const segments = key.split('/');
  if (key.endsWith('/')) segments.pop();
  return segments;
}

/** The path components of `key` under its bucket folder. */
export function encodeKey(key: string): EncodedSegment[] {
  return keySegments(key).map(encodeSegment);
}

/**
 * True when `target` is `folder` itself or lies inside it, lexically (after resolving both).
 *
 * @param strict also refuse `target === folder`.
 */
export function isInside(folder: string, target: string, strict = false): boolean {
  const rel = relative(resolve(folder), resolve(target));
  if (rel === '') return !strict;
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Proves that `target` lies strictly inside `folder` before something deletes or overwrites it:
 * lexically, and again after resolving symbolic links of the part that exists. Throws otherwise.
 * The message names `what`, never the paths.
 */
export async function proveInside(folder: string, target: string, what: string): Promise<void> {
  if (!isInside(folder, target, true)) {
    throw new Error(`refusing to touch ${what}: it is not inside the folder it belongs to`);
  }
  const realFolder = await realpath(folder).catch(() => resolve(folder));
  let existing = resolve(target);
  let tail = '';
  for (;;) {
    const real = await realpath(existing).catch(() => undefined);
    if (real !== undefined) {
      if (!isInside(realFolder, join(real, tail), true)) {
        throw new Error(`refusing to touch ${what}: it resolves outside the folder it belongs to`);
      }
      return;
    }
    const parent = dirname(existing);
    if (parent === existing) return;
    tail = tail === '' ? relative(parent, existing) : join(relative(parent, existing), tail);
    existing = parent;
  }
}
