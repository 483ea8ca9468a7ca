/**
 * XGBoost 1.7 scoring, bit-exact to SageMaker's XGBoost 1.7-1 container: read the artifact
 * (`model.tar.gz`, binf, JSON, UBJSON), predict, and format responses as the container does.
 *
 * @example
 * import { denseRows, formatBatchTransform, loadModel } from '../shared/model';
 * const model = loadModel(artifactBytes);
 * const body = formatBatchTransform(model.predict(denseRows([[1, null, 0.5]], model.numFeature)));
 */
export { gunzip, isGzip, isTar, pickModelEntry, readTar, type TarEntry } from './archive';
export { isBinf, parseBinf } from './binf';
export { expf } from './expf';
export {
  csvBatchRows,
  csvRows,
  libsvmLineRows,
  libsvmRows,
  normalizeContentType,
  recordIORows,
  type ScoringContentType,
  type ScoringRows,
  scoringRows,
} from './inputs';
export { modelSpecFromDocument } from './json-model';
export { type LoadOptions, loadModel, parseModel, unwrapArtifact } from './load';
export { denseRows, type ModelOptions, type Predictions, XGBoostModel } from './model';
export {
  baseMargin,
  type Link,
  type ObjectiveInfo,
  objectiveInfo,
  SUPPORTED_OBJECTIVES,
  sigmoid,
  transformMargins,
} from './objective';
export { pythonFloatRepr, pythonJsonFloat } from './python-float';
export {
  formatBatchLine,
  formatBatchTransform,
  formatRealtime,
  formatRealtimeCsv,
  formatRealtimeJson,
} from './responses';
export type { ModelFormat, ModelSpec, TreeSpec } from './types';
export { decodeUbjson, type UbjsonValue } from './ubjson';
