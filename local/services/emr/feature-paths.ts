/**
 * Path mapping of the feature job: `s3://b/k` ↔ `<s3Root>/b/k`, the input objects a URI names, the
 * partitions written, and the default quarantine and feature spec locations.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { FeatureJobError } from '../../../shared/errors';
import { parseS3Uri } from '../../../shared/s3/uri';
import { encodeKey } from '../s3/key-path';
import type { FeatureInputFormat } from './feature-job-args';

/**
 * `s3://bucket/key` → the local file or folder the local S3 store keeps it in (`<s3Root>/bucket/key`
 * for plain keys; `.`/`..` and other odd segments escaped, so the result is always inside the bucket).
 */
export function localPathOf(s3Root: string, uri: string): string {
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(uri, 'uri');
  } catch (error) {
    throw new FeatureJobError(`feature job: not an s3:// URI: '${uri}'`, { cause: error });
  }
  const bucketDir = path.resolve(s3Root, location.bucket);
  if (location.key === '') return bucketDir;
  return path.join(bucketDir, ...encodeKey(location.key).map((s) => s.name));
}

/** The default quarantine prefix of an output: `s3://<bucket>/quarantine/<output key>/`. */
export function defaultQuarantineUri(output: string): string {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(output);
  const key = (match?.[2] ?? '').replace(/\/+$/, '');
  return `s3://${match?.[1] ?? ''}/quarantine/${key === '' ? '' : `${key}/`}`;
}

/** The default feature spec location of an output: `<output>/_feature-spec.json`. */
export function defaultSpecUri(output: string): string {
  return `${output.replace(/\/+$/, '')}/_feature-spec.json`;
}

/** `<s3Root>/bucket/key` → `s3://bucket/key`. */
export function uriOf(s3Root: string, file: string): string {
  return `s3://${path.relative(path.resolve(s3Root), file).split(path.sep).join('/')}`;
}

/** The data files an input URI names: the object itself, or every object under the prefix. */
export async function inputFiles(s3Root: string, uri: string, format: FeatureInputFormat): Promise<string[]> {
  const local = localPathOf(s3Root, uri);
  const info = await stat(local).catch(() => undefined);
  if (info?.isFile()) return [local];
  // A prefix: a directory, or the start of key names inside the parent directory.
  const directory = info?.isDirectory() ? local : path.dirname(local);
  const prefix = info?.isDirectory() ? '' : path.basename(local);
  const files = (await listFiles(directory).catch(() => []))
    .filter((file) => path.relative(directory, file).startsWith(prefix))
    .filter((file) => !path.basename(file).startsWith('_') && !path.basename(file).startsWith('.'))
    .filter((file) => format !== 'parquet' || file.endsWith('.parquet'))
    .sort();
  if (files.length === 0) throw new FeatureJobError(`feature job: no input objects at ${uri}`);
  return files;
}

/** Every file under `directory` (hidden folders skipped). */
export async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : listFiles(full);
      return entry.isFile() ? [full] : [];
    }),
  );
  return nested.flat();
}

/** The partition directories holding Parquet files under `outputDir`, relative and `/`-joined. */
export async function partitionsOf(outputDir: string): Promise<string[]> {
  const files = await listFiles(outputDir);
  const directories = new Set(
    files
      .filter((file) => file.endsWith('.parquet'))
      .map((file) => path.relative(outputDir, path.dirname(file))),
  );
  return [...directories].map((directory) => directory.split(path.sep).join('/')).sort();
}
