/**
 * `npm run bench [-- <name-filter>…]`: runs every `bench/*.bench.ts` in turn, in this one process,
 * prints each one's figures and writes them to `bench/results/<name>.json`.
 *
 * A benchmark module default-exports `async () => Record<string, unknown>`: figures as plain JSON
 * (rates, ratios against the baseline it ran in the same process, and the goal it is judged by).
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
const selected = files.filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)));
await mkdir(join(here, 'results'), { recursive: true });
let failed = 0;
for (const file of selected) {
  const name = basename(file, '.bench.ts');
  process.stdout.write(`\n=== ${name} ===\n`);
  try {
    const mod = (await import(join(here, file))) as { default: () => Promise<Record<string, unknown>> };
    const started = performance.now();
    const figures = await mod.default();
    const result = { name, seconds: (performance.now() - started) / 1000, ...figures };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    await writeFile(join(here, 'results', `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  } catch (error) {
    failed++;
    process.stderr.write(
      `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
}
process.exitCode = failed === 0 ? 0 : 1;
