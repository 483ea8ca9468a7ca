/**
 * Built-in KMeans (SPEC §2, §11.6, §12.2): trained from RecordIO-protobuf float32 without labels;
 * `model_algo-1` is an NDArray list of one float32 (k, feature_dim) array, the centroids; inference
 * answers `closest_cluster` (index of the nearest centroid) and `distance_to_cluster` (Euclidean,
 * not squared).
 */
import { ModelFormatError } from '../../errors';
import { readNDArrayFile } from '../../model/ndarray';
import { modelAlgoBytes } from '../artifact';
import { type HyperparameterSchema, validateHyperparameterValues } from '../hyperparameters';
import { algorithmImage, imageRepositoryIs } from '../images';
import { formatResponse } from '../responses';
import type { Algorithm, AlgorithmModel, ScoredRows } from '../types';

/** KMeans hyperparameters (developer guide `k-means-api-config`). */
export const KMEANS_HYPERPARAMETERS: HyperparameterSchema = {
  feature_dim: { kind: 'integer', required: true, min: 1 },
  k: { kind: 'integer', required: true, min: 2 },
  epochs: { kind: 'integer', default: '1', min: 1 },
  eval_metrics: { kind: 'string', default: '["msd"]' },
  extra_center_factor: { kind: 'integer', default: 'auto', min: 1, choices: ['auto'] },
  half_life_time_size: { kind: 'integer', default: '0', min: 0 },
  init_method: { kind: 'choice', default: 'random', choices: ['random', 'kmeans++'] },
  local_lloyd_init_method: { kind: 'choice', default: 'kmeans++', choices: ['random', 'kmeans++'] },
  local_lloyd_max_iter: { kind: 'integer', default: '300', min: 1 },
  local_lloyd_num_trials: { kind: 'integer', default: 'auto', min: 1, choices: ['auto'] },
  local_lloyd_tol: { kind: 'float', default: '0.0001', min: 0, max: 1 },
  mini_batch_size: { kind: 'integer', default: '5000', min: 1 },
  // Not in the developer guide's table but accepted by the container and by the SDK's estimator.
  force_dense: { kind: 'boolean' },
};

/** KMeans centroids, scoring rows to their closest cluster. */
export class KMeansModel implements AlgorithmModel {
  readonly algorithm = 'kmeans' as const;
  readonly outputColumns = ['closest_cluster', 'distance_to_cluster'] as const;
  readonly accepts = [
    'text/csv',
    'application/json',
    'application/jsonlines',
    'application/x-recordio-protobuf',
  ];
  readonly k: number;
  readonly numFeature: number;

  /** @param centroids row-major (k, numFeature) float32. */
  constructor(
    readonly centroids: Float32Array,
    k: number,
    numFeature: number,
  ) {
    this.k = k;
    this.numFeature = numFeature;
  }

  score(x: Float32Array, rows: number): ScoredRows {
    const d = this.numFeature;
    const k = this.k;
    const c = this.centroids;
    const closest = new Float32Array(rows);
    const distance = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      let best = 0;
      let bestDist = Number.POSITIVE_INFINITY;
      for (let j = 0; j < k; j++) {
        let s = 0;
        const cb = j * d;
        for (let f = 0; f < d; f++) {
          const v = x[base + f]!;
          const diff = (Number.isNaN(v) ? 0 : v) - c[cb + f]!;
          s += diff * diff;
        }
        if (s < bestDist) {
          bestDist = s;
          best = j;
        }
      }
      closest[r] = best;
      distance[r] = Math.sqrt(bestDist);
    }
    return {
      rows,
      fields: [
        { name: 'closest_cluster', width: 1, values: closest },
        { name: 'distance_to_cluster', width: 1, values: distance },
      ],
    };
  }

  formatBatch(scored: ScoredRows, accept?: string): string | Uint8Array {
    return formatResponse(scored, accept, this.accepts);
  }
}

/**
 * Reads a KMeans artifact.
 *
 * @throws {ModelFormatError} for anything but one 2-D array in a list file.
 */
export function readKMeansArtifact(bytes: Uint8Array, source = 'KMeans model'): KMeansModel {
  const file = readNDArrayFile(modelAlgoBytes(bytes, source), source);
  const centroids = file.arrays[0];
  if (file.arrays.length !== 1 || centroids === undefined || centroids.shape.length !== 2) {
    throw new ModelFormatError(
      `${source}: a KMeans model_algo-1 holds one (k, feature_dim) array, found ${file.arrays.length} array(s)${centroids === undefined ? '' : ` of shape (${centroids.shape.join(', ')})`}`,
    );
  }
  const [k, d] = centroids.shape as [number, number];
  if (k < 1 || d < 1) throw new ModelFormatError(`${source}: KMeans centroids have shape (${k}, ${d})`);
  return new KMeansModel(Float32Array.from(centroids.data), k, d);
}

/** The KMeans module. */
export const kmeans: Algorithm = {
  name: 'kmeans',
  trainingContentType: 'application/x-recordio-protobuf',
  supervised: false,
  channels: ['train', 'test'],
  image: (region) => algorithmImage('kmeans', region),
  matchesImage: (image) => imageRepositoryIs(image, 'kmeans'),
  hyperparameters: KMEANS_HYPERPARAMETERS,
  validateHyperparameters: (given) => validateHyperparameterValues(KMEANS_HYPERPARAMETERS, given),
  transformAccept: 'text/csv',
  evaluation: 'clustering',
  readArtifact: readKMeansArtifact,
};
