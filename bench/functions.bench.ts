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
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { clearScoreCaches, scoreShard } from '../functions/lib/score-shard';

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

/** Import times (ms) of a bundle, each in a fresh node process. */
function importTimes(file: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const ms = execFileSync(process.execPath, ['--input-type=module', '-e', probe, file], {
      env: { ...process.env, ...environment },
      encoding: 'utf8',
    });
    times.push(Number(ms));
  }
  return times;
}

/** Bundles a snippet the same way as the handlers (to measure what the SDK alone costs). */
async function bundleSnippet(contents: string, outfile: string): Promise<void> {
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts' },
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
}

/**
 * Rows per second of one score-shard over a 100k-row CSV shard (8 features, the binary:logistic test
 * model), S3 replaced by an in-memory stub that streams 64 KiB chunks as S3 does: CSV parsing,
 * scoring and output formatting, without network.
 */
async function scoreShardThroughput(): Promise<Record<string, number>> {
  const objects = new Map<string, Uint8Array>();
  const s3 = mockClient(S3Client);
  s3.on(HeadObjectCommand).callsFake(async (input) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`);
    if (body === undefined)
      throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    return { ContentLength: body.length, ETag: '"e"' };
  });
  s3.on(GetObjectCommand).callsFake(async (input) => {
    const body = objects.get(`${input.Bucket}/${input.Key}`) ?? new Uint8Array(0);
    const chunks: Buffer[] = [];
    for (let i = 0; i < body.length; i += 65536) chunks.push(Buffer.from(body.subarray(i, i + 65536)));
    return { Body: Readable.from(chunks) as never };
  });
  s3.on(PutObjectCommand).callsFake(async (input) => {
    objects.set(`${input.Bucket}/${input.Key}`, input.Body as Uint8Array);
    return { ETag: '"e"' };
  });
  try {
    objects.set(
      'bench-artifacts/model',
      readFileSync(join(root, 'test/fixtures/model/binary_logistic.xgboost-model')),
    );
    const rows = 100_000;
    const lines = [`customer_id,${Array.from({ length: 8 }, (_, j) => `f_${j}`).join(',')}`];
    for (let i = 0; i < rows; i++) {
      lines.push(
        `c${i},${Array.from({ length: 8 }, (_, j) => (((i * 7 + j * 13) % 1000) / 37).toFixed(3)).join(',')}`,
      );
    }
    const body = new TextEncoder().encode(`${lines.join('\n')}\n`);
    objects.set('bench-data/in.csv', body);
    const client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const seconds: number[] = [];
    for (let run = 0; run < 3; run++) {
      clearScoreCaches();
      const started = performance.now();
      await scoreShard(
        client,
        { shardId: '00000', source: 's3://bench-data/in.csv', format: 'csv' },
        {
          runId: 'bench',
          modelUri: 's3://bench-artifacts/model',
          outputUri: 's3://bench-data/out/',
          dt: '2024-01-01',
        },
        { idColumn: 'customer_id' },
      );
      seconds.push((performance.now() - started) / 1000);
    }
    const best = Math.min(...seconds);
    return {
      rows,
      inputMB: Math.round(body.length / 1e5) / 10,
      rowsPerSecond: Math.round(rows / best),
      mbPerSecond: Math.round(body.length / 1e5 / best) / 10,
    };
  } finally {
    s3.restore();
  }
}

export default async (): Promise<Record<string, unknown>> => {
  const names = readdirSync(join(root, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
  const loadBefore = loadavg()[0] ?? 0;
  const out = mkdtempSync(join(tmpdir(), 'sparkmaker-bench-functions-'));
  const baselines: Record<string, number> = {};
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
      const times = importTimes(outfile);
      functions[name] = {
        bytes: statSync(outfile).size,
        gzipBytes: gzipSync(readFileSync(outfile)).length,
        importMs: Math.round(median(times) * 10) / 10,
        importMsMin: Math.round(Math.min(...times) * 10) / 10,
      };
    }
    // Baselines measured the same way, for scale: an empty module, and the S3 client on its own.
    const empty = join(out, 'empty.mjs');
    await bundleSnippet('export {};', empty);
    const sdk = join(out, 's3-client.mjs');
    await bundleSnippet(
      "import { S3Client } from '@aws-sdk/client-s3'; export const client = new S3Client({});",
      sdk,
    );
    baselines.emptyModuleMs = Math.round(median(importTimes(empty)) * 10) / 10;
    baselines.s3ClientOnlyMs = Math.round(median(importTimes(sdk)) * 10) / 10;
    baselines.s3ClientOnlyBytes = statSync(sdk).size;
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
    baselines,
    scoreShard: await scoreShardThroughput(),
    slowestImportMs: slowest,
    meetsGoal: slowest <= GOAL_MS,
  };
};
