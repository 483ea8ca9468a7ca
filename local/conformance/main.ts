/**
 * `npm run conformance -- <cases-dir> --out <results.json> [--baseline <file>] [--write-baseline]`
 *
 * Runs every recorded case under `<cases-dir>` with the interpreter, writes
 * `{ "<case id>": {status, output, error, cause, pass} }` to `--out`, and prints
 * `N passed, M failed` as its last line. With `--baseline` (a list of case ids that pass, one per
 * line) it exits 1 when a listed case fails and lists newly passing ids; `--write-baseline`
 * rewrites that list from this run.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, UsageError } from '../cli/args';
import { type ConformanceCase, listCaseFiles, loadCase } from './case';
import { type CaseOutcome, runCases } from './runner';

const USAGE =
  'usage: npm run conformance -- <cases-dir> --out <results.json> [--baseline <file>] [--write-baseline] ' +
  '[--concurrency 8] [--time-scale 0.01] [--timeout-ms 20000] [--filter <text>] [--verbose] [--history]';

/** Parses a baseline file: one case id per line; blank lines and `#` comments ignored. */
export function parseBaseline(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Compares a run with the baseline: listed cases that now fail, and passing cases not listed. */
export function compareWithBaseline(
  baseline: readonly string[],
  outcomes: ReadonlyMap<string, { pass: boolean }>,
): { regressions: string[]; newlyPassing: string[] } {
  const listed = new Set(baseline);
  const regressions = baseline.filter((id) => outcomes.has(id) && !outcomes.get(id)!.pass);
  const newlyPassing = [...outcomes].filter(([id, o]) => o.pass && !listed.has(id)).map(([id]) => id);
  return { regressions: regressions.sort(), newlyPassing: newlyPassing.sort() };
}

/** Gives a case whose id another case already has the name of its file instead, so both are reported. */
export function uniqueIds(cases: ConformanceCase[], files: readonly string[]): ConformanceCase[] {
  const seen = new Set<string>();
  return cases.map((c, i) => {
    let id = c.id;
    if (seen.has(id)) id = basename(files[i] ?? `${id}__${i}`, '.json');
    seen.add(id);
    return id === c.id ? c : { ...c, id };
  });
}

/**
 * Groups failing cases by their first difference (the status change, or the path whose value differs),
 * largest group first:
 * `  12 × status: expected SUCCEEDED, got FAILED (e.g. <id>)`.
 */
export function summariseFailures(
  outcomes: ReadonlyMap<string, { pass: boolean; differences: string[] }>,
): string[] {
  const groups = new Map<string, { count: number; example: string }>();
  for (const [id, outcome] of outcomes) {
    if (outcome.pass) continue;
    const first = (outcome.differences[0] ?? 'no difference recorded').replace(/\[\d+\]/g, '[n]');
    const at = first.indexOf(': expected ');
    const key = first.startsWith('status:') || at < 0 ? first : `${first.slice(0, at)}: value differs`;
    const group = groups.get(key) ?? { count: 0, example: id };
    group.count++;
    groups.set(key, group);
  }
  const sorted = [...groups].sort((a, b) => b[1].count - a[1].count);
  return sorted.map(([key, { count, example }]) => `${String(count).padStart(4)} × ${key} (e.g. ${example})`);
}

function number(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got '${value}'`);
  return n;
}

/** The entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      baseline: { type: 'string' },
      'write-baseline': { type: 'boolean' },
      concurrency: { type: 'string' },
      'time-scale': { type: 'string' },
      'timeout-ms': { type: 'string' },
      filter: { type: 'string' },
      verbose: { type: 'boolean' },
      history: { type: 'boolean' },
    },
  });
  const dir = positionals[0];
  if (dir === undefined || values.out === undefined) throw new UsageError(USAGE);
  if (values['write-baseline'] && values.baseline === undefined) {
    throw new UsageError('--write-baseline needs --baseline <file> to write');
  }
  const files = await listCaseFiles(dir);
  const loaded = await Promise.all(
    files.map((file) =>
      loadCase(file).then(
        (c) => ({ file, c }),
        (error: unknown) => {
          // A JSON file that is not a case (a manifest, a note) is reported, not fatal.
          process.stderr.write(`skipped ${error instanceof Error ? error.message : String(error)}\n`);
          return undefined;
        },
      ),
    ),
  );
  const found = loaded.filter((entry) => entry !== undefined);
  let cases: ConformanceCase[] = uniqueIds(
    found.map((entry) => entry.c),
    found.map((entry) => entry.file),
  );
  if (values.filter !== undefined) cases = cases.filter((c) => c.id.includes(values.filter!));
  const started = performance.now();
  const outcomes = await runCases(
    cases,
    {
      concurrency: number(values.concurrency, 'concurrency', 8),
      timeScale: number(values['time-scale'], 'time-scale', 0.01),
      timeoutMs: number(values['timeout-ms'], 'timeout-ms', 20_000),
    },
    (testCase, outcome) => {
      if (values.verbose && !outcome.pass) {
        process.stdout.write(`FAIL ${testCase.id}\n  ${outcome.differences.join('\n  ')}\n`);
      }
    },
  );
  const results: Record<string, Omit<CaseOutcome, 'durationMs'>> = {};
  for (const c of cases) {
    const { durationMs: _ignored, ...rest } = outcomes.get(c.id)!;
    results[c.id] = rest;
  }
  await mkdir(dirname(values.out), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(results, null, 1)}\n`);
  const passed = [...outcomes.values()].filter((o) => o.pass).length;
  const failed = outcomes.size - passed;
  let exitCode = 0;
  if (values.baseline !== undefined) {
    if (values['write-baseline']) {
      const ids = [...outcomes].filter(([, o]) => o.pass).map(([id]) => id);
      const header =
        '# Conformance cases that pass (one id per line); a listed case that fails is a regression.\n' +
        '# Regenerate: npm run conformance -- <cases-dir> --out <file> --baseline <this file> --write-baseline\n';
      await writeFile(values.baseline, `${header}${ids.sort().join('\n')}\n`);
      process.stdout.write(`wrote ${ids.length} passing case ids to ${values.baseline}\n`);
    } else {
      const baseline = parseBaseline(await readFile(values.baseline, 'utf8'));
      const { regressions, newlyPassing } = compareWithBaseline(baseline, outcomes);
      for (const id of newlyPassing) process.stdout.write(`newly passing: ${id}\n`);
      for (const id of regressions) {
        process.stdout.write(`REGRESSION: ${id}\n  ${outcomes.get(id)!.differences.join('\n  ')}\n`);
      }
      if (regressions.length > 0) exitCode = 1;
    }
  }
  if (values.history) {
    // Informational: the recorded GetExecutionHistory shape (types, ids, previousEventIds).
    const differing = [...outcomes].filter(([, o]) => o.historyDifference !== undefined);
    const groups = summariseFailures(
      new Map(differing.map(([id, o]) => [id, { pass: false, differences: [o.historyDifference!] }])),
    );
    for (const line of groups.slice(0, 20)) process.stdout.write(`history${line}\n`);
    const recorded = cases.filter((c) => Array.isArray(c.expected_events)).length;
    process.stdout.write(`history: ${recorded - differing.length} of ${recorded} recorded histories match\n`);
  }
  for (const line of summariseFailures(outcomes)) process.stdout.write(`${line}\n`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`conformance: ${cases.length} cases in ${seconds} s, results in ${values.out}\n`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return exitCode;
}

const invokedDirectly =
  process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1]);
process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = error instanceof UsageError ? 2 : 1;
    },
  );
}
