/**
 * The embedded PCA trainer (SPEC §11.6, §12.3).
 * - `regular`: the exact solution. The (centred, with `subtract_mean=true`) scatter matrix XᵀX is
 *   accumulated in float64 over `mini_batch_size` blocks and diagonalised by cyclic Jacobi
 *   rotations; singular values are the square roots of its eigenvalues (not divided by n).
 * - `randomized`: Halko–Martinsson–Tropp with `num_components + extra_components` (−1 = max(10,
 *   num_components)) random directions and four power iterations, then the exact solution of the
 *   small projected problem.
 * `model_algo-1` is the NDArray dict `s` (k), `v` (feature_dim, k), and `mean` (1, feature_dim)
 * when the mean was subtracted, components ordered from the smallest singular value to the largest.
 * Each vector's sign is fixed so that its largest-magnitude entry is positive.
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

/**
 * Eigen-decomposition of a symmetric `n × n` matrix (row-major, destroyed) by cyclic Jacobi.
 * Returns eigenvalues descending and the matching eigenvectors as columns of `vectors` (n × n).
 */
export function symmetricEigen(a: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p]! * a[p * n + p]!;
      for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

function columnMeans(m: Matrix): Float64Array {
  const mean = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) for (let f = 0; f < m.cols; f++) mean[f]! += m.x[i * m.cols + f]!;
  for (let f = 0; f < m.cols; f++) mean[f]! /= m.rows;
  return mean;
}

/** XᵀX of the (centred) data, accumulated in float64 block by block. */
async function scatter(m: Matrix, mean: Float64Array | undefined, block: number): Promise<Float64Array> {
  const d = m.cols;
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let start = 0; start < m.rows; start += block) {
    const end = Math.min(m.rows, start + block);
    for (let i = start; i < end; i++) {
      for (let f = 0; f < d; f++) row[f] = m.x[i * d + f]! - (mean === undefined ? 0 : mean[f]!);
      for (let p = 0; p < d; p++) {
        const rp = row[p]!;
        if (rp === 0) continue;
        const base = p * d;
        for (let q = p; q < d; q++) c[base + q]! += rp * row[q]!;
      }
    }
    await yieldToLoop();
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) c[p * d + q] = c[q * d + p]!;
  return c;
}

/** Orthonormalises the columns of an `n × l` row-major matrix in place (modified Gram–Schmidt, twice). */
function orthonormalize(q: Float64Array, n: number, l: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      for (let i = 0; i < j; i++) {
        let dot = 0;
        for (let r = 0; r < n; r++) dot += q[r * l + i]! * q[r * l + j]!;
        for (let r = 0; r < n; r++) q[r * l + j]! -= dot * q[r * l + i]!;
      }
      let norm = 0;
      for (let r = 0; r < n; r++) norm += q[r * l + j]! * q[r * l + j]!;
      norm = Math.sqrt(norm) || 1;
      for (let r = 0; r < n; r++) q[r * l + j]! /= norm;
    }
  }
}

