/**
 * The algorithm registry ("algorithms are data", DESIGN.md): one module per algorithm saying its
 * training content type, image per region, hyperparameter schema, artifact reader, in-process
 * scorer, response formats and evaluation kind. Callers ask the registry and never switch on a name.
 *
 * @example
 * import { algorithmByName, loadAlgorithmModel } from '../shared/algorithms';
 * algorithmByName('kmeans').validateHyperparameters({ k: '10', feature_dim: '64' });
 * const model = loadAlgorithmModel(await readFile('model.tar.gz'));
 * const body = model.formatBatch(model.score(x, rows), 'text/csv');
 */
import { InputValidationError, ModelFormatError } from '../errors';
import { readNDArrayFile } from '../model/ndarray';
import { isZip } from '../model/zip';
import { holdsModelAlgo, modelAlgoBytes } from './artifact';
import { custom } from './custom';
import { kmeans, readKMeansArtifact } from './kmeans';
import { linearLearner, readLinearLearnerArtifact } from './linear-learner';
import { pca, readPCAArtifact } from './pca';
import type { Algorithm, AlgorithmModel, AlgorithmName } from './types';
import { xgboost } from './xgboost';

export { holdsModelAlgo, MODEL_ALGO_MEMBER, modelAlgoBytes } from './artifact';
export {
  type HyperparameterKind,
  type HyperparameterSchema,
  type HyperparameterSpec,
  type HyperparameterValues,
  validateHyperparameterValues,
} from './hyperparameters';
export { ALGORITHM_IMAGE_ACCOUNTS, algorithmImage, imageRepositoryIs } from './images';
export { algorithmRows } from './inputs';
export { KMEANS_HYPERPARAMETERS, KMeansModel, readKMeansArtifact } from './kmeans';
export {
  LINEAR_LEARNER_HYPERPARAMETERS,
  LinearLearnerModel,
  type LinearLearnerParams,
  linearLearnerSymbol,
  readLinearLearnerArtifact,
  writeLinearLearnerModelAlgo,
} from './linear-learner';
export { PCA_HYPERPARAMETERS, PCAModel, readPCAArtifact } from './pca';
export {
  formatCsvResponse,
  formatJsonLinesResponse,
  formatJsonResponse,
  formatRecordIOResponse,
  formatResponse,
  type ResponseType,
  responseType,
} from './responses';
export type {
  Algorithm,
  AlgorithmModel,
  AlgorithmName,
  EvaluationKind,
  ScoredRows,
  ScoreField,
} from './types';
export { XGBoostAlgorithmModel } from './xgboost';

/** Every algorithm module, by name. */
export const ALGORITHMS: Readonly<Record<AlgorithmName, Algorithm>> = {
  xgboost,
  kmeans,
  pca,
  'linear-learner': linearLearner,
  custom,
};

/** The names a training input may give. */
export const ALGORITHM_NAMES = Object.keys(ALGORITHMS) as AlgorithmName[];

/**
 * The module of an algorithm name.
 *
 * @throws {InputValidationError} for an unknown name.
 */
export function algorithmByName(name: string): Algorithm {
  const algorithm = (ALGORITHMS as Record<string, Algorithm>)[name];
  if (algorithm === undefined) {
    throw new InputValidationError(
      `algorithm '${name}' is not one of ${ALGORITHM_NAMES.join(', ')}`,
      'algorithm',
    );
  }
  return algorithm;
}

/** The built-in module whose image this is, or undefined (a custom image). */
export function algorithmForImage(image: string): Algorithm | undefined {
  return Object.values(ALGORITHMS).find((a) => a.matchesImage(image));
}

/**
 * Loads any built-in artifact, telling the algorithm from the bytes: `model_algo-1` as a ZIP =
 * Linear Learner, as an NDArray dict with `s`/`v` = PCA, as a list of one matrix = KMeans;
 * anything else is read as XGBoost.
 *
 * @throws {ModelFormatError} for corrupt or unrecognised artifacts (typed, never a wrong answer).
 */
export function loadAlgorithmModel(bytes: Uint8Array, source = 'model artifact'): AlgorithmModel {
  if (!holdsModelAlgo(bytes)) return xgboost.readArtifact!(bytes, source);
  const inner = modelAlgoBytes(bytes, source);
  if (isZip(inner)) return readLinearLearnerArtifact(bytes, source);
  const file = readNDArrayFile(inner, source);
  if (file.names?.includes('v') === true) return readPCAArtifact(bytes, source);
  if (file.names === undefined) return readKMeansArtifact(bytes, source);
  throw new ModelFormatError(
    `${source}: model_algo-1 is an NDArray dict of ${file.names.join(', ')}; expected KMeans centroids, PCA (s, v, mean) or a Linear Learner module`,
  );
}
