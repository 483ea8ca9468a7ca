/** What every algorithm module says about itself ("algorithms are data", DESIGN.md). */
import type { HyperparameterSchema, HyperparameterValues } from './hyperparameters';

/** The algorithms a training input can name. */
export type AlgorithmName = 'xgboost' | 'kmeans' | 'pca' | 'linear-learner' | 'custom';

/** How a model's batch-transform output is evaluated. */
export type EvaluationKind = 'supervised' | 'clustering' | 'projection';

/** One output of a scorer: `width` values per row (1 = a scalar). */
export interface ScoreField {
  readonly name: string;
  readonly width: number;
  /** `rows × width` values, float32 as the containers compute them. */
  readonly values: Float32Array;
  /** Rendered as an integer in JSON (`"predicted_label": 0`). */
  readonly integer?: boolean;
}

/** The scorer's answer for a block of rows. */
export interface ScoredRows {
  readonly rows: number;
  readonly fields: readonly ScoreField[];
}

/** A built-in model read from its artifact, ready to score in-process (Lambda, CLI, batch transform). */
export interface AlgorithmModel {
  readonly algorithm: AlgorithmName;
  /** Width of a feature row (`feature_dim`). */
  readonly numFeature: number;
  /** The output columns of a scored row, in order (`closest_cluster`, `distance_to_cluster`). */
  readonly outputColumns: readonly string[];
  /** Accept types the container answers (first = default of `sparkmaker score`). */
  readonly accepts: readonly string[];
  /** Scores dense float32 rows (`rows × numFeature`, NaN = missing). */
  score(x: Float32Array, rows: number): ScoredRows;
  /** The body a batch transform writes for one request, for that Accept (SPEC §2). */
  formatBatch(scored: ScoredRows, accept?: string): string | Uint8Array;
}

/** One algorithm's description (see the modules under `shared/algorithms/<name>/`). */
export interface Algorithm {
  readonly name: AlgorithmName;
  /** The content type the workflow converts the training data to. */
  readonly trainingContentType: 'text/csv' | 'text/libsvm' | 'application/x-recordio-protobuf';
  /** Whether training needs a label (unsupervised algorithms take `label_size=0` data). */
  readonly supervised: boolean;
  /** Channels the container accepts. */
  readonly channels: readonly string[];
  /** The training / inference image in a region (undefined for `custom`: the user gives it). */
  image(region: string): string | undefined;
  /** Whether a training image is this algorithm's. */
  matchesImage(image: string): boolean;
  /** The documented hyperparameters (undefined: the container decides, as for `custom`). */
  readonly hyperparameters: HyperparameterSchema | undefined;
  /** Validates string hyperparameters as the container does; defaults filled in. */
  validateHyperparameters(given: Readonly<Record<string, string>>): HyperparameterValues;
  /** The batch-transform Accept the workflows ask for. */
  readonly transformAccept: string;
  /** How the evaluation step reads its transform output. */
  readonly evaluation: EvaluationKind;
  /** Reads this algorithm's `model.tar.gz` (or bare model file); undefined for `custom`. */
  readonly readArtifact: ((bytes: Uint8Array, source?: string) => AlgorithmModel) | undefined;
}
