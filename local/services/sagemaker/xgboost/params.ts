/**
 * From validated container hyperparameters to the embedded trainer's parameters, with XGBoost 1.7's
 * defaults (eta 0.3, max_depth 6, min_child_weight 1, lambda 1, alpha 0, max_bin 256,
 * base_score 0.5, objective reg:squarederror). Settings the embedded trainer does not implement
 * (another booster, objective or tree method) are refused by name rather than silently ignored.
 */
import type { BoosterParams } from './booster';
import { HyperparameterError, type ValidatedHyperparameters } from './hyperparameters';
import { isSupportedMetric } from './metrics';
import { type ObjectiveName, SUPPORTED_OBJECTIVES } from './objective';

/** A valid setting the embedded trainer does not implement (use the native backend for it). */
export class UnsupportedSettingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedSettingError';
  }
}

function num(hp: ValidatedHyperparameters, name: string, fallback: number): number {
  const v = hp[name];
  return typeof v === 'number' ? v : fallback;
}

/** Builds {@link BoosterParams}; throws for settings the embedded trainer cannot honour. */
export function boosterParams(hp: ValidatedHyperparameters): BoosterParams {
  const objectiveName = (hp.objective as string | undefined) ?? 'reg:squarederror';
  const objective = (objectiveName === 'reg:linear' ? 'reg:squarederror' : objectiveName) as ObjectiveName;
  if (!SUPPORTED_OBJECTIVES.includes(objective)) {
    throw new UnsupportedSettingError(
      `objective '${objectiveName}' is not implemented by the embedded trainer (supported: ${SUPPORTED_OBJECTIVES.join(', ')}); set SPARKMAKER_XGBOOST_BACKEND=native to train it with real XGBoost`,
    );
  }
  const booster = (hp.booster as string | undefined) ?? 'gbtree';
  if (booster !== 'gbtree') {
    throw new UnsupportedSettingError(
      `booster '${booster}' is not implemented by the embedded trainer (only gbtree)`,
    );
  }
  for (const name of ['_kfold', 'monotone_constraints', 'interaction_constraints', 'num_parallel_tree']) {
    if (hp[name] !== undefined && !(name === 'num_parallel_tree' && hp[name] === 1)) {
      throw new UnsupportedSettingError(
        `hyperparameter '${name}' is not implemented by the embedded trainer`,
      );
    }
  }
  if ((hp.grow_policy as string | undefined) === 'lossguide') {
    throw new UnsupportedSettingError("grow_policy 'lossguide' is not implemented by the embedded trainer");
  }
  const evalMetrics = (hp.eval_metric as string[] | undefined) ?? [];
  for (const metric of evalMetrics) {
    if (!isSupportedMetric(metric)) {
      throw new UnsupportedSettingError(`eval_metric '${metric}' is not implemented by the embedded trainer`);
    }
  }
  const baseScore = num(hp, 'base_score', 0.5);
  if (
    (objective === 'binary:logistic' || objective === 'reg:logistic') &&
    !(baseScore > 0 && baseScore < 1)
  ) {
    throw new HyperparameterError(`base_score must be in (0,1) for logistic loss, got: ${baseScore}`);
  }
  const numClass = num(hp, 'num_class', 0);
  const earlyStoppingRounds = hp.early_stopping_rounds as number | undefined;
  const maxBin = num(hp, 'max_bin', 256);
  if (maxBin < 2) throw new HyperparameterError(`max_bin must be at least 2, got: ${maxBin}`);
  const params: BoosterParams = {
    objective,
    numClass,
    numRound: num(hp, 'num_round', 1),
    eta: num(hp, 'eta', 0.3),
    maxDepth: num(hp, 'max_depth', 6),
    minChildWeight: num(hp, 'min_child_weight', 1),
    gamma: num(hp, 'gamma', 0),
    lambda: num(hp, 'lambda', 1),
    alpha: num(hp, 'alpha', 0),
    maxDeltaStep: num(hp, 'max_delta_step', 0),
    subsample: num(hp, 'subsample', 1),
    colsampleBytree: num(hp, 'colsample_bytree', 1),
    colsampleBylevel: num(hp, 'colsample_bylevel', 1),
    colsampleBynode: num(hp, 'colsample_bynode', 1),
    maxBin,
    treeMethod: (hp.tree_method as string | undefined) ?? 'auto',
    scalePosWeight: num(hp, 'scale_pos_weight', 1),
    baseScore,
    baseScoreGiven: hp.base_score !== undefined,
    seed: num(hp, 'seed', 0),
    evalMetrics,
  };
  return earlyStoppingRounds === undefined ? params : { ...params, earlyStoppingRounds };
}
