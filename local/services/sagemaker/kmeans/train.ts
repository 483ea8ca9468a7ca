/**
 * The embedded KMeans trainer: SageMaker's web-scale k-means as its hyperparameters describe it,
 * then Lloyd's iterations on the data (everything is in memory offline).
 *
 * 1. `init_method` (`random` rows, or `kmeans++` D² sampling with 2 + ln K candidates per centre, as
 *    scikit-learn's greedy variant) picks K' = k × `extra_center_factor` centres from the first
 *    mini-batch (`mini_batch_size` rows).
 * 2. `epochs` passes of mini-batch k-means (Sculley 2010: each centre moves towards its points with
 *    rate 1/count), counts decayed by 0.5 per `half_life_time_size` points when that is > 0.
 * 3. Local Lloyd's: when K' > k, the K' centres, weighted by their counts, are clustered to k
 *    (`local_lloyd_init_method`, `local_lloyd_max_iter`, `local_lloyd_tol`).
 * 4. Lloyd's iterations on the training data from those k centres until the relative decrease of
 *    the sum of squared distances falls below `local_lloyd_tol` or `local_lloyd_max_iter` passes
 *    (an empty cluster takes the point farthest from its centre).
 * `local_lloyd_num_trials` runs of 1–4 with different seeds; the lowest SSE wins.
 * `model_algo-1`: NDArray list of one float32 (k, feature_dim) array (SPEC §12.2).
 */

import type { HyperparameterValues } from '../../../../shared/algorithms';
import { writeNDArrayFile } from '../../../../shared/model/ndarray';
import {
  AlgorithmClientError,
  type Matrix,
  Random,
  type TrainerChannels,
  type TrainerResult,
  yieldToLoop,
} from '../builtin';

/** Squared distances of a row to its nearest centre, and which one. */
function nearest(
  x: Float32Array,
  base: number,
  d: number,
  centers: Float64Array,
  k: number,
): { index: number; dist: number } {
  let best = 0;
  let bestDist = Number.POSITIVE_INFINITY;
  for (let j = 0; j < k; j++) {
    let s = 0;
    const cb = j * d;
    for (let f = 0; f < d; f++) {
      const diff = x[base + f]! - centers[cb + f]!;
      s += diff * diff;
      if (s >= bestDist) break;
    }
    if (s < bestDist) {
      bestDist = s;
      best = j;
    }
  }
  return { index: best, dist: bestDist };
}

function sqDist(x: ArrayLike<number>, a: number, y: ArrayLike<number>, b: number, d: number): number {
  let s = 0;
  for (let f = 0; f < d; f++) {
    const diff = x[a + f]! - y[b + f]!;
    s += diff * diff;
  }
  return s;
}

/** Points as rows of `x` (`n × d`), optionally weighted. */
interface Points {
  readonly x: Float32Array | Float64Array;
  readonly n: number;
  readonly d: number;
  readonly w?: Float64Array;
}

/** k-means++ (greedy: 2 + ln k candidates per centre, the one lowering the potential most). */
export function kmeansPlusPlus(points: Points, k: number, rng: Random): Float64Array {
  const { x, n, d, w } = points;
  const centers = new Float64Array(k * d);
  const weight = (i: number): number => (w === undefined ? 1 : w[i]!);
  let total = 0;
  for (let i = 0; i < n; i++) total += weight(i);
  let pick = rng.next() * total;
  let first = 0;
  for (; first < n - 1; first++) {
    pick -= weight(first);
    if (pick <= 0) break;
  }
  for (let f = 0; f < d; f++) centers[f] = x[first * d + f]!;
  const closest = new Float64Array(n);
  let potential = 0;
  for (let i = 0; i < n; i++) {
    closest[i] = sqDist(x, i * d, centers, 0, d) * weight(i);
    potential += closest[i]!;
  }
  const trials = 2 + Math.floor(Math.log(k));
  const candidateDist = new Float64Array(n);
  const bestDist = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let bestCandidate = -1;
    let bestPotential = Number.POSITIVE_INFINITY;
    for (let t = 0; t < trials; t++) {
      let r = rng.next() * potential;
      let candidate = 0;
      for (; candidate < n - 1; candidate++) {
        r -= closest[candidate]!;
        if (r <= 0) break;
      }
      let candidatePotential = 0;
      for (let i = 0; i < n; i++) {
        const dist = Math.min(closest[i]!, sqDist(x, i * d, x, candidate * d, d) * weight(i));
        candidateDist[i] = dist;
        candidatePotential += dist;
      }
      if (candidatePotential < bestPotential) {
        bestPotential = candidatePotential;
        bestCandidate = candidate;
        bestDist.set(candidateDist);
      }
    }
    for (let f = 0; f < d; f++) centers[c * d + f] = x[bestCandidate * d + f]!;
    closest.set(bestDist);
    potential = bestPotential;
  }
  return centers;
}

