/**
 * Hyperparameter validation as the SageMaker XGBoost 1.7-1 container does it
 * (`algorithm_mode/hyperparameter_validation.py` over `sagemaker_algorithm_toolkit`): required
 * `num_round`, `num_class` iff multi-class, ranges, unknown names ("Extraneous hyperparameter
 * found"), in the same order and with the same messages, so that a job fails with the reason the
 * real container gives (`ClientError: <message>`).
 */

/** A hyperparameter problem the container reports as a user error (`ClientError: …`). */
export class HyperparameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HyperparameterError';
  }
}

interface Interval {
  readonly minOpen?: number;
  readonly minClosed?: number;
  readonly maxOpen?: number;
  readonly maxClosed?: number;
}

type Spec =
  | { readonly kind: 'int'; readonly range: Interval; readonly required?: boolean }
  | { readonly kind: 'float'; readonly range: Interval }
  | { readonly kind: 'categorical'; readonly values: readonly string[] }
  | { readonly kind: 'list'; readonly values?: readonly string[] }
  | { readonly kind: 'free' };

const int = (range: Interval, required = false): Spec => ({ kind: 'int', range, required });
const float = (range: Interval): Spec => ({ kind: 'float', range });
const cat = (...values: string[]): Spec => ({ kind: 'categorical', values });

/** Metrics the container accepts in `eval_metric` (XGB_MAXIMIZE_METRICS + XGB_MINIMIZE_METRICS). */
export const MAXIMIZE_METRICS = ['accuracy', 'auc', 'aucpr', 'f1', 'f1_binary', 'f1_macro', 'map', 'ndcg'];
export const MINIMIZE_METRICS = [
  'aft-nloglik',
  'balanced_accuracy',
  'cox-nloglik',
  'error',
  'gamma-deviance',
  'gamma-nloglik',
  'interval-regression-accuracy',
  'logloss',
  'mae',
  'mape',
  'merror',
  'mlogloss',
  'mse',
  'poisson-nloglik',
  'r2',
  'rmse',
  'rmsle',
  'tweedie-nloglik',
];

const OBJECTIVES = [
  'aft_loss_distribution',
  'binary:logistic',
  'binary:logitraw',
  'binary:hinge',
  'count:poisson',
  'multi:softmax',
  'multi:softprob',
  'rank:pairwise',
  'rank:ndcg',
  'rank:map',
  'reg:linear',
  'reg:squarederror',
  'reg:logistic',
  'reg:gamma',
  'reg:pseudohubererror',
  'reg:squaredlogerror',
  'reg:tweedie',
  'survival:aft',
  'survival:cox',
];

