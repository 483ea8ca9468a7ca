/**
 * Evaluating a trained model from batch-transform output joined with labels. Pure: callers read the
 * `.out` objects and pass their text.
 *
 * @example
 * ```ts
 * const rows = parseTransformOutput(text, 's3://b/transform/test.csv.out');
 * const metrics = computeMetrics(rows, 'binary:logistic'); // { count, auc, logloss, accuracy }
 * ```
 */
export {
  type BinaryCurves,
  binaryCurves,
  type CalibrationBin,
  type Confusion,
  type CurveOptions,
  type PrPoint,
  type RocPoint,
} from './curves';
export {
  auc,
  binaryAccuracy,
  classAccuracy,
  computeMetrics,
  logloss,
  type Metrics,
  multiLogloss,
  rmse,
} from './metrics';
export {
  emptyScoredRows,
  parseTransformOutput,
  type ScoredRows,
  TransformOutputReader,
} from './transform-output';
