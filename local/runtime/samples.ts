/**
 * The sample data and sample inputs `npm start` uses (`examples/`), and the helpers that turn
 * `s3://` locations into the plain files under `.sparkmaker/s3/` a person can open.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseS3Uri } from '../../shared/s3/uri';
import type { FileObjectStore } from '../services/s3/file-store';
import { encodeKey } from '../services/s3/key-path';

/** Uploads every file under `<examples>/data/` to the data bucket, keeping its relative key. */
export async function seedSampleData(
  examples: string,
  store: FileObjectStore,
  bucket: string,
): Promise<string[]> {
  const dataDir = join(examples, 'data');
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true }).catch(() => []);
  const keys: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const parent = (entry as { parentPath?: string; path?: string }).parentPath ?? entry.path;
    const file = join(parent, entry.name);
    const key = relative(dataDir, file).split(sep).join('/');
    const body = await readFile(file);
    const existing = await store.headObject(bucket, key).catch(() => undefined);
    if (existing?.size !== body.length) await store.putObject(bucket, key, body, { contentType: 'text/csv' });
    keys.push(key);
  }
  return keys.sort();
}

/** Reads one sample execution input (`examples/inputs/<name>.json`). */
export async function readSampleInput(examples: string, name: string): Promise<unknown> {
  return JSON.parse(await readFile(join(examples, 'inputs', `${name}.json`), 'utf8')) as unknown;
}

/** `s3://bucket/key` → `<stateDir>/s3/bucket/key` (relative to `cwd` when inside it). */
export function localPathOf(uri: string, stateDir: string, cwd = process.cwd()): string {
  let location: { bucket: string; key: string };
  try {
    location = parseS3Uri(uri);
  } catch {
    return uri;
  }
  const path = join(stateDir, 's3', location.bucket, ...encodeKey(location.key).map((s) => s.name));
  const rel = relative(cwd, path);
  return rel.startsWith('..') ? path : rel;
}
