import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * `npm ci` refuses a lockfile that omits any optional dependency a locked package declares, even one
 * for another platform. These checks keep the lock installable on Linux x64/arm64 and macOS.
 */
interface LockEntry {
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
}
const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

/** Where npm would place `dep` for the package at `from`: nested first, then hoisted. */
function resolved(from: string, dep: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${dep}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

describe('package-lock.json', () => {
  it('holds every optional dependency of every locked package (npm ci refuses it otherwise)', () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolved(path, dep)) missing.push(`${dep} (wanted by ${path || 'the project'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each([
    ['@biomejs/cli', ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64']],
    ['@duckdb/node-bindings', ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64']],
    ['@esbuild', ['darwin-arm64', 'darwin-x64', 'linux-arm64', 'linux-x64']],
  ])('lists the macOS and Linux arm64/x64 binaries of %s', (base, platforms) => {
    for (const platform of platforms) {
      const sep = base === '@esbuild' ? '/' : '-';
      expect(
        lock.packages[`node_modules/${base}${sep}${platform}`],
        `${base}${sep}${platform}`,
      ).toBeDefined();
    }
  });
});
