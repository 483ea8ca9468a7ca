/**
 * Turns a TypeScript handler into a module a plain worker thread can import: esbuild bundles the
 * handler and everything it imports from the project into one ES module, leaving `node_modules`
 * packages as imports (as `serverless-esbuild` would, minus the packages). Bundles are cached under
 * `<root>/node_modules/.cache/sparkmaker-lambda/` (there bare imports still resolve to the project's
 * packages) and rebuilt when any source they hold changed (size or mtime), so a warm cache makes a
 * cold start cost only the module's own evaluation.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

interface CacheEntry {
  readonly inputs: Record<string, { size: number; mtimeMs: number }>;
}

const building = new Map<string, Promise<string>>();

/** Whether every recorded input still has the size and mtime it had when bundled. */
async function fresh(root: string, entry: CacheEntry): Promise<boolean> {
  for (const [file, seen] of Object.entries(entry.inputs)) {
    const now = await stat(resolve(root, file)).catch(() => undefined);
    if (now === undefined || now.size !== seen.size || now.mtimeMs !== seen.mtimeMs) return false;
  }
  return true;
}

/**
 * The path of an ES module bundling `handlerFile` (absolute), built or taken from the cache.
 * Concurrent calls for one file share one build.
 */
export function bundleHandler(root: string, handlerFile: string): Promise<string> {
  const dir = join(root, 'node_modules', '.cache', 'sparkmaker-lambda');
  const id = createHash('sha256').update(handlerFile).digest('hex').slice(0, 16);
  const out = join(dir, `${id}.mjs`);
  const key = out;
  let pending = building.get(key);
  if (pending === undefined) {
    pending = build(root, handlerFile, dir, out).finally(() => building.delete(key));
    building.set(key, pending);
  }
  return pending;
}

async function build(root: string, handlerFile: string, dir: string, out: string): Promise<string> {
  const manifest = `${out}.json`;
  const cached = await readFile(manifest, 'utf8')
    .then((text) => JSON.parse(text) as CacheEntry)
    .catch(() => undefined);
  if (cached !== undefined && (await stat(out).catch(() => undefined)) && (await fresh(root, cached))) {
    return out;
  }
  const { build: esbuild } = await import('esbuild');
  const result = await esbuild({
    entryPoints: [handlerFile],
    absWorkingDir: root,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (code === undefined) throw new Error(`esbuild produced no output for ${handlerFile}`);
  const inputs: CacheEntry['inputs'] = {};
  for (const file of Object.keys(result.metafile.inputs)) {
    const info = await stat(resolve(root, file)).catch(() => undefined);
    if (info !== undefined) inputs[file] = { size: info.size, mtimeMs: info.mtimeMs };
  }
  await mkdir(dir, { recursive: true });
  // Write, then rename: another process reading the cache never sees half a bundle.
  const tmp = `${out}.${randomUUID()}.tmp`;
  await writeFile(tmp, code);
  await rename(tmp, out);
  const tmpManifest = `${manifest}.${randomUUID()}.tmp`;
  await writeFile(tmpManifest, JSON.stringify({ inputs } satisfies CacheEntry));
  await rename(tmpManifest, manifest);
  return out;
}
