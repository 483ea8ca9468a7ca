/**
 * Turning an S3 "Object Created" notification into a training run: which objects start a run, and
 * the execution name that makes a duplicate event a no-op (same bucket + key + version id → same name
 * → StartExecution fails with ExecutionAlreadyExists; the ETag stands in when the bucket is not versioned).
 */
import { createHash } from 'node:crypto';
import { InputValidationError } from '../../shared/errors';
import { isDataKey } from '../../shared/partitions';
import { baseName, formatS3Uri } from '../../shared/s3';
import type { InputFormat } from './run-config';

/** The object an event announces. */
export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  /** ETag without quotes. */
  readonly etag: string;
  /** Size in bytes when the event gives it. */
  readonly size?: number;
  /**
   * The object version (`detail.object.version-id`, `Records[].s3.object.versionId`) in a versioned
   * bucket: a re-upload of identical bytes gets a new one, a redelivered event keeps it.
   */
  readonly versionId?: string;
}

function fail(message: string, field: string): never {
  throw new InputValidationError(message, field);
}

/**
 * Decodes S3 notification key encoding (`application/x-www-form-urlencoded`: `+` is a space).
 * Classic S3 notifications (`Records[]`) encode keys this way; EventBridge events carry raw keys.
 */
export function decodeNotificationKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    fail(`object key is not valid URL encoding: ${JSON.stringify(key)}`, 'Records[0].s3.object.key');
  }
}

/**
 * The objects an event announces: an EventBridge "Object Created" event (raw key in
 * `detail.object.key`) or, for a rule or test that forwards one, a classic S3 notification with
 * URL-encoded keys in `Records[].s3.object.key`.
 *
 * @throws {InputValidationError} naming the missing field.
 */
export function createdObjects(event: unknown): CreatedObject[] {
  if (typeof event !== 'object' || event === null)
    fail('expected an EventBridge "Object Created" event', 'event');
  const e = event as Record<string, unknown>;
  if (Array.isArray(e.Records)) {
    return e.Records.map((record, i) => {
      const s3 = (
        record as {
          s3?: {
            bucket?: { name?: unknown };
            object?: { key?: unknown; eTag?: unknown; versionId?: unknown };
          };
        }
      ).s3;
      const bucket = s3?.bucket?.name;
      const key = s3?.object?.key;
      if (typeof bucket !== 'string') fail('missing bucket name', `Records[${i}].s3.bucket.name`);
      if (typeof key !== 'string') fail('missing object key', `Records[${i}].s3.object.key`);
      const size = (s3?.object as { size?: unknown } | undefined)?.size;
      return {
        bucket,
        key: decodeNotificationKey(key),
        etag: unquote(s3?.object?.eTag),
        ...(typeof size === 'number' ? { size } : {}),
        ...versionOf(s3?.object?.versionId),
      };
    });
  }
  if (e['detail-type'] !== 'Object Created') {
    fail(`expected detail-type "Object Created", got ${JSON.stringify(e['detail-type'])}`, 'detail-type');
  }
  const detail = e.detail as
    | { bucket?: { name?: unknown }; object?: { key?: unknown; etag?: unknown; 'version-id'?: unknown } }
    | undefined;
  const bucket = detail?.bucket?.name;
  const key = detail?.object?.key;
  if (typeof bucket !== 'string' || bucket === '') fail('missing bucket name', 'detail.bucket.name');
  if (typeof key !== 'string' || key === '') fail('missing object key', 'detail.object.key');
  const size = (detail?.object as { size?: unknown } | undefined)?.size;
  return [
    {
      bucket,
      key,
      etag: unquote(detail?.object?.etag),
      ...(typeof size === 'number' ? { size } : {}),
      ...versionOf(detail?.object?.['version-id']),
    },
  ];
}

function versionOf(value: unknown): { versionId?: string } {
  // Unversioned buckets report no version (classic notifications may say "null").
  return typeof value === 'string' && value !== '' && value !== 'null' ? { versionId: value } : {};
}

function unquote(etag: unknown): string {
  return typeof etag === 'string' ? etag.replace(/^"|"$/g, '') : '';
}

/** The input format of a data key, or `undefined` for keys (and empty objects) that do not start a run. */
export function formatOfKey(key: string, size?: number): InputFormat | undefined {
  if (!isDataKey(key) || size === 0) return undefined;
  const lower = key.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'json';
  return undefined;
}

/**
 * The execution name of the run an object starts: `<prefix>-<16 hex of sha256(bucket, key, version)>-<slug>`
 * where the version is the object's version id, or its ETag in a bucket without versioning;
 * at most 80 characters of `[a-z0-9-]`. The hash comes first so that the first 63 characters (the
 * SageMaker job name) stay unique; the slug of the file name only helps a person reading the list.
 *
 * @example
 * ```ts
 * executionName('train', { bucket: 'data', key: 'incoming/Churn 2024.csv', etag: 'abc' });
 * // 'train-3f9c…-churn-2024'
 * ```
 */
export function executionName(prefix: string, object: CreatedObject): string {
  const hash = createHash('sha256')
    .update(
      object.versionId === undefined
        ? `${object.bucket}\n${object.key}\n${object.etag}`
        : `${object.bucket}\n${object.key}\nversion:${object.versionId}`,
    )
    .digest('hex')
    .slice(0, 16);
  const stem = baseName(object.key).replace(/\.[^.]*$/, '');
  const head = `${prefix}-${hash}`;
  const slug = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 80 - head.length - 1)
    .replace(/^-+|-+$/g, '');
  return slug === '' ? head : `${head}-${slug}`;
}

/** The execution input of the run an object starts. */
export function runInput(
  object: CreatedObject,
  format: InputFormat,
): { input: { uri: string; format: InputFormat } } {
  return { input: { uri: formatS3Uri(object), format } };
}

const SCHEDULED_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z$/;

/**
 * The execution name of a scheduled run: `<prefix>-<scheduled time as YYYYMMDDTHHMMSSZ>`. Scheduler
 * retries an invocation whose answer it did not get, each attempt with a new execution id but the
 * same scheduled time, so a name from the scheduled time makes a retry find the run it already
 * started (ExecutionAlreadyExists) instead of starting a second one. `:` may not appear in an
 * execution name, hence the compact form.
 *
 * @throws {InputValidationError} (field `scheduledTime`) for anything but an ISO 8601 UTC time.
 * @example
 * ```ts
 * scheduledExecutionName('score', '2026-12-04T06:00:00Z'); // 'score-20261204T060000Z'
 * ```
 */
export function scheduledExecutionName(prefix: string, scheduledTime: unknown): string {
  const match = typeof scheduledTime === 'string' ? SCHEDULED_TIME.exec(scheduledTime) : null;
  if (match === null) {
    throw new InputValidationError(
      `scheduledTime must be an ISO 8601 UTC time like 2026-12-04T06:00:00Z (Scheduler's <aws.scheduler.scheduled-time>), got ${JSON.stringify(scheduledTime)?.slice(0, 60)}`,
      'scheduledTime',
    );
  }
  const [, y, mo, d, h, mi, s] = match;
  return `${prefix}-${y}${mo}${d}T${h}${mi}${s}Z`;
}
