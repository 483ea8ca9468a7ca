/**
 * Bundle size and cold import time of every Lambda handler. Each `functions/<name>.ts` is bundled
 * the way serverless-esbuild packages it for `nodejs22.x` (ESM, minified, everything bundled,
 * `require` shimmed for CommonJS dependencies), then imported in a fresh `node` process — what a
 * Lambda cold start pays before the first event. Goal: ≤ 100 ms per function on this machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_MS = 100;
const RUNS = 7;

/** What every handler needs at cold start (config is read at module scope and fails fast). */
const environment = {
  DATA_BUCKET: 'sparkmaker-data',
  ARTIFACT_BUCKET: 'sparkmaker-artifacts',
  TRAINING_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:sparkmaker-dev-training',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/** Imports a bundle in a fresh process and prints the milliseconds the import took. */
const probe = `const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export default async (): Promise<Record<string, unknown>> => {
  const names = readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  const loadBefore = loadavg()[0] ?? 0;
  const out = mkdtempSync(join(tmpdir(), 'sparkmaker-bench-functions-'));
  const functions: Record<
    string,
    { bytes: number; gzipBytes: number; importMs: number; importMsMin: number }
  > = {};
  try {
    for (const name of names) {
      const outfile = join(out, `${name}.mjs`);
      await build({
        entryPoints: [join(root, 'functions', `${name}.ts`)],
        outfile,
        bundle: true,
        minify: true,
        platform: 'node',
        target: 'node22',
        format: 'esm',
        mainFields: ['module', 'main'],
        banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
        logLevel: 'silent',
      });
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const ms = execFileSync(process.execPath, ['--input-type=module', '-e', probe, outfile], {
          env: { ...process.env, ...environment },
          encoding: 'utf8',
        });
        times.push(Number(ms));
      }
      functions[name] = {
        bytes: statSync(outfile).size,
        gzipBytes: gzipSync(readFileSync(outfile)).length,
        importMs: Math.round(median(times) * 10) / 10,
        importMsMin: Math.round(Math.min(...times) * 10) / 10,
      };
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const slowest = Math.max(...Object.values(functions).map((f) => f.importMs));
  return {
    goal: `cold import ≤ ${GOAL_MS} ms per function (median of ${RUNS} fresh node processes)`,
    node: process.version,
    /** 1-minute load average before and after: the machine is shared, timings scale with it. */
    loadAverage: {
      before: Math.round(loadBefore * 10) / 10,
      after: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    },
    functions,
    slowestImportMs: slowest,
    meetsGoal: slowest <= GOAL_MS,
  };
};
