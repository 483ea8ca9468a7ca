/**
 * The offline pipeline's two goals (issue 7):
 * 1. the whole `npm start` (seed, training, scoring, summary) in a fresh state directory: ≤ 60 s;
 * 2. scoring 1,000,000 rows through the Distributed Map offline (plan shards, score-shard Lambdas at
 *    MaxConcurrency 8, ResultWriter, commit): ≤ 60 s;
 * 3. (issue 15) that scoring with 1 Lambda worker and with N = the core count, in one run: a speed-up
 *    of at least 0.8 × N, and identical output bytes (SHA-256 of the part files).
 * The second reuses the model the first registered; its input is a features CSV (`customer_id` + the
 * model's `f_*` columns) so that the figure measures sharding and scoring, not the feature job.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../local/runtime';
import { listRecords } from '../local/services/sfn';
import { prng } from '../scripts/make-examples';

const root = join(import.meta.dirname, '..');

function runStart(stateDir: string): Promise<{ code: number; seconds: number; output: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'sparkmaker.js'), 'start', '--state-dir', stateDir],
      { cwd: root, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, seconds: (performance.now() - started) / 1000, output }),
    );
  });
}

/** SHA-256 over the bytes of the score part files under `dir`, in name order (names may hold run ids). */
async function hashParts(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(dir, { recursive: true }))
    .filter((f) => /part-[^/]*\.csv$/.test(String(f)))
    .sort();
  if (files.length === 0) throw new Error(`no score parts under ${dir}`);
  for (const file of files) {
    hash.update(await readFile(join(dir, String(file))));
  }
  return hash.digest('hex');
}

export default async function pipeline(): Promise<Record<string, unknown>> {
  const stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-bench-'));
  try {
    const start = await runStart(stateDir);
    if (start.code !== 0) throw new Error(`npm start failed (exit ${start.code}):\n${start.output}`);
    const training = (await listRecords(stateDir)).find((r) => r.stateMachineName.endsWith('training'));
    const trained = JSON.parse(training?.output ?? '{}') as {
      featureColumnsUri?: string;
      modelPackageArn?: string;
    };
    if (trained.featureColumnsUri === undefined)
      throw new Error('the training run reported no featureColumnsUri');

    const runtime = await startRuntime({ root, stateDir });
    try {
      const [bucket, ...key] = trained.featureColumnsUri.slice(5).split('/');
      const columns = JSON.parse(
        Buffer.from(await runtime.store.getObject(bucket!, key.join('/'))).toString('utf8'),
      ) as string[] | { featureColumns: string[] };
      const features = Array.isArray(columns) ? columns : columns.featureColumns;
      const rows = 1_000_000;
      const random = prng(42);
      const lines = [['customer_id', ...features].join(',')];
      for (let i = 0; i < rows; i++) {
        const values = features.map(() => (random() < 0.02 ? '' : (random() * 4 - 1).toFixed(4)));
        lines.push([`B${String(i).padStart(7, '0')}`, ...values].join(','));
      }
      const csv = `${lines.join('\n')}\n`;
      await runtime.store.putObject(runtime.buckets.data, 'bench/features-1m.csv', csv);

      await runtime.close();

      // The same scoring with 1 Lambda worker and with N (the core count), each in its own runtime.
      const scoreWith = async (workers: number) => {
        const scoring = await startRuntime({ root, stateDir, workers });
        try {
          const outputUri = `s3://${scoring.buckets.data}/scores/bench-${workers}w/`;
          const load = loadavg()[0]!;
          const started = performance.now();
          const record = await scoring.run(
            'scoring',
            {
              input: { uri: `s3://${scoring.buckets.data}/bench/features-1m.csv`, format: 'csv' },
              featureJob: false,
              model: { modelPackageGroup: 'sparkmaker-churn' },
              dt: '2024-06-03',
              outputUri,
              shardSizeBytes: 2 * 1024 * 1024,
              maxConcurrency: 8,
              batchSize: 1,
            },
            `score-bench-${workers}w-${Date.now()}`,
          );
          const seconds = (performance.now() - started) / 1000;
          if (record.status !== 'SUCCEEDED')
            throw new Error(`scoring failed: ${record.error}: ${record.cause}`);
          const out = JSON.parse(record.output ?? '{}') as { rows?: number; shards?: number };
          const stats = Object.values(scoring.lambda.stats());
          return {
            workers,
            seconds: Number(seconds.toFixed(2)),
            rows: out.rows,
            shards: out.shards,
            rowsPerSecond: Math.round((out.rows ?? 0) / seconds),
            coldStarts: stats.reduce((n, s) => n + s.coldStarts, 0),
            loadAverageAtStart: Number(load.toFixed(2)),
            outputSha256: await hashParts(
              join(stateDir, 's3', scoring.buckets.data, 'scores', `bench-${workers}w`),
            ),
          };
        } finally {
          await scoring.close();
        }
      };
      const cores = availableParallelism();
      const one = await scoreWith(1);
      const many = await scoreWith(cores);
      const speedup = one.seconds / many.seconds;
      const summary = start.output
        .split('\n')
        .filter((l) => l.includes('metrics:') || l.includes('scored:') || l.includes('Lambda:'));
      return {
        npmStartSeconds: Number(start.seconds.toFixed(2)),
        npmStartGoalSeconds: 60,
        npmStartWithinGoal: start.seconds <= 60,
        npmStartSummary: summary.map((l) => l.trim()),
        scoringInputBytes: Buffer.byteLength(csv),
        scoringOneWorker: one,
        scoringAllCores: many,
        cores,
        speedup: Number(speedup.toFixed(2)),
        speedupGoal: Number((0.8 * cores).toFixed(2)),
        speedupWithinGoal: speedup >= 0.8 * cores,
        identicalOutput: one.outputSha256 === many.outputSha256,
        scoringGoalSeconds: 60,
        scoringWithinGoal: many.seconds <= 60,
        loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
        note: `measured on this machine (${cores} cores shared with other work: noisy; see loadAverage)`,
      };
    } finally {
      await runtime.close();
    }
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
