/**
 * Built-in PCA (SPEC §2, §11.6, §12.3): trained from RecordIO-protobuf float32 without labels;
 * `model_algo-1` is an NDArray dict `s` (k) singular values, `v` (feature_dim, k) right singular
 * vectors and `mean` (1, feature_dim) with `subtract_mean=true`; components ordered from the
 * smallest singular value to the largest. Inference (inferred): `projection = (x − mean) · v`.
 */
import { ModelFormatError } from '../../errors';
import { type NDArray, readNDArrayFile } from '../../model/ndarray';
import { modelAlgoBytes } from '../artifact';
import { type HyperparameterSchema, validateHyperparameterValues } from '../hyperparameters';
import { algorithmImage, imageRepositoryIs } from '../images';
import { formatResponse } from '../responses';
import type { Algorithm, AlgorithmModel, ScoredRows } from '../types';

/** PCA hyperparameters (developer guide `PCA-reference`). */
export const PCA_HYPERPARAMETERS: HyperparameterSchema = {
  feature_dim: { kind: 'integer', required: true, min: 1 },
  mini_batch_size: { kind: 'integer', required: true, min: 1 },
  num_components: { kind: 'integer', required: true, min: 1 },
  algorithm_mode: { kind: 'choice', default: 'regular', choices: ['regular', 'randomized'] },
  extra_components: { kind: 'integer', default: '-1', min: -1 },
  subtract_mean: { kind: 'boolean', default: 'true' },
};

/** A PCA model. */
export class PCAModel implements AlgorithmModel {
  readonly algorithm = 'pca' as const;
  readonly outputColumns: readonly string[];
  readonly accepts = ['application/jsonlines', 'application/json', 'application/x-recordio-protobuf'];

  /**
   * @param s singular values (k), @param v row-major (numFeature, k), @param mean (numFeature) or
   * undefined when the model was trained with `subtract_mean=false`.
   */
  constructor(
    readonly s: Float32Array,
    readonly v: Float32Array,
    readonly mean: Float32Array | undefined,
    readonly numFeature: number,
    readonly k: number,
  ) {
    this.outputColumns = Array.from({ length: k }, (_, i) => `projection_${i}`);
  }

  score(x: Float32Array, rows: number): ScoredRows {
    const d = this.numFeature;
    const k = this.k;
    const out = new Float32Array(rows * k);
    const acc = new Float64Array(k);
    for (let r = 0; r < rows; r++) {
      acc.fill(0);
      for (let f = 0; f < d; f++) {
        const raw = x[r * d + f]!;
        const centred = (Number.isNaN(raw) ? 0 : raw) - (this.mean === undefined ? 0 : this.mean[f]!);
        if (centred === 0) continue;
        const vb = f * k;
        for (let j = 0; j < k; j++) acc[j]! += centred * this.v[vb + j]!;
      }
      for (let j = 0; j < k; j++) out[r * k + j] = acc[j]!;
    }
    return { rows, fields: [{ name: 'projection', width: k, values: out }] };
  }

  formatBatch(scored: ScoredRows, accept?: string): string | Uint8Array {
    return formatResponse(scored, accept, this.accepts, 'projections');
  }
}

function named(arrays: readonly NDArray[], names: readonly string[], name: string): NDArray | undefined {
  const i = names.indexOf(name);
  return i < 0 ? undefined : arrays[i];
}

/**
 * Reads a PCA artifact.
 *
 * @throws {ModelFormatError} when `s` or `v` is missing or the shapes disagree.
 */
export function readPCAArtifact(bytes: Uint8Array, source = 'PCA model'): PCAModel {
  const file = readNDArrayFile(modelAlgoBytes(bytes, source), source);
  if (file.names === undefined) {
    throw new ModelFormatError(
      `${source}: a PCA model_algo-1 is an NDArray dict (s, v, mean), found an unnamed list`,
    );
  }
  const s = named(file.arrays, file.names, 's');
  const v = named(file.arrays, file.names, 'v');
  const mean = named(file.arrays, file.names, 'mean');
  if (s === undefined || v === undefined) {
    throw new ModelFormatError(
      `${source}: PCA model needs arrays 's' and 'v', found ${file.names.join(', ')}`,
    );
  }
  if (v.shape.length !== 2 || s.data.length !== v.shape[1]) {
    throw new ModelFormatError(
      `${source}: PCA 'v' has shape (${v.shape.join(', ')}) for ${s.data.length} singular values; expected (feature_dim, ${s.data.length})`,
    );
  }
  const [d, k] = v.shape as [number, number];
  if (mean !== undefined && mean.data.length !== d) {
    throw new ModelFormatError(`${source}: PCA 'mean' has ${mean.data.length} values for feature_dim ${d}`);
  }
  return new PCAModel(
    Float32Array.from(s.data),
    Float32Array.from(v.data),
    mean === undefined || mean.data.length === 0 ? undefined : Float32Array.from(mean.data),
    d,
    k,
  );
}

/** The PCA module. */
export const pca: Algorithm = {
  name: 'pca',
  trainingContentType: 'application/x-recordio-protobuf',
  supervised: false,
  channels: ['train', 'test'],
  image: (region) => algorithmImage('pca', region),
  matchesImage: (image) => imageRepositoryIs(image, 'pca'),
  hyperparameters: PCA_HYPERPARAMETERS,
  validateHyperparameters: (given) => validateHyperparameterValues(PCA_HYPERPARAMETERS, given),
  transformAccept: 'application/jsonlines',
  evaluation: 'projection',
  readArtifact: readPCAArtifact,
};
