/**
 * What the embedded trainers of the built-in KMeans, PCA and Linear Learner share: the channels as
 * dense float32 matrices (absent sparse entries and empty CSV fields are zeros, as these algorithms
 * read them), the `feature_dim` check, a seeded generator, and the trainer interface the training
 * job and `sparkmaker train` call through the registry in `trainers.ts`.
 */
import type { HyperparameterValues } from '../../../shared/algorithms';
import type { Dataset } from './xgboost/dataset';

/** A user-caused training failure (`ClientError: …`), as the algorithm containers report it. */
export class AlgorithmClientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AlgorithmClientError';
  }
}

/** A dense matrix of one channel: `rows × cols` float32 features, labels (NaN when absent). */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** The channels a trainer receives. */
export interface TrainerChannels {
  readonly train: Matrix;
  readonly validation?: Matrix;
  readonly test?: Matrix;
}

/** What a trainer returns: the bytes of `model_algo-1`, final metrics and a one-line summary. */
export interface TrainerResult {
  readonly modelAlgo: Uint8Array;
  /** `train:msd`, `validation:objective_loss`, … (FinalMetricDataList). */
  readonly metrics: Record<string, number>;
  readonly summary: string;
}

/** An embedded trainer: validated hyperparameters and channels in, artifact out. */
export type Trainer = (channels: TrainerChannels, hp: HyperparameterValues) => Promise<TrainerResult>;

/**
 * A channel's dataset as a `feature_dim`-wide dense matrix (NaN → 0).
 *
 * @throws {AlgorithmClientError} when the data is wider than `feature_dim`.
 */
export function toMatrix(ds: Dataset, featureDim: number, channel: string): Matrix {
  if (ds.cols > featureDim) {
    throw new AlgorithmClientError(
      `The ${channel} channel's records have ${ds.cols} features but feature_dim is ${featureDim}: the dimension of the data must equal feature_dim`,
    );
  }
  const x = new Float32Array(ds.rows * featureDim);
  for (let r = 0; r < ds.rows; r++) {
    for (let c = 0; c < ds.cols; c++) {
      const v = ds.values[r * ds.cols + c]!;
      x[r * featureDim + c] = Number.isNaN(v) ? 0 : v;
    }
  }
  return { rows: ds.rows, cols: featureDim, x, y: ds.labels };
}

/** A small seeded generator (mulberry32): reproducible training runs. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Yields to the event loop (long trainings keep the runtime responsive). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