/** The container's hyperparameter table, in its declaration order (which fixes the check order). */
const SPECS: ReadonlyArray<readonly [string, Spec]> = [
  ['num_round', int({ minClosed: 1 }, true)],
  ['csv_weights', int({ minClosed: 0, maxClosed: 1 })],
  ['early_stopping_rounds', int({ minClosed: 1 })],
  ['booster', cat('gbtree', 'gblinear', 'dart')],
  ['verbosity', int({ minClosed: 0, maxClosed: 3 })],
  ['nthread', int({ minClosed: 1 })],
  ['eta', float({ minClosed: 0, maxClosed: 1 })],
  ['gamma', float({ minClosed: 0 })],
  ['max_depth', int({ minClosed: 0 })],
  ['min_child_weight', float({ minClosed: 0 })],
  ['max_delta_step', float({ minClosed: 0 })],
  ['subsample', float({ minOpen: 0, maxClosed: 1 })],
  ['colsample_bytree', float({ minOpen: 0, maxClosed: 1 })],
  ['colsample_bylevel', float({ minOpen: 0, maxClosed: 1 })],
  ['colsample_bynode', float({ minOpen: 0, maxClosed: 1 })],
  ['lambda', float({ minClosed: 0 })],
  ['alpha', float({ minClosed: 0 })],
  ['tree_method', cat('auto', 'exact', 'approx', 'hist', 'gpu_hist')],
  ['sketch_eps', float({ minOpen: 0, maxOpen: 1 })],
  ['scale_pos_weight', float({ minOpen: 0 })],
  ['updater', { kind: 'list' }],
  ['dsplit', cat('row', 'col')],
  ['refresh_leaf', int({ minClosed: 0, maxClosed: 1 })],
  ['process_type', cat('default', 'update')],
  ['grow_policy', cat('depthwise', 'lossguide')],
  ['max_leaves', int({ minClosed: 0 })],
  ['max_bin', int({ minClosed: 0 })],
  ['predictor', cat('auto', 'cpu_predictor', 'gpu_predictor')],
  ['monotone_constraints', { kind: 'free' }],
  ['interaction_constraints', { kind: 'free' }],
  ['sample_type', cat('uniform', 'weighted')],
  ['normalize_type', cat('tree', 'forest')],
  ['rate_drop', float({ minClosed: 0, maxClosed: 1 })],
  ['one_drop', int({ minClosed: 0, maxClosed: 1 })],
  ['skip_drop', float({ minClosed: 0, maxClosed: 1 })],
  ['lambda_bias', float({ minClosed: 0, maxClosed: 1 })],
  ['tweedie_variance_power', float({ minOpen: 1, maxOpen: 2 })],
  ['objective', cat(...OBJECTIVES)],
  ['num_class', int({ minClosed: 2 })],
  ['base_score', float({ minClosed: 0 })],
  ['_kfold', int({ minClosed: 2 })],
  ['_num_cv_round', int({ minClosed: 1 })],
  ['_tuning_objective_metric', { kind: 'free' }],
  ['eval_metric', { kind: 'list', values: [...MAXIMIZE_METRICS, ...MINIMIZE_METRICS] }],
  ['seed', int({ minOpen: -(2 ** 31), maxOpen: 2 ** 31 - 1 })],
  ['num_parallel_tree', int({ minClosed: 1 })],
  ['save_model_on_termination', cat('true', 'false')],
  ['aft_loss_distribution', cat('normal', 'logistic', 'extreme')],
  ['aft_loss_distribution_scale', float({ minClosed: 0 })],
  ['huber_slope', float({ minClosed: 0 })],
  ['single_precision_histogram', cat('true', 'false')],
  ['deterministic_histogram', cat('true', 'false')],
  ['sampling_method', cat('uniform', 'gradient_based')],
  ['prob_buffer_row', int({ minOpen: 1 })],
];

const ALIASES: Record<string, string> = {
  learning_rate: 'eta',
  min_split_loss: 'gamma',
  reg_lambda: 'lambda',
  reg_alpha: 'alpha',
};

/** Python's `str()` of an interval, as the toolkit prints it in range errors: `[0, 1]`, `(0, +inf)`. */
function formatInterval(range: Interval): string {
  const low =
    range.minOpen !== undefined
      ? `(${range.minOpen}, `
      : range.minClosed !== undefined
        ? `[${range.minClosed}, `
        : '(-inf, ';
  const high =
    range.maxOpen !== undefined
      ? `${range.maxOpen})`
      : range.maxClosed !== undefined
        ? `${range.maxClosed}]`
        : '+inf)';
  return low + high;
}

function inInterval(range: Interval, value: number): boolean {
  return !(
    (range.minOpen !== undefined && value <= range.minOpen) ||
    (range.minClosed !== undefined && value < range.minClosed) ||
    (range.maxOpen !== undefined && value >= range.maxOpen) ||
    (range.maxClosed !== undefined && value > range.maxClosed)
  );
}

/** Python `int(str)`: optional sign, digits, surrounding whitespace, underscores between digits. */
function parsePythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+(_\d+)*$/.test(t)) return undefined;
  return Number(t.replaceAll('_', ''));
}

/** Python `float(str)`: decimal/scientific, `inf`, `nan`. */
function parsePythonFloat(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/.test(t)) return Number.NaN;
  if (!/^[+-]?((\d+(_\d+)*)?\.?\d+(_\d+)*|\d+(_\d+)*\.)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t.replaceAll('_', ''));
}

/** The number `json.loads(text)` yields (`true`/`false` count as 1/0, as Python bools do), if any. */
function jsonNumber(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
  } catch {
    // not JSON: the validator parses the raw string
  }
  return undefined;
}

