import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Every file under a directory, relative to it, sorted (none when the directory is missing). */
export async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join((e as { parentPath?: string; path?: string }).parentPath ?? e.path, e.name).slice(dir.length + 1),
    )
    .sort();
}
