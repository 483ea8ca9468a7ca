/**
 * `s3://bucket/key` URIs, the only way payloads name S3 locations. Keys are raw (never
 * percent-encoded): `s3://b/incoming/my file.csv` names the key `incoming/my file.csv`.
 */
import { InputValidationError } from '../errors';

/** A bucket and a key (or key prefix). */
export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket/key`. `field` names the payload field in the error message.
 *
 * @throws {InputValidationError} when the text is not an s3:// URI with a valid bucket name.
 * @example
 * ```ts
 * parseS3Uri('s3://data/incoming/a.csv'); // { bucket: 'data', key: 'incoming/a.csv' }
 * ```
 */
export function parseS3Uri(uri: string, field = 'uri'): S3Location {
  if (typeof uri !== 'string' || !uri.startsWith('s3://')) {
    throw new InputValidationError(
      `${field} must be an s3://bucket/key URI, got ${JSON.stringify(uri)}`,
      field,
    );
  }
  const rest = uri.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) {
    throw new InputValidationError(
      `${field} names an invalid bucket '${bucket}' (3-63 lowercase letters, digits, dots, hyphens): ${uri}`,
      field,
    );
  }
  if (new TextEncoder().encode(key).length > 1024) {
    throw new InputValidationError(`${field} has a key longer than 1024 bytes: ${uri.slice(0, 80)}…`, field);
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