/** Python repr of a parsed value, as the toolkit interpolates it into messages. */
function pyRepr(value: unknown, isFloat = false): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return isFloat && Number.isInteger(value) ? `${value}.0` : String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => `'${String(v)}'`).join(', ')}]`;
  return String(value);
}

/** The validated hyperparameters: numbers parsed, lists split, aliases resolved. */
export type ValidatedHyperparameters = Record<string, number | string | string[]>;

/**
 * Validates the job's hyperparameters (all strings, as CreateTrainingJob carries them) the way the
 * 1.7-1 container does; throws {@link HyperparameterError} with the container's message.
 */
export function validateHyperparameters(input: Readonly<Record<string, string>>): ValidatedHyperparameters {
  const specs = new Map(SPECS);
  const user: Record<string, string> = {};
  for (const [name, value] of Object.entries(input)) user[ALIASES[name] ?? name] = value;
  for (const [name, spec] of SPECS) {
    if (spec.kind === 'int' && spec.required === true && !(name in user)) {
      throw new HyperparameterError(`Missing required hyperparameter: ${name}`);
    }
  }
  const parsed: ValidatedHyperparameters = {};
  for (const [name, raw] of Object.entries(user)) {
    const spec = specs.get(name);
    if (spec === undefined) throw new HyperparameterError(`Extraneous hyperparameter found: ${name}`);
    if (typeof raw !== 'string')
      throw new HyperparameterError(`Hyperparameter ${name}: could not parse value`);
    // The training toolkit json-decodes every value first ("10.0" → 10.0, "true" → True), then the
    // validator applies int()/float(): int(10.0) = 10, int(4.5) = 4, int(True) = 1.
    const decoded = jsonNumber(raw);
    if (spec.kind === 'int') {
      const v = decoded === undefined ? parsePythonInt(raw) : Math.trunc(decoded);
      if (v === undefined) {
        throw new HyperparameterError(`Hyperparameter ${name}: could not parse value (caused by ValueError)`);
      }
      parsed[name] = v;
    } else if (spec.kind === 'float') {
      const v = decoded ?? parsePythonFloat(raw);
      if (v === undefined) {
        throw new HyperparameterError(`Hyperparameter ${name}: could not parse value (caused by ValueError)`);
      }
      parsed[name] = v;
    } else if (spec.kind === 'list') {
      parsed[name] = raw.split(',');
    } else {
      parsed[name] = raw;
    }
  }
  for (const [name, value] of Object.entries(parsed)) {
    const spec = specs.get(name)!;
    if ((spec.kind === 'int' || spec.kind === 'float') && typeof value === 'number') {
      if (!inInterval(spec.range, value)) {
        throw new HyperparameterError(
          `Hyperparameter ${name}: ${pyRepr(value, spec.kind === 'float')} is not in ${formatInterval(spec.range)}`,
        );
      }
    } else if (spec.kind === 'categorical' && typeof value === 'string') {
      if (!spec.values.includes(value)) {
        throw new HyperparameterError(
          `Hyperparameter ${name}: ${value} is not in [${spec.values.map((v) => `'${v}'`).join(', ')}]`,
        );
      }
    } else if (spec.kind === 'list' && name === 'eval_metric' && Array.isArray(value)) {
      for (const metric of value) validateMetricName(metric);
    }
  }
  const objective = parsed.objective as string | undefined;
  if ((objective === 'multi:softmax' || objective === 'multi:softprob') && parsed.num_class === undefined) {
    throw new HyperparameterError("Require input for parameter 'num_class' for multi-classification");
  }
  if (objective === undefined && parsed.num_class !== undefined) {
    throw new HyperparameterError(
      "Do not need to setup parameter 'num_class' for learning task other than multi-classification.",
    );
  }
  const metrics = parsed.eval_metric as string[] | undefined;
  if (metrics !== undefined) {
    const obj = objective ?? 'reg:squarederror';
    if (metrics.includes('auc') && !obj.startsWith('binary:') && !obj.startsWith('rank:')) {
      throw new HyperparameterError(
        "Metric 'auc' can only be applied for classification and ranking problems.",
      );
    }
  }
  return parsed;
}

function validateMetricName(metric: string): void {
  if (metric.includes('@')) {
    const [name = '', threshold = ''] = metric.split('@').map((s) => s.trim());
    if (!['error', 'ndcg', 'map'].includes(name)) {
      throw new HyperparameterError(
        `Metric '${metric}' is not supported. Parameter 'eval_metric' with customized threshold should be one of these options: 'error', 'ndcg', 'map'.`,
      );
    }
    if (parsePythonFloat(threshold) === undefined) {
      throw new HyperparameterError(`Threshold value 't' in '${name}@t' expects float input.`);
    }
    return;
  }
  if (![...MAXIMIZE_METRICS, ...MINIMIZE_METRICS].includes(metric)) {
    throw new HyperparameterError(
      `Hyperparameter eval_metric: value ${pyRepr([metric])} not in range ${pyRepr([...MAXIMIZE_METRICS, ...MINIMIZE_METRICS])}`,
    );
  }
}
