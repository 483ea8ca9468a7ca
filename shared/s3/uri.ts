/**
 * `s3://bucket/key` locations: the one type every handler, the CLI and the offline runtime use for an
 * S3 URI that comes from input. Keys are raw (never percent-encoded): `s3://b/incoming/my file.csv`
 * names the key `incoming/my file.csv`, and `s3://b/a/../c` names the key `a/../c` (S3 keys are opaque;
 * S3 never resolves `..`). A location the workflow will write or delete under is parsed with
 * `{ writable: true }`, which refuses `.`/`..` segments (and their percent-encoded forms), because
 * tools that map keys to paths or URLs would resolve them.
 */
import { InputValidationError } from '../errors';

/** A bucket and a key (or key prefix). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** The longest key S3 accepts, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;

const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why `name` is not a valid general purpose bucket name, or `undefined` when it is. The rules are
 * S3's: 3–63 characters of lowercase letters, digits, dots and hyphens; starting and ending with a
 * letter or digit; no two adjacent dots; not an IP address; none of the reserved prefixes (`xn--`,
 * `sthree-`, `amzn-s3-demo-`) or suffixes (`-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`, `--table-s3`).
 *
 * @example
 * ```ts
 * bucketNameProblem('sparkmaker-data'); // undefined
 * bucketNameProblem('192.168.1.1'); // 'must not be formatted as an IP address'
 * ```
 */
export function bucketNameProblem(name: string): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length < 3 || name.length > 63) return 'must be 3-63 characters long';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'may hold only lowercase letters, digits, dots and hyphens';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must start and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name)) return 'must not be formatted as an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `must not start with the reserved prefix '${prefix}'`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix !== undefined) return `must not end with the reserved suffix '${suffix}'`;
  return undefined;
}

/** True when `name` is a valid general purpose bucket name (see {@link bucketNameProblem}). */
export function isValidBucketName(name: string): boolean {
  return bucketNameProblem(name) === undefined;
}

/** Options of {@link parseS3Uri}. */
export interface ParseS3UriOptions {
  /**
   * The workflow writes or deletes under this location: refuse any `.` or `..` key segment, also
   * percent-encoded (`%2e`, `%2E%2e`), which a path or URL resolver would climb with.
   */
  readonly writable?: boolean;
}

/** Quotes a value for a message, cut to a readable length. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > 120 ? `${text.slice(0, 120)}… (${text.length} characters)` : text;
  return JSON.stringify(cut);
}

/**
 * The first key segment that a path or URL resolver would treat as `.` or `..` (literally, or after
 * percent-decoding), or `undefined` when there is none.
 */
export function dotSegment(key: string): string | undefined {
  for (const segment of key.split('/')) {
    if (segment === '.' || segment === '..') return segment;
    if (segment.includes('%') && /^(?:\.|%2e){1,2}$/i.test(segment)) return segment;
  }
  return undefined;
}

/**
 * Parses `s3://bucket/key`. `field` names the payload field in the error message.
 *
 * @throws {InputValidationError} when the text is not an s3:// URI, the bucket name breaks S3's rules,
 * the key is longer than 1024 bytes, or (with `writable`) a key segment is `.` or `..`.
 * @example
 * ```ts
 * parseS3Uri('s3://data/incoming/a.csv'); // { bucket: 'data', key: 'incoming/a.csv' }
 * parseS3Uri('s3://data/features/../', 'featuresUri', { writable: true }); // throws, naming featuresUri
 * ```
 */
export function parseS3Uri(uri: string, field = 'uri', options: ParseS3UriOptions = {}): S3Location {
  if (typeof uri !== 'string' || !uri.startsWith('s3://')) {
    throw new InputValidationError(`${field} must be an s3://bucket/key URI, got ${show(uri)}`, field);
  }
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  const problem = bucketNameProblem(bucket);
  if (problem !== undefined) {
    throw new InputValidationError(
      `${field} names an invalid bucket '${bucket.length > 80 ? `${bucket.slice(0, 80)}…` : bucket}': a bucket name ${problem}`,
      field,
    );
  }
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new InputValidationError(
      `${field} has a key longer than ${MAX_KEY_BYTES} bytes: ${show(uri)}`,
      field,
    );
  }
  if (options.writable === true) {
    const dots = dotSegment(key);
    if (dots !== undefined) {
      throw new InputValidationError(
        `${field} must not have a '.' or '..' path segment (got ${show(dots)} in ${show(uri)}): the run writes and deletes under this location`,
        field,
      );
    }
  }
  return { bucket, key };
}

/** Formats a location as `s3://bucket/key`. */
export function formatS3Uri(location: S3Location): string {
  return `s3://${location.bucket}/${location.key}`;
}

/** True when the URI names a prefix (empty key or key ending in `/`) rather than one object. */
export function isPrefix(location: S3Location): boolean {
  return location.key === '' || location.key.endsWith('/');
}

/** A prefix location made to end in `/` (unless empty, the whole bucket). */
export function asPrefix(location: S3Location): S3Location {
  return isPrefix(location) ? location : { bucket: location.bucket, key: `${location.key}/` };
}

/**
 * True when `location` lies inside the folder `prefix`, comparing whole key segments: `features/a`
 * and `features/` are inside `features/` (or `features`), `features-x/a` is not. An empty prefix
 * key holds the whole bucket.
 *
 * @example
 * ```ts
 * isUnder({ bucket: 'b', key: 'features-x/' }, { bucket: 'b', key: 'features/' }); // false
 * ```
 */
export function isUnder(location: S3Location, prefix: S3Location): boolean {
  if (location.bucket !== prefix.bucket) return false;
  if (prefix.key === '') return true;
  const folder = prefix.key.endsWith('/') ? prefix.key : `${prefix.key}/`;
  const key = location.key.endsWith('/') ? location.key : `${location.key}/`;
  return key.startsWith(folder);
}

/**
 * A location under a prefix: `child({bucket:'b', key:'runs/1'}, 'dt=2024-01-01', 'part-00000.csv')`
 * is `b/runs/1/dt=2024-01-01/part-00000.csv` (one `/` between parts, whatever the inputs end with).
 */
export function child(prefix: S3Location, ...parts: string[]): S3Location {
  const segments = [prefix.key, ...parts].map((p, i) =>
    i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, ''),
  );
  return { bucket: prefix.bucket, key: segments.filter((s) => s !== '').join('/') };
}

/** The last path segment of a key (`a/b/c.csv` → `c.csv`). */
export function baseName(key: string): string {
  const trimmed = key.endsWith('/') ? key.slice(0, -1) : key;
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
