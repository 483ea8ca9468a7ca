/**
 * Scoring speed: our XGBoost scorer against native XGBoost 1.7 on one thread, same model, same rows.
 *
 * - A 300-tree depth-6 `binary:logistic` model on 50 features is trained by Debian's python3-xgboost
 *   (when `/usr/bin/python3 -c 'import xgboost'` works) and saved as the SageMaker artifact would be
 *   (binf). 100 000 rows (10 % missing) are scored by native `Booster.predict` with `nthread=1`
 *   (fresh DMatrix per repetition, only `predict` timed, best of 3) and by `XGBoostModel.predict` (best of 2), alternating three times in this
 *   one run; the predictions are compared bit for bit.
 * - Model load: a synthetic ~10 MB binf model (1100 complete depth-7 trees) in a `model.tar.gz`,
 *   loaded with `loadModel` (gunzip + tar + parse + validate); the first load in the process (cold)
 *   and the best of the next five. Code generation happens at the first large batch, not at load.
 * Goals: ratio ≥ 1.0 (never < 0.5); load of the 10 MB artifact < 200 ms.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadModel } from '../shared/model';

const PYTHON = '/usr/bin/python3';
const ROWS = 100_000;
const FEATURES = 50;

const TRAIN = String.raw`
import sys
import numpy as np
import xgboost as xgb
out = sys.argv[1]
rng = np.random.default_rng(7)
n, p = 8000, ${FEATURES}
X = rng.normal(size=(n, p)).astype(np.float32)
X[rng.random(X.shape) < 0.1] = np.nan
w = rng.normal(size=p)
y = ((np.nan_to_num(X) @ w) + rng.normal(size=n) > 0).astype(np.float32)
params = dict(objective="binary:logistic", max_depth=6, eta=0.1, seed=0, tree_method="hist", nthread=2)
b = xgb.train(params, xgb.DMatrix(X, label=y), 300)
b.save_model(out + "/xgboost-model")
R = rng.normal(size=(${ROWS}, p)).astype(np.float32)
R[rng.random(R.shape) < 0.1] = np.nan
R.astype("<f4").tofile(out + "/rows.bin")
`;

/** Native single-thread predict: fresh DMatrix per repetition (XGBoost caches predictions per DMatrix). */
const PREDICT = String.raw`
import json, sys, time
import numpy as np
import xgboost as xgb
out = sys.argv[1]
R = np.fromfile(out + "/rows.bin", dtype="<f4").reshape(-1, ${FEATURES})
bst = xgb.Booster(model_file=out + "/xgboost-model")
bst.set_param({"nthread": 1})
times = []
for _ in range(3):
    d = xgb.DMatrix(R, missing=np.nan, nthread=1)
    t = time.perf_counter()
    pred = bst.predict(d)
    times.append(time.perf_counter() - t)
pred.astype("<f4").tofile(out + "/pred.bin")
print(json.dumps({"seconds": min(times), "rows": int(R.shape[0])}))
`;

function hasNativeXgboost(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import xgboost'], { stdio: 'ignore' });
  return r.status === 0;
}

function floats(path: string): Float32Array {
  const b = readFileSync(path);
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

async function speed(dir: string): Promise<Record<string, unknown>> {
  const python = (script: string): string => {
    const py = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (py.status !== 0) throw new Error(`native XGBoost failed: ${py.stderr}`);
    return py.stdout.trim().split('\n').pop() as string;
  };
  const nativeRate = (): number => {
    const r = JSON.parse(python(PREDICT)) as { seconds: number; rows: number };
    return r.rows / r.seconds;
  };
  python(TRAIN);
  const model = loadModel(readFileSync(join(dir, 'xgboost-model')));
  const x = floats(join(dir, 'rows.bin'));
  const rows = x.length / FEATURES;
  const oursRate = (): number => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      const t = performance.now();
      model.predict(x, rows);
      best = Math.min(best, (performance.now() - t) / 1000);
    }
    return rows / best;
  };
  oursRate(); // warm-up: generates the code
  // The machine is shared and its load swings: alternate native and ours, keep the best of each.
  const nativeRates: number[] = [];
  const oursRates: number[] = [];
  for (let round = 0; round < 3; round++) {
    nativeRates.push(nativeRate());
    oursRates.push(oursRate());
  }
  const expected = floats(join(dir, 'pred.bin'));
  const values = model.predict(x, rows).values;
  let mismatches = 0;
  for (let r = 0; r < rows; r++) if (!Object.is(values[r], expected[r])) mismatches++;
  const interpreted = loadModel(readFileSync(join(dir, 'xgboost-model')), { compile: false });
  const t = performance.now();
  interpreted.predict(x, rows);
  const interpretedRate = rows / ((performance.now() - t) / 1000);
  const ours = Math.max(...oursRates);
  const nativeBest = Math.max(...nativeRates);
  return {
    model: '300 trees, depth 6, 50 features, binary:logistic (binf)',
    rows,
    oursRowsPerSecond: Math.round(ours),
    oursRowsPerSecondRuns: oursRates.map(Math.round),
    oursInterpreterRowsPerSecond: Math.round(interpretedRate),
    nativeRowsPerSecond: Math.round(nativeBest),
    nativeRowsPerSecondRuns: nativeRates.map(Math.round),
    ratio: Number((ours / nativeBest).toFixed(3)),
    ratioPerRound: oursRates.map((o, i) => Number((o / (nativeRates[i] as number)).toFixed(3))),
    predictionsNotBitIdentical: mismatches,
    goal: 'ratio >= 1.0 (never < 0.5), 0 mismatches',
  };
}

