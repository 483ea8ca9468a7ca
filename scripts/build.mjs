#!/usr/bin/env node
// `npm run build`: esbuild bundles of every Lambda function in serverless.yml into
// dist/functions/<name>.mjs (ESM, node22, the AWS SDK included, as serverless-esbuild packages them),
// and of the CLI into dist/cli/sparkmaker.mjs (dependencies left external: it runs from a checkout).
//
//   node scripts/build.mjs                 all functions + the CLI, minified
//   node scripts/build.mjs score-shard     only the named functions
//   node scripts/build.mjs --no-minify     readable output
//   node scripts/build.mjs --json          print {function: {bytes, file}} as JSON
//
// Importable too: `import { buildFunctions } from './scripts/build.mjs'` (used by benchmarks).
import { readFileSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parse } from 'yaml';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The require() shim ESM bundles need for CommonJS dependencies (same banner as serverless.yml). */
const BANNER = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** Function name → handler source file, from serverless.yml (`functions/<name>.handler`). */
export function functionEntries() {
  const config = parse(readFileSync(path.join(repoRoot, 'serverless.yml'), 'utf8'));
  return Object.fromEntries(
    Object.entries(config.functions).map(([name, fn]) => {
      const module = fn.handler.slice(0, fn.handler.lastIndexOf('.'));
      return [name, path.join(repoRoot, `${module}.ts`)];
    }),
  );
}

/**
 * Bundles the given functions (all when `names` is empty) into `outdir`.
 * @returns {Promise<Record<string, {file: string, bytes: number}>>}
 */
export async function buildFunctions({
  names = [],
  outdir = path.join(repoRoot, 'dist/functions'),
  minify = true,
} = {}) {
  const entries = functionEntries();
  const unknown = names.filter((name) => !(name in entries));
  if (unknown.length > 0) throw new Error(`unknown function(s): ${unknown.join(', ')} (see serverless.yml)`);
  const selected = names.length > 0 ? names : Object.keys(entries);
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: Object.fromEntries(selected.map((name) => [name, entries[name]])),
    outdir,
    bundle: true,
    minify,
    sourcemap: 'external',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    mainFields: ['module', 'main'],
    banner: { js: BANNER },
    logLevel: 'warning',
  });
  const sizes = {};
  for (const name of selected) {
    const file = path.join(outdir, `${name}.mjs`);
    sizes[name] = { file: path.relative(repoRoot, file), bytes: (await stat(file)).size };
  }
  return sizes;
}

/** Bundles the CLI (local/cli/main.ts) with its dependencies external. */
export async function buildCli({
  outfile = path.join(repoRoot, 'dist/cli/sparkmaker.mjs'),
  minify = true,
} = {}) {
  await build({
    entryPoints: [path.join(repoRoot, 'local/cli/main.ts')],
    outfile,
    bundle: true,
    minify,
    sourcemap: 'external',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return { file: path.relative(repoRoot, outfile), bytes: (await stat(outfile)).size };
}

async function main(argv) {
  const names = argv.filter((arg) => !arg.startsWith('--'));
  const minify = !argv.includes('--no-minify');
  const sizes = await buildFunctions({ names, minify });
  const cli = names.length === 0 ? await buildCli({ minify }) : undefined;
  if (argv.includes('--json')) {
    console.log(JSON.stringify({ functions: sizes, ...(cli ? { cli } : {}) }, null, 2));
    return;
  }
  for (const [name, { file, bytes }] of Object.entries(sizes)) {
    console.log(`${name.padEnd(16)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB  ${file}`);
  }
  if (cli) console.log(`${'cli'.padEnd(16)} ${(cli.bytes / 1024).toFixed(1).padStart(8)} KiB  ${cli.file}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error.message ?? error);
    process.exitCode = 1;
  });
}
