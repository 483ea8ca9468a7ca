/**
 * Chaos: `sparkmaker start` is killed with SIGKILL at random points, again and again, then run to the
 * end. A committed scores partition must never be half-written, the last good one must survive every
 * killed run, and no execution may stay RUNNING. SPARKMAKER_CHAOS_KILLS sets the number of kills
 * (default 20); SPARKMAKER_CHAOS_SEED the random points.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRecords } from '../../local/services/sfn';

const root = join(import.meta.dirname, '..', '..');
const BIN = join(root, 'bin', 'sparkmaker.js');
const KILLS = Number(process.env.SPARKMAKER_CHAOS_KILLS ?? 20);
let seed = Number(process.env.SPARKMAKER_CHAOS_SEED ?? 20261204);

/** A small deterministic generator (mulberry32), so a failing point can be replayed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function start(stateDir: string): { child: ChildProcess; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, 'start', '--state-dir', stateDir], {
    cwd: root,
    env: { ...process.env, CI: '1' },
    stdio: 'ignore',
  });
  return { child, exit: new Promise((resolve) => child.on('close', (code) => resolve(code))) };
}

interface Partition {
  /** File name → SHA-256 of its bytes. */
  readonly files: Record<string, string>;
  readonly manifest?: { status: string; shards: { outputKey: string }[] };
}

async function partition(stateDir: string): Promise<Partition> {
  const dir = join(stateDir, 's3', 'sparkmaker-data', 'scores', 'dt=2024-06-06');
  const files: Record<string, string> = {};
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    files[name] = createHash('sha256')
      .update(await readFile(join(dir, name)))
      .digest('hex');
  }
  const text = await readFile(join(dir, '_manifest.json'), 'utf8').catch(() => undefined);
  return { files, ...(text === undefined ? {} : { manifest: JSON.parse(text) }) };
}

/** The part files a manifest lists, by file name. */
const listed = (p: Partition) =>
  (p.manifest?.shards ?? []).map((s) => s.outputKey.split('/').at(-1) as string);

describe('sparkmaker start killed at random points', () => {
  let stateDir: string;
  let fullRunMs = 0;
  let good: Partition;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-chaos-'));
    const began = Date.now();
    const first = start(stateDir);
    expect(await first.exit).toBe(0);
    fullRunMs = Date.now() - began;
    good = await partition(stateDir);
  }, 600_000);

  afterAll(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  it(`never half-writes a committed partition and keeps the last good one through ${KILLS} kills`, async () => {
    expect(good.manifest?.status).toBe('COMPLETE');
    expect(Object.keys(good.files)).toContain('_SUCCESS');
    for (let kill = 0; kill < KILLS; kill++) {
      // Act: kill somewhere between start-up and the end of a whole run
      const run = start(stateDir);
      const at = 300 + Math.floor(random() * fullRunMs);
      const timer = setTimeout(() => run.child.kill('SIGKILL'), at);
      const code = await run.exit;
      clearTimeout(timer);
      const now = await partition(stateDir);
      // Assess: the manifest's parts are all there, byte for byte as committed; a new manifest only
      // ever comes from a complete commit
      const where = `kill ${kill + 1} at ${at} ms (exit ${code}, seed ${process.env.SPARKMAKER_CHAOS_SEED ?? 20261204})`;
      expect(now.manifest, where).toBeDefined();
      for (const name of listed(now)) expect(now.files[name], `${where}: ${name}`).toBeDefined();
      if (JSON.stringify(now.manifest) === JSON.stringify(good.manifest)) {
        for (const name of [...listed(good), '_manifest.json', '_SUCCESS'])
          expect(now.files[name], `${where}: ${name}`).toBe(good.files[name]);
      } else {
        expect(now.manifest?.status, where).toBe('COMPLETE');
        expect(now.files._SUCCESS, where).toBeDefined();
        good = now;
      }
    }

    // Act: a run to the end
    const last = start(stateDir);
    expect(await last.exit).toBe(0);

    // Assess: the partition holds exactly what its manifest lists; nothing is left RUNNING
    const after = await partition(stateDir);
    const parts = Object.keys(after.files).filter((f) => f.startsWith('part-'));
    expect(parts.sort()).toEqual(listed(after).sort());
    expect(after.manifest?.status).toBe('COMPLETE');
    const running = (await listRecords(stateDir)).filter((r) => r.status === 'RUNNING');
    expect(running.map((r) => r.name)).toEqual([]);
  }, 3_600_000);
});