// ---------------------------------------------------------------------------------------------
// Synthetic 10 MB artifact for the load-time figure.

export function syntheticBinf(trees: number, depth: number, features: number): Uint8Array {
  const nodes = 2 ** (depth + 1) - 1;
  const size = 4 + 136 + 8 + 15 + 8 + 6 + 160 + trees * (148 + nodes * 36 + 4);
  const buf = new ArrayBuffer(size);
  const v = new DataView(buf);
  const u8 = new Uint8Array(buf);
  let o = 0;
  const str = (s: string): void => {
    v.setBigUint64(o, BigInt(s.length), true);
    o += 8;
    for (const ch of s) u8[o++] = ch.charCodeAt(0);
  };
  u8.set([0x62, 0x69, 0x6e, 0x66], 0);
  o = 4;
  v.setFloat32(o, 0.5, true);
  v.setUint32(o + 4, features, true);
  v.setUint32(o + 20, 1, true); // major
  v.setUint32(o + 24, 7, true); // minor
  v.setUint32(o + 28, 1, true); // num_target
  o += 136;
  str('binary:logistic');
  str('gbtree');
  v.setInt32(o, trees, true);
  v.setInt32(o + 4, 1, true);
  v.setInt32(o + 8, features, true);
  o += 160;
  let seed = 1;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let t = 0; t < trees; t++) {
    v.setInt32(o, 1, true);
    v.setInt32(o + 4, nodes, true);
    v.setInt32(o + 12, depth, true);
    v.setUint32(o + 16, features, true);
    o += 148;
    const internal = 2 ** depth - 1;
    for (let n = 0; n < nodes; n++) {
      const leaf = n >= internal;
      v.setInt32(o, n === 0 ? 0x7fffffff : (n - 1) >> 1, true);
      v.setInt32(o + 4, leaf ? -1 : 2 * n + 1, true);
      v.setInt32(o + 8, leaf ? -1 : 2 * n + 2, true);
      v.setUint32(
        o + 12,
        leaf ? 0 : (Math.floor(rand() * features) | (rand() < 0.5 ? 0x80000000 : 0)) >>> 0,
        true,
      );
      v.setFloat32(o + 16, leaf ? (rand() - 0.5) * 0.2 : rand() * 2 - 1, true);
      o += 20;
    }
    o += nodes * 16;
  }
  for (let t = 0; t < trees; t++) {
    v.setInt32(o, 0, true);
    o += 4;
  }
  return u8.subarray(0, o);
}

export function tarGz(name: string, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(512);
  const put = (s: string, at: number): void => {
    for (let i = 0; i < s.length; i++) header[at + i] = s.charCodeAt(i);
  };
  put(name, 0);
  put('0000644\0', 100);
  put('0000000\0', 108);
  put('0000000\0', 116);
  put(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  put('00000000000\0', 136);
  put('        ', 148);
  put('0', 156);
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const b of header) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padded = new Uint8Array(512 + Math.ceil(data.length / 512) * 512 + 1024);
  padded.set(header, 0);
  padded.set(data, 512);
  return gzipSync(padded);
}

/** First load in this process (cold: what a Lambda cold start pays) and best of 5 after it. */
function timeLoad(bytes: Uint8Array): { cold: number; warm: number } {
  const times: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t = performance.now();
    loadModel(bytes);
    times.push(performance.now() - t);
  }
  return {
    cold: Number((times[0] as number).toFixed(1)),
    warm: Number(Math.min(...times.slice(1)).toFixed(1)),
  };
}

function load(): Record<string, unknown> {
  const binf = syntheticBinf(1100, 7, 100);
  const artifact = tarGz('xgboost-model', binf);
  const { cold, warm } = timeLoad(artifact);
  return {
    loadModelTarGzColdMs: cold,
    loadModelTarGzMs: warm,
    loadModelBinfBytes: binf.length,
    loadModelTarGzBytes: artifact.length,
    loadGoal: 'load of the ~10 MB artifact < 200 ms',
  };
}

export default async (): Promise<Record<string, unknown>> => {
  const figures: Record<string, unknown> = { ...load() };
  if (!hasNativeXgboost()) {
    return { ...figures, native: `skipped: ${PYTHON} cannot import xgboost` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sparkmaker-scoring-bench-'));
  try {
    return { ...figures, ...(await speed(dir)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
