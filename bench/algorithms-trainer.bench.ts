/**
 * `npm run bench -- trainer` (with the XGBoost trainer bench): the embedded KMeans and PCA trainers
 * against scikit-learn single-threaded in the same run, on the same 100,000 × 50 Gaussian blobs
 * (k = 10; PCA regular/full with 10 components). Times exclude reading the data. Goal: ≤ 2× sklearn.
 * Skips the comparison (our times only) when /usr/bin/python3 cannot import sklearn.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inertia, trainKMeans } from '../local/services/sagemaker/kmeans/train';
import { trainPCA } from '../local/services/sagemaker/pca/train';
import { algorithmByName } from '../shared/algorithms';
import { NumericCsvReader } from '../shared/formats';

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(fileURLToPath(import.meta.url), '../../scripts/fixtures/sklearn_reference.py');
const ROWS = 100_000;
const COLS = 50;
const K = 10;

function python<T>(...args: string[]): T {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as T;
}

export default async (): Promise<Record<string, unknown>> => {
  const hasSklearn = spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
  if (!hasSklearn)
    return {
      skipped: 'python3 cannot import sklearn (Debian python3-sklearn): no data generator / baseline',
    };
  const dir = mkdtempSync(join(tmpdir(), 'bench-algo-'));
  const path = join(dir, 'blobs.csv');
  python('bench-data', path, String(ROWS), String(COLS), String(K));
  const reader = new NumericCsvReader({ source: path });
  const batches = [reader.push(readFileSync(path)), reader.end()];
  const x = new Float32Array(ROWS * COLS);
  let offset = 0;
  for (const b of batches) {
    x.set(b.values.subarray(0, b.rows * b.width), offset);
    offset += b.rows * b.width;
  }
  const matrix = { rows: ROWS, cols: COLS, x, y: new Float32Array(ROWS) };
  const figures: Record<string, unknown> = {
    data: `${ROWS} x ${COLS}, k=${K}`,
    loadAverageBefore: loadavg().map((v) => Number(v.toFixed(2))),
  };
  const kmeansHp = algorithmByName('kmeans').validateHyperparameters({
    k: String(K),
    feature_dim: String(COLS),
    init_method: 'kmeans++',
  });
  const pcaHp = algorithmByName('pca').validateHyperparameters({
    num_components: String(K),
    feature_dim: String(COLS),
    mini_batch_size: '5000',
  });
  for (let round = 0; round < 2; round++) {
    let started = performance.now();
    const km = await trainKMeans({ train: matrix }, kmeansHp);
    const oursKMeans = (performance.now() - started) / 1000;
    started = performance.now();
    await trainPCA({ train: matrix }, pcaHp);
    const oursPCA = (performance.now() - started) / 1000;
    const skKMeans = python<{ seconds: number; inertia: number }>('kmeans', path, String(K), '1');
    const skPCA = python<{ seconds: number }>('pca', path, String(K));
    const { readNDArrayFile } = await import('../shared/model/ndarray');
    const centroids = Float32Array.from(readNDArrayFile(km.modelAlgo).arrays[0]!.data);
    figures[`round${round + 1}`] = {
      kmeans: {
        oursSeconds: Number(oursKMeans.toFixed(3)),
        sklearnSeconds: Number(skKMeans.seconds.toFixed(3)),
        ratio: Number((oursKMeans / skKMeans.seconds).toFixed(2)),
        inertiaRatio: Number((inertia(matrix, centroids, K) / skKMeans.inertia).toFixed(4)),
      },
      pca: {
        oursSeconds: Number(oursPCA.toFixed(3)),
        sklearnSeconds: Number(skPCA.seconds.toFixed(3)),
        ratio: Number((oursPCA / skPCA.seconds).toFixed(2)),
      },
    };
  }
  figures.loadAverageAfter = loadavg().map((v) => Number(v.toFixed(2)));
  figures.goal = 'ours <= 2x scikit-learn (single-threaded), each algorithm';
  figures.note =
    'sklearn KMeans: n_init=1, k-means++, lloyd; ours: kmeans++ init on the first mini-batch (5000 rows), one mini-batch epoch, Lloyd to local_lloyd_tol; PCA: sklearn svd_solver=full vs our scatter matrix + Jacobi';
  return figures;
};