/** Top-`l` eigen-pairs of XcᵀXc by a randomized range finder; returns (values desc, d × l vectors). */
async function randomizedEigen(
  m: Matrix,
  mean: Float64Array | undefined,
  l: number,
  rng: Random,
): Promise<{ values: Float64Array; vectors: Float64Array }> {
  const n = m.rows;
  const d = m.cols;
  const xc = new Float64Array(n * d);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) xc[i * d + f] = m.x[i * d + f]! - (mean === undefined ? 0 : mean[f]!);
  let omega: Float64Array = new Float64Array(d * l);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  const times = (right: Float64Array): Float64Array => {
    // Xc (n × d) · right (d × l)
    const out = new Float64Array(n * l);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < d; f++) {
        const v = xc[i * d + f]!;
        if (v === 0) continue;
        for (let j = 0; j < l; j++) out[i * l + j]! += v * right[f * l + j]!;
      }
    }
    return out;
  };
  const transposeTimes = (left: Float64Array): Float64Array => {
    // Xcᵀ (d × n) · left (n × l)
    const out = new Float64Array(d * l);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < d; f++) {
        const v = xc[i * d + f]!;
        if (v === 0) continue;
        for (let j = 0; j < l; j++) out[f * l + j]! += v * left[i * l + j]!;
      }
    }
    return out;
  };
  let y = times(omega);
  for (let it = 0; it < 4; it++) {
    orthonormalize(y, n, l);
    omega = transposeTimes(y);
    orthonormalize(omega, d, l);
    y = times(omega);
    await yieldToLoop();
  }
  orthonormalize(y, n, l);
  // B = Qᵀ Xc (l × d); the eigen-pairs of BᵀB (d × d) ≈ those of XcᵀXc in the captured range.
  const bt = transposeTimes(y); // d × l = Bᵀ
  const small = new Float64Array(l * l); // B Bᵀ
  for (let i = 0; i < l; i++) {
    for (let j = i; j < l; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += bt[f * l + i]! * bt[f * l + j]!;
      small[i * l + j] = s;
      small[j * l + i] = s;
    }
  }
  const { values, vectors: u } = symmetricEigen(small, l);
  // v_j = Bᵀ u_j / σ_j
  const vectors = new Float64Array(d * l);
  for (let j = 0; j < l; j++) {
    const sigma = Math.sqrt(Math.max(values[j]!, 0)) || 1;
    for (let f = 0; f < d; f++) {
      let s = 0;
      for (let i = 0; i < l; i++) s += bt[f * l + i]! * u[i * l + j]!;
      vectors[f * l + j] = s / sigma;
    }
  }
  return { values, vectors };
}

/** Trains PCA; see the module comment. */
export async function trainPCA(channels: TrainerChannels, hp: HyperparameterValues): Promise<TrainerResult> {
  const { train } = channels;
  const d = train.cols;
  const k = hp.num_components as number;
  if (k > d) {
    throw new AlgorithmClientError(`num_components (${k}) must not be larger than feature_dim (${d})`);
  }
  if (train.rows < 2) throw new AlgorithmClientError('PCA needs at least 2 training records');
  const subtract = hp.subtract_mean === true;
  const mean = subtract ? columnMeans(train) : undefined;
  let values: Float64Array;
  let vectors: Float64Array;
  let width: number;
  if (hp.algorithm_mode === 'randomized') {
    const extra = (hp.extra_components as number) < 0 ? Math.max(10, k) : (hp.extra_components as number);
    width = Math.min(d, k + extra);
    ({ values, vectors } = await randomizedEigen(train, mean, width, new Random(0x9ca)));
  } else {
    width = d;
    ({ values, vectors } = symmetricEigen(await scatter(train, mean, hp.mini_batch_size as number), d));
  }
  // Top k, written smallest first.
  const s = new Float64Array(k);
  const v = new Float64Array(d * k);
  for (let j = 0; j < k; j++) {
    const src = k - 1 - j;
    s[j] = Math.sqrt(Math.max(values[src]!, 0));
    let big = 0;
    for (let f = 0; f < d; f++)
      if (Math.abs(vectors[f * width + src]!) > Math.abs(vectors[big * width + src]!)) big = f;
    const sign = vectors[big * width + src]! < 0 ? -1 : 1;
    for (let f = 0; f < d; f++) v[f * k + j] = sign * vectors[f * width + src]!;
  }
  const arrays: Array<{ shape: number[]; data: ArrayLike<number> }> = [
    { shape: [k], data: s },
    { shape: [d, k], data: v },
  ];
  const names = ['s', 'v'];
  if (mean !== undefined) {
    arrays.push({ shape: [1, d], data: mean });
    names.push('mean');
  }
  const total = values.reduce((a, b) => a + Math.max(b, 0), 0);
  const kept = s.reduce((a, b) => a + b * b, 0);
  return {
    modelAlgo: writeNDArrayFile(arrays, names),
    metrics: {},
    summary: `${k} of ${d} components (${hp.algorithm_mode}) on ${train.rows} records${hp.algorithm_mode === 'regular' ? `, ${((100 * kept) / (total || 1)).toFixed(2)} % of the variance` : ''}`,
  };
}