/** `k` distinct random rows (weighted points: drawn in proportion to weight). */
export function randomInit(points: Points, k: number, rng: Random): Float64Array {
  const { x, n, d } = points;
  const centers = new Float64Array(k * d);
  const chosen = new Set<number>();
  for (let c = 0; c < k; c++) {
    let i = rng.int(n);
    for (let tries = 0; chosen.has(i) && tries < 10 * n; tries++) i = rng.int(n);
    chosen.add(i);
    for (let f = 0; f < d; f++) centers[c * d + f] = x[i * d + f]!;
  }
  return centers;
}

/** Lloyd's algorithm from `centers` (updated in place); returns the final weighted SSE. */
export async function lloyd(
  points: Points,
  centers: Float64Array,
  k: number,
  maxIter: number,
  tol: number,
): Promise<{ sse: number; iterations: number }> {
  const { x, n, d, w } = points;
  const labels = new Int32Array(n);
  const dists = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  let previous = Number.POSITIVE_INFINITY;
  let sse = 0;
  let iterations = 0;
  const xs = x instanceof Float32Array ? x : Float32Array.from(x);
  for (let iter = 0; iter < maxIter; iter++) {
    iterations = iter + 1;
    sse = 0;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const { index, dist } = nearest(xs, i * d, d, centers, k);
      labels[i] = index;
      const wi = w === undefined ? 1 : w[i]!;
      dists[i] = dist * wi;
      sse += dists[i]!;
      counts[index]! += wi;
      const sb = index * d;
      for (let f = 0; f < d; f++) sums[sb + f]! += wi * x[i * d + f]!;
    }
    for (let j = 0; j < k; j++) {
      if (counts[j]! > 0) {
        for (let f = 0; f < d; f++) centers[j * d + f] = sums[j * d + f]! / counts[j]!;
        continue;
      }
      // Empty cluster: move it to the point farthest from its centre.
      let far = 0;
      for (let i = 1; i < n; i++) if (dists[i]! > dists[far]!) far = i;
      for (let f = 0; f < d; f++) centers[j * d + f] = x[far * d + f]!;
      dists[far] = 0;
    }
    if (previous - sse <= tol * sse) break;
    previous = sse;
    if (iter % 4 === 3) await yieldToLoop();
  }
  // The SSE of the centres as returned.
  let final = 0;
  for (let i = 0; i < n; i++) final += nearest(xs, i * d, d, centers, k).dist * (w === undefined ? 1 : w[i]!);
  return { sse: final, iterations };
}

/** Sum of squared distances of every row to its nearest centre. */
export function inertia(m: Matrix, centers: Float64Array | Float32Array, k: number): number {
  const c = centers instanceof Float64Array ? centers : Float64Array.from(centers);
  let s = 0;
  for (let i = 0; i < m.rows; i++) s += nearest(m.x, i * m.cols, m.cols, c, k).dist;
  return s;
}

async function trial(
  train: Matrix,
  hp: HyperparameterValues,
  seed: number,
): Promise<{ centers: Float64Array; sse: number }> {
  const k = hp.k as number;
  const d = train.cols;
  const n = train.rows;
  const rng = new Random(seed);
  const factor = hp.extra_center_factor === 'auto' ? 1 : (hp.extra_center_factor as number);
  const kPrime = Math.min(n, k * factor);
  const batch = Math.min(n, hp.mini_batch_size as number);
  // 1. initial centres from the first mini-batch
  const first: Points = { x: train.x.subarray(0, batch * d), n: batch, d };
  let centers =
    hp.init_method === 'kmeans++' ? kmeansPlusPlus(first, kPrime, rng) : randomInit(first, kPrime, rng);
  // 2. mini-batch epochs
  const counts = new Float64Array(kPrime);
  const decay =
    (hp.half_life_time_size as number) > 0 ? 0.5 ** (batch / (hp.half_life_time_size as number)) : 1;
  for (let epoch = 0; epoch < (hp.epochs as number); epoch++) {
    for (let start = 0; start < n; start += batch) {
      const end = Math.min(n, start + batch);
      if (decay !== 1) for (let j = 0; j < kPrime; j++) counts[j]! *= decay;
      for (let i = start; i < end; i++) {
        const { index } = nearest(train.x, i * d, d, centers, kPrime);
        counts[index]! += 1;
        const eta = 1 / counts[index]!;
        const cb = index * d;
        for (let f = 0; f < d; f++) centers[cb + f]! += eta * (train.x[i * d + f]! - centers[cb + f]!);
      }
      await yieldToLoop();
    }
  }
  // 3. local Lloyd's on the weighted centres down to k
  if (kPrime > k) {
    const weighted: Points = { x: centers, n: kPrime, d, w: counts.map((c) => Math.max(c, 1e-12)) };
    const reduced =
      hp.local_lloyd_init_method === 'kmeans++'
        ? kmeansPlusPlus(weighted, k, rng)
        : randomInit(weighted, k, rng);
    await lloyd(weighted, reduced, k, hp.local_lloyd_max_iter as number, hp.local_lloyd_tol as number);
    centers = reduced;
  }
  // 4. Lloyd's on the data
  const { sse } = await lloyd(
    { x: train.x, n, d },
    centers,
    k,
    hp.local_lloyd_max_iter as number,
    hp.local_lloyd_tol as number,
  );
  return { centers, sse };
}

/** Trains KMeans; see the module comment. */
export async function trainKMeans(
  channels: TrainerChannels,
  hp: HyperparameterValues,
): Promise<TrainerResult> {
  const { train } = channels;
  const k = hp.k as number;
  if (train.rows < k) {
    throw new AlgorithmClientError(`k (${k}) is larger than the number of training records (${train.rows})`);
  }
  const trials = hp.local_lloyd_num_trials === 'auto' ? 1 : (hp.local_lloyd_num_trials as number);
  let best: { centers: Float64Array; sse: number } | undefined;
  for (let t = 0; t < trials; t++) {
    const result = await trial(train, hp, 0x5eed + t * 7919);
    if (best === undefined || result.sse < best.sse) best = result;
  }
  const centers = best!.centers;
  const metrics: Record<string, number> = {};
  const evalMetrics = String(hp.eval_metrics);
  const report = (channel: string, m: Matrix): void => {
    const ssd = inertia(m, centers, k);
    if (evalMetrics.includes('msd')) metrics[`${channel}:msd`] = ssd / m.rows;
    if (evalMetrics.includes('ssd')) metrics[`${channel}:ssd`] = ssd;
  };
  report('train', train);
  if (channels.test !== undefined) report('test', channels.test);
  return {
    modelAlgo: writeNDArrayFile([{ shape: [k, train.cols], data: centers }]),
    metrics,
    summary: `k=${k} on ${train.rows} records x ${train.cols} features, ${trials} trial(s), train SSE ${best!.sse.toPrecision(8)}`,
  };
}
