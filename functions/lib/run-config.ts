/**
 * The run input of both workflows, validated and normalised (docs/contracts.md, `validate-input`):
 * every optional field gets its default, unknown fields are rejected by name with the closest known
 * name suggested, types and ranges are checked with the field's path in the message.
 */

import {
  ALGORITHM_NAMES,
  type AlgorithmName,
  algorithmByName,
  type EvaluationKind,
} from '../../shared/algorithms';
import { HyperparameterValidationError, InputValidationError } from '../../shared/errors';
import { readDeclaration, TABLE_FIELDS, type TableDeclaration } from '../../shared/features';
import { checkDt } from '../../shared/partitions';
import { formatS3Uri, isPrefix, isUnder, parseS3Uri } from '../../shared/s3';
import {
  ENDPOINT_FIELDS,
  type EndpointSettings,
  readEndpointSettings,
  type ScoringMode,
} from './endpoint-config';
import { closest, FieldReader, Problems } from './fields';

/** Deploy-time defaults (from the function's environment). */
export interface RunDefaults {
  readonly dataBucket: string;
  readonly artifactBucket: string;
  readonly modelPackageGroup: string;
  /** The region the run's images are for (default us-east-1). */
  readonly region?: string;
}

export type InputFormat = 'csv' | 'parquet' | 'json';
export type ContentType = 'text/csv' | 'text/libsvm' | 'application/x-recordio-protobuf';
export type GateMetric = 'auc' | 'accuracy' | 'logloss' | 'rmse' | (string & {});
export type ApprovalStatus = 'Approved' | 'PendingManualApproval' | 'Rejected';

/** The normalised training configuration. */
export interface TrainingConfig {
  readonly runId: string;
  readonly input: { readonly uri: string; readonly format: InputFormat };
  /** The algorithm (shared/algorithms); `xgboost` by default. */
  readonly algorithm: AlgorithmName;
  /** The training / inference image; absent for XGBoost (the deploy-time image). */
  readonly image?: string;
  /** Whether the training step adds `feature_dim` = the number of feature columns. */
  readonly fillFeatureDim: boolean;
  /** The channels the algorithm's container accepts (`validation` is passed only when listed). */
  readonly trainingChannels: readonly string[];
  /** Batch transform of the test split: the Accept, and whether the label is joined back. */
  readonly transform: { readonly accept: string; readonly join: boolean };
  /** How the evaluation reads the transform output, and the objective supervised metrics follow. */
  readonly evaluation: { readonly kind: EvaluationKind; readonly objective: string };
  readonly contentType: ContentType;
  readonly sparse: boolean;
  readonly hyperparameters: Readonly<Record<string, string>>;
  readonly gate: { readonly metric: GateMetric; readonly threshold: number; readonly lowerIsBetter: boolean };
  readonly modelPackageGroup: string;
  readonly approvalStatus: ApprovalStatus;
  readonly instanceType: string;
  /** The batch transform's instance type, its own setting: not every training type may serve transform. */
  readonly transformInstanceType: string;
  readonly instanceCount: number;
  readonly volumeSizeGb: number;
  readonly maxRuntimeSeconds: number;
  readonly spot: { readonly enabled: boolean; readonly maxWaitSeconds: number };
  readonly featuresUri: string;
  readonly trainingDataUri: string;
  readonly modelOutputUri: string;
  readonly transformOutputUri: string;
  readonly metricsUri: string;
  /** The declared table (docs/declarations.md); absent: `featureSql` or the shipped features.sql. */
  readonly table?: TableDeclaration;
  /** Hand-written feature SQL (an s3:// URI; a path is taken inside the artifact bucket). */
  readonly featureSql?: string;
  /** With `table`: where validate-input writes the compiled plan the feature job runs. */
  readonly featurePlanUri?: string;
  /** With `table`: where the feature job writes what training learned, beside the model. */
  readonly featureSpecUri?: string;
}

/** The normalised scoring configuration. */
export interface ScoringConfig {
  readonly runId: string;
  readonly input: { readonly uri: string; readonly format: InputFormat };
  readonly featureJob: boolean;
  readonly model:
    | { readonly uri: string; readonly featureColumnsUri?: string; readonly featureSpecUri?: string }
    | { readonly modelPackageGroup: string };
  readonly dt: string;
  readonly outputUri: string;
  readonly shardSizeBytes: number;
  readonly maxConcurrency: number;
  readonly batchSize: number;
  readonly toleratedFailurePercentage: number;
  readonly featuresUri: string;
  readonly manifestUri: string;
  /** The declared table, checked against the scoring data; the encoding comes from the model's spec. */
  readonly table?: TableDeclaration;
  /** Hand-written feature SQL for a model trained without a declaration. */
  readonly featureSql?: string;
  /** `lambda` (in-process scoring) or `endpoint` (InvokeEndpoint; docs/contracts.md). */
  readonly mode: ScoringMode;
  /** The endpoint settings in endpoint mode, null in lambda mode. */
  readonly endpoint: EndpointSettings | null;
  /**
   * What an empty input or a missing approved model means: `fail` (a run started by hand: the user
   * asked to score something) or `succeed` (the schedule: the run ends SUCCEEDED, "nothing to score",
   * with the reason, instead of a failure event every day).
   */
  readonly onNothingToScore: 'fail' | 'succeed';
}

export const FORMATS: readonly InputFormat[] = ['csv', 'parquet', 'json'];
export const CONTENT_TYPES: readonly ContentType[] = [
  'text/csv',
  'text/libsvm',
  'application/x-recordio-protobuf',
];
export const GATE_METRICS: readonly GateMetric[] = ['auc', 'accuracy', 'logloss', 'rmse'];
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = ['Approved', 'PendingManualApproval', 'Rejected'];

/**
 * Hyperparameters of SageMaker XGBoost 1.7-1 (doc `xgboost_hyperparameters.md`), to catch a typo
 * here rather than minutes later in the training job.
 */
export const XGBOOST_HYPERPARAMETERS: readonly string[] = [
  'num_round',
  'num_class',
  'alpha',
  'base_score',
  'booster',
  'colsample_bylevel',
  'colsample_bynode',
  'colsample_bytree',
  'csv_weights',
  'deterministic_histogram',
  'early_stopping_rounds',
  'eta',
  'eval_metric',
  'gamma',
  'grow_policy',
  'interaction_constraints',
  'lambda',
  'lambda_bias',
  'max_bin',
  'max_delta_step',
  'max_depth',
  'max_leaves',
  'min_child_weight',
  'monotone_constraints',
  'normalize_type',
  'nthread',
  'num_parallel_tree',
  'objective',
  'one_drop',
  'process_type',
  'rate_drop',
  'refresh_leaf',
  'sample_type',
  'scale_pos_weight',
  'seed',
  'single_precision_histogram',
  'sketch_eps',
  'skip_drop',
  'subsample',
  'tree_method',
  'tweedie_variance_power',
  'updater',
  'use_dask_gpu_training',
  'verbosity',
];

/** XGBoost objectives the evaluation step and the in-process scorer support. */
export const OBJECTIVES: readonly string[] = [
  'binary:logistic',
  'binary:logitraw',
  'binary:hinge',
  'reg:squarederror',
  'reg:squaredlogerror',
  'reg:logistic',
  'reg:pseudohubererror',
  'reg:absoluteerror',
  'reg:gamma',
  'reg:tweedie',
  'count:poisson',
  'multi:softmax',
  'multi:softprob',
];

const CLASSIFICATION_METRICS: Record<string, readonly GateMetric[]> = {
  'binary:logistic': ['auc', 'logloss', 'accuracy'],
  'binary:hinge': ['auc', 'logloss', 'accuracy'],
  'binary:logitraw': ['auc', 'accuracy'],
  'reg:logistic': ['rmse', 'logloss'],
  'multi:softprob': ['accuracy', 'logloss'],
  'multi:softmax': ['accuracy'],
};

/** The gate metrics an objective's evaluation produces (shared/evaluation `computeMetrics`). */
export function metricsOf(objective: string): readonly GateMetric[] {
  return CLASSIFICATION_METRICS[objective] ?? ['rmse'];
}

/** Gate metrics of the unsupervised evaluation kinds (shared/evaluation `unsupervised.ts`). */
const KIND_METRICS: Record<string, readonly GateMetric[]> = {
  clustering: ['silhouette', 'wcss'],
  projection: ['explainedVarianceRatio', 'totalExplainedVariance', 'explained_variance_0'],
};

/** Metrics where smaller is better (the gate requires value ≤ threshold). */
export const LOWER_IS_BETTER: readonly string[] = ['logloss', 'rmse', 'wcss'];

/** The objective a Linear Learner predictor type is evaluated as (as XGBoost's). */
const PREDICTOR_OBJECTIVES: Record<string, string> = {
  binary_classifier: 'binary:logistic',
  regressor: 'reg:squarederror',
};

const DEFAULT_THRESHOLDS: Partial<Record<GateMetric, number>> = {
  auc: 0.7,
  accuracy: 0.7,
  logloss: Math.LN2,
  silhouette: 0,
  explainedVarianceRatio: 0,
};
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$/;
const GROUP = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const INSTANCE = /^ml\.[a-z0-9]+\.[a-z0-9]+$/;
const MAX_RUNTIME = 2_419_200;

const TRAINING_FIELDS = [
  'input',
  'algorithm',
  'image',
  'contentType',
  'sparse',
  'hyperparameters',
  'gate',
  'modelPackageGroup',
  'approvalStatus',
  'instanceType',
  'transformInstanceType',
  'instanceCount',
  'volumeSizeGb',
  'maxRuntimeSeconds',
  'spot',
  'featuresUri',
  'trainingDataUri',
  'modelOutputUri',
  'transformOutputUri',
  'metricsUri',
  'table',
  'featureSql',
];
const SCORING_FIELDS = [
  'input',
  'featureJob',
  'model',
  'dt',
  'outputUri',
  'shardSizeBytes',
  'maxConcurrency',
  'batchSize',
  'toleratedFailurePercentage',
  'featuresUri',
  'manifestUri',
  'table',
  'featureSql',
  'mode',
  'endpoint',
  'onNothingToScore',
];
const INPUT_FIELDS = ['uri', 'format'];
const GATE_FIELDS = ['metric', 'threshold'];
const SPOT_FIELDS = ['enabled', 'maxWaitSeconds'];
const MODEL_FIELDS = ['uri', 'modelPackageGroup', 'featureColumnsUri', 'featureSpecUri'];

/**
 * The data bucket prefix whose uploads start a training run (the s3-trigger rule in serverless.yml).
 * No run may write there: its own outputs would start more runs.
 */
export const TRIGGER_PREFIX = 'incoming/';

function paths(top: readonly string[], nested: Record<string, readonly string[]>): string[] {
  return [
    ...top,
    ...Object.entries(nested).flatMap(([parent, fields]) => fields.map((f) => `${parent}.${f}`)),
  ];
}

/** Checks the execution name that becomes the run id (S3 keys, SageMaker and EMR job names). */
export function checkRunId(executionName: unknown): string {
  if (typeof executionName !== 'string' || !RUN_ID.test(executionName)) {
    throw new InputValidationError(
      `executionName must be 1-80 letters, digits, '-' or '_' starting with a letter or digit (it becomes the run id in S3 keys and job names), got ${JSON.stringify(executionName)}`,
      'executionName',
    );
  }
  return executionName;
}

function formatFromKey(key: string): InputFormat | undefined {
  const lower = key.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  return undefined;
}

/**
 * Reads an s3:// URI field a run writes to; `prefix` makes it end in `/`. A location under the data
 * bucket's trigger prefix is refused, and so is one outside the top-level prefix of the default
 * (`s3://<data>/scores/`, …): the IAM roles in serverless.yml grant writes only there.
 */
function outputField(
  reader: FieldReader,
  name: string,
  fallback: string,
  prefix: boolean,
  dataBucket: string,
): string {
  const uri = uriField(reader, name, fallback, prefix, true);
  if (uri === fallback) return uri;
  const location = parseS3Uri(uri, reader.pathOf(name));
  if (isUnder(location, { bucket: dataBucket, key: TRIGGER_PREFIX })) {
    reader.problem(
      name,
      `${reader.pathOf(name)} must not be under s3://${dataBucket}/${TRIGGER_PREFIX}: objects written there start a new training run (a trigger loop); choose another prefix`,
    );
    return uri;
  }
  const allowed = fallback.slice(0, fallback.indexOf('/', fallback.indexOf('/', 'x://'.length + 1) + 1) + 1);
  if (!isUnder(location, parseS3Uri(allowed))) {
    reader.problem(
      name,
      `${reader.pathOf(name)} must be under ${allowed}: the deployed roles write this output only there (serverless.yml), got ${uri}`,
    );
  }
  return uri;
}

/**
 * Reads an s3:// URI field; `prefix` makes it end in `/`; `writable` (the run writes or deletes
 * under it) refuses `.`/`..` key segments.
 */
function uriField(
  reader: FieldReader,
  name: string,
  fallback: string,
  prefix: boolean,
  writable = false,
): string {
  const text = reader.string(name) ?? (reader.has(name) ? undefined : fallback);
  if (text === undefined) return fallback;
  try {
    const location = parseS3Uri(text, reader.pathOf(name), { writable });
    if (prefix && !isPrefix(location)) return `${formatS3Uri(location)}/`;
    if (!prefix && isPrefix(location)) {
      reader.problem(name, `${reader.pathOf(name)} must name an object, not a prefix: ${text}`);
    }
    return formatS3Uri(location);
  } catch (error) {
    reader.problem(name, error instanceof Error ? error.message : String(error));
    return fallback;
  }
}

function readInput(root: FieldReader, problems: Problems): { uri: string; format: InputFormat } {
  const input = root.object('input', INPUT_FIELDS);
  if (input === undefined) {
    problems.add(
      'input',
      'input is required: {"uri": "s3://bucket/key-or-prefix", "format": "csv"|"parquet"|"json"}',
    );
    return { uri: '', format: 'csv' };
  }
  let uri = '';
  if (!input.has('uri')) problems.add('input.uri', 'input.uri is required (s3://bucket/key or prefix)');
  else {
    const text = input.string('uri');
    if (text !== undefined) {
      try {
        uri = formatS3Uri(parseS3Uri(text, 'input.uri'));
      } catch (error) {
        input.problem('uri', error instanceof Error ? error.message : String(error));
      }
    }
  }
  const format = input.string('format', { allowed: FORMATS }) as InputFormat | undefined;
  return { uri, format: format ?? formatFromKey(uri) ?? 'csv' };
}

/**
 * Reads `table` (a declaration) and `featureSql` (hand-written SQL: an s3:// URI, or a key of the
 * artifact bucket such as `jobs/features/mine.sql`); at most one of them.
 */
function readFeatureSource(
  root: FieldReader,
  problems: Problems,
  artifactBucket: string,
): { table?: TableDeclaration; featureSql?: string } {
  const table = root.has('table') ? readDeclaration(root.raw('table'), 'table', problems) : undefined;
  if (root.has('table') && table === undefined) return {};
  let featureSql: string | undefined;
  const text = root.string('featureSql');
  if (text !== undefined) {
    if (table !== undefined) {
      root.problem('featureSql', 'give table (a declaration) or featureSql (hand-written SQL), not both');
    } else if (text.startsWith('s3://')) {
      featureSql = uriField(root, 'featureSql', '', false);
    } else if (
      /^[A-Za-z0-9!_.*'()/-]+$/.test(text) &&
      !text.split('/').some((s) => s === '..' || s === '.' || s === '')
    ) {
      featureSql = `s3://${artifactBucket}/${text}`;
    } else {
      root.problem(
        'featureSql',
        `featureSql must be an s3:// URI or a key of the artifact bucket (e.g. jobs/features/mine.sql), got ${JSON.stringify(text)}`,
      );
    }
  }
  return { ...(table === undefined ? {} : { table }), ...(featureSql === undefined ? {} : { featureSql }) };
}

/** Validates and normalises a training run input. */
export function normaliseTrainingInput(raw: unknown, runId: string, defaults: RunDefaults): TrainingConfig {
  const problems = new Problems(
    'training input',
    paths(TRAINING_FIELDS, {
      input: INPUT_FIELDS,
      gate: GATE_FIELDS,
      spot: SPOT_FIELDS,
      table: TABLE_FIELDS,
    }),
  );
  const root = new FieldReader(raw ?? {}, '', TRAINING_FIELDS, problems);
  const input = readInput(root, problems);
  const contentType = (root.string('contentType', { allowed: CONTENT_TYPES }) ??
    (ALGORITHM_NAMES.includes(root.raw('algorithm') as AlgorithmName)
      ? algorithmByName(String(root.raw('algorithm'))).trainingContentType
      : 'text/csv')) as ContentType;
  const sparse = root.boolean('sparse') ?? false;

  const algorithmName = (root.string('algorithm', { allowed: ALGORITHM_NAMES }) ??
    'xgboost') as AlgorithmName;
  const algorithm = algorithmByName(algorithmName);
  const isXgboost = algorithmName === 'xgboost';
  const hyperparameters: Record<string, string> = isXgboost
    ? { objective: 'binary:logistic', num_round: '100' }
    : {};
  const rawHp = root.raw('hyperparameters');
  const hpNames = isXgboost
    ? XGBOOST_HYPERPARAMETERS
    : algorithm.hyperparameters !== undefined
      ? Object.keys(algorithm.hyperparameters)
      : rawHp !== null && typeof rawHp === 'object' && !Array.isArray(rawHp)
        ? Object.keys(rawHp)
        : [];
  const hp = root.object('hyperparameters', hpNames);
  for (const name of hpNames) {
    if (hp === undefined || !hp.has(name)) continue;
    const value = hp.raw(name);
    if (typeof value === 'string' && value !== '') hyperparameters[name] = value;
    else if (typeof value === 'number' && Number.isFinite(value)) hyperparameters[name] = String(value);
    else if (typeof value === 'boolean') hyperparameters[name] = String(value);
    else
      hp.problem(
        name,
        `${hp.pathOf(name)} must be a string, number or boolean, got ${JSON.stringify(value)}`,
      );
  }
  let objective = hyperparameters.objective ?? 'binary:logistic';
  if (isXgboost) {
    if (!OBJECTIVES.includes(objective)) {
      const near = closest(objective, OBJECTIVES);
      problems.add(
        'hyperparameters.objective',
        `hyperparameters.objective '${objective}' is not an objective sparkmaker can evaluate and score${near === undefined ? ` (one of ${OBJECTIVES.join(', ')})` : ` (did you mean '${near}'?)`}`,
      );
    }
    if (hp?.has('num_round') === true && !/^[1-9][0-9]*$/.test(hyperparameters.num_round ?? '')) {
      hp.problem(
        'num_round',
        `hyperparameters.num_round must be a positive integer, got ${JSON.stringify(hp.raw('num_round'))}`,
      );
    }
    if (objective.startsWith('multi:') && hyperparameters.num_class === undefined) {
      problems.add(
        'hyperparameters.num_class',
        `hyperparameters.num_class is required with objective ${objective}`,
      );
    }
  } else if (algorithm.hyperparameters !== undefined) {
    // feature_dim comes from the feature columns at training time; validate the rest now.
    try {
      algorithm.validateHyperparameters({ feature_dim: '1', ...hyperparameters });
    } catch (error) {
      if (!(error instanceof HyperparameterValidationError)) throw error;
      problems.add(`hyperparameters.${error.hyperparameter ?? ''}`, `hyperparameters: ${error.message}`);
    }
    if (algorithm.evaluation === 'supervised') {
      const predictor = hyperparameters.predictor_type ?? '';
      objective = PREDICTOR_OBJECTIVES[predictor] ?? '';
      if (objective === '' && predictor !== '') {
        problems.add(
          'hyperparameters.predictor_type',
          `hyperparameters.predictor_type '${predictor}' is not evaluated and scored by sparkmaker (binary_classifier or regressor)`,
        );
      }
    }
  }
  const region = defaults.region ?? 'us-east-1';
  let image: string | undefined;
  if (algorithmName === 'custom') {
    image = root.string('image');
    if (image === undefined)
      problems.add('image', 'image is required with algorithm custom: the training image URI');
  } else if (root.has('image')) {
    root.problem('image', `image goes with algorithm custom only; ${algorithmName} uses its built-in image`);
  } else if (!isXgboost) {
    try {
      image = algorithm.image(region);
    } catch (error) {
      problems.add('algorithm', error instanceof Error ? error.message : String(error));
    }
  }
  const kind = algorithm.evaluation;

  const allowedMetrics = kind === 'supervised' ? metricsOf(objective) : (KIND_METRICS[kind] ?? []);
  const gateReader = root.object('gate', GATE_FIELDS);
  const metric = (gateReader?.string('metric') ?? allowedMetrics[0] ?? 'rmse') as GateMetric;
  if (
    !allowedMetrics.includes(metric) &&
    !(kind === 'projection' && /^explained_variance_\d+$/.test(metric))
  ) {
    problems.add(
      'gate.metric',
      `gate.metric '${metric}' is not computed for ${kind === 'supervised' ? `objective ${objective}` : `${algorithmName} (${kind})`}; use one of ${allowedMetrics.map((m) => `'${m}'`).join(', ')}`,
    );
  }
  const bounded = metric === 'auc' || metric === 'accuracy';
  const threshold =
    gateReader?.number('threshold', bounded ? { min: 0, max: 1 } : { min: 0 }) ?? DEFAULT_THRESHOLDS[metric];
  if (threshold === undefined && gateReader?.has('threshold') !== true) {
    problems.add(
      'gate.threshold',
      `gate.threshold is required when gate.metric is '${metric}' (the largest acceptable value)`,
    );
  }

  const modelPackageGroup =
    root.string('modelPackageGroup', { pattern: GROUP, patternHint: '1-63 letters, digits and hyphens' }) ??
    defaults.modelPackageGroup;
  const approvalStatus = (root.string('approvalStatus', { allowed: APPROVAL_STATUSES }) ??
    'PendingManualApproval') as ApprovalStatus;
  const instanceType =
    root.string('instanceType', { pattern: INSTANCE, patternHint: 'an instance type like ml.m5.large' }) ??
    'ml.m5.large';
  const transformInstanceType =
    root.string('transformInstanceType', {
      pattern: INSTANCE,
      patternHint: 'an instance type like ml.m5.large',
    }) ?? 'ml.m5.large';
  const instanceCount = root.integer('instanceCount', { min: 1, max: 100 }) ?? 1;
  const volumeSizeGb = root.integer('volumeSizeGb', { min: 1, max: 16384 }) ?? 10;
  const maxRuntimeSeconds = root.integer('maxRuntimeSeconds', { min: 1, max: MAX_RUNTIME }) ?? 3600;
  const spotReader = root.object('spot', SPOT_FIELDS);
  const spotEnabled = spotReader?.boolean('enabled') ?? false;
  const maxWaitSeconds =
    spotReader?.integer('maxWaitSeconds', { min: 1, max: MAX_RUNTIME }) ??
    Math.min(2 * maxRuntimeSeconds, MAX_RUNTIME);
  if (spotEnabled && maxWaitSeconds < maxRuntimeSeconds) {
    problems.add(
      'spot.maxWaitSeconds',
      `spot.maxWaitSeconds (${maxWaitSeconds}) must be ≥ maxRuntimeSeconds (${maxRuntimeSeconds})`,
    );
  }

  const data = `s3://${defaults.dataBucket}`;
  const artifacts = `s3://${defaults.artifactBucket}`;
  const features = readFeatureSource(root, problems, defaults.artifactBucket);
  const modelOutputUri = outputField(
    root,
    'modelOutputUri',
    `${artifacts}/models/${runId}/`,
    true,
    defaults.dataBucket,
  );
  if (!isXgboost && algorithmName !== 'custom' && contentType === 'text/libsvm') {
    problems.add(
      'contentType',
      `contentType text/libsvm is not accepted by ${algorithmName}: use application/x-recordio-protobuf or text/csv`,
    );
  }
  const config: TrainingConfig = {
    runId,
    input,
    algorithm: algorithmName,
    ...(image === undefined ? {} : { image }),
    fillFeatureDim: algorithm.hyperparameters?.feature_dim !== undefined,
    trainingChannels: algorithm.channels,
    transform: {
      accept: algorithm.transformAccept,
      join: algorithm.evaluation === 'supervised' && algorithm.transformAccept === 'text/csv',
    },
    evaluation: { kind, objective: kind === 'supervised' ? objective : '' },
    contentType,
    sparse,
    hyperparameters,
    gate: { metric, threshold: threshold ?? 0, lowerIsBetter: LOWER_IS_BETTER.includes(metric) },
    modelPackageGroup,
    approvalStatus,
    instanceType,
    transformInstanceType,
    instanceCount,
    volumeSizeGb,
    maxRuntimeSeconds,
    spot: { enabled: spotEnabled, maxWaitSeconds },
    featuresUri: outputField(root, 'featuresUri', `${data}/features/${runId}/`, true, defaults.dataBucket),
    trainingDataUri: outputField(
      root,
      'trainingDataUri',
      `${data}/training/${runId}/`,
      true,
      defaults.dataBucket,
    ),
    modelOutputUri,
    transformOutputUri: outputField(
      root,
      'transformOutputUri',
      `${data}/transform/${runId}/`,
      true,
      defaults.dataBucket,
    ),
    metricsUri: outputField(
      root,
      'metricsUri',
      `${artifacts}/runs/${runId}/metrics.json`,
      false,
      defaults.dataBucket,
    ),
    ...features,
    ...(features.table === undefined
      ? {}
      : {
          featurePlanUri: `${artifacts}/runs/${runId}/feature-plan.json`,
          featureSpecUri: `${modelOutputUri}feature-spec.json`,
        }),
  };
  problems.throwIfAny();
  return config;
}

/** Validates and normalises a scoring run input; `today` (YYYY-MM-DD) is the default partition. */
export function normaliseScoringInput(
  raw: unknown,
  runId: string,
  defaults: RunDefaults,
  today: string,
): ScoringConfig {
  const problems = new Problems(
    'scoring input',
    paths(SCORING_FIELDS, {
      input: INPUT_FIELDS,
      model: MODEL_FIELDS,
      table: TABLE_FIELDS,
      endpoint: ENDPOINT_FIELDS,
    }),
  );
  const root = new FieldReader(raw ?? {}, '', SCORING_FIELDS, problems);
  const input = readInput(root, problems);
  const featureJob = root.boolean('featureJob') ?? true;

  let model: ScoringConfig['model'] = { modelPackageGroup: defaults.modelPackageGroup };
  const modelReader = root.object('model', MODEL_FIELDS);
  if (modelReader !== undefined) {
    if (modelReader.has('uri') && modelReader.has('modelPackageGroup')) {
      problems.add('model', 'model must have either uri or modelPackageGroup, not both');
    } else if (modelReader.has('uri')) {
      const uri = uriField(modelReader, 'uri', '', false);
      const columns = modelReader.has('featureColumnsUri')
        ? uriField(modelReader, 'featureColumnsUri', '', false)
        : '';
      const spec = modelReader.has('featureSpecUri')
        ? uriField(modelReader, 'featureSpecUri', '', false)
        : '';
      model = {
        uri,
        ...(columns === '' ? {} : { featureColumnsUri: columns }),
        ...(spec === '' ? {} : { featureSpecUri: spec }),
      };
    } else if (modelReader.has('modelPackageGroup')) {
      for (const field of ['featureColumnsUri', 'featureSpecUri']) {
        if (modelReader.has(field)) {
          modelReader.problem(
            field,
            `model.${field} goes with model.uri only; a model package names its own feature columns and spec`,
          );
        }
      }
      const group = modelReader.string('modelPackageGroup', {
        pattern: GROUP,
        patternHint: '1-63 letters, digits and hyphens',
      });
      if (group !== undefined) model = { modelPackageGroup: group };
    } else {
      problems.add('model', 'model must be {"uri": "s3://…/model.tar.gz"} or {"modelPackageGroup": "name"}');
    }
  }

  let dt = today;
  const dtText = root.string('dt');
  if (dtText !== undefined) {
    try {
      dt = checkDt(dtText, 'dt');
    } catch (error) {
      root.problem('dt', error instanceof Error ? error.message : String(error));
    }
  }

  const data = `s3://${defaults.dataBucket}`;
  const artifacts = `s3://${defaults.artifactBucket}`;
  const features = readFeatureSource(root, problems, defaults.artifactBucket);
  const config: ScoringConfig = {
    runId,
    input,
    featureJob,
    model,
    dt,
    outputUri: outputField(root, 'outputUri', `${data}/scores/`, true, defaults.dataBucket),
    shardSizeBytes: root.integer('shardSizeBytes', { min: 1024, max: 5 * 1024 ** 3 }) ?? 64 * 1024 * 1024,
    maxConcurrency: root.integer('maxConcurrency', { min: 0, max: 10_000 }) ?? 10,
    batchSize: root.integer('batchSize', { min: 1, max: 1000 }) ?? 1,
    toleratedFailurePercentage: root.number('toleratedFailurePercentage', { min: 0, max: 100 }) ?? 0,
    featuresUri: outputField(root, 'featuresUri', `${data}/features/${runId}/`, true, defaults.dataBucket),
    manifestUri: outputField(
      root,
      'manifestUri',
      `${artifacts}/runs/${runId}/shards.jsonl`,
      false,
      defaults.dataBucket,
    ),
    ...features,
    ...readEndpointSettings(root, runId),
    onNothingToScore: nothingToScore(root),
  };
  problems.throwIfAny();
  return config;
}

function nothingToScore(root: FieldReader): 'fail' | 'succeed' {
  const value = root.string('onNothingToScore');
  if (value === undefined || value === 'fail' || value === 'succeed') return value ?? 'fail';
  root.problem(
    'onNothingToScore',
    `onNothingToScore must be 'fail' or 'succeed', got ${JSON.stringify(value)}`,
  );
  return 'fail';
}

/** The `validate-input` payload. */
export interface ValidateInputEvent {
  readonly workflow: 'training' | 'scoring';
  readonly input: unknown;
  readonly executionName: string;
}

/**
 * Validates the `validate-input` payload and normalises the run input of its workflow.
 *
 * @throws {InputValidationError} naming every offending field.
 */
export function validateRunInput(
  event: unknown,
  defaults: RunDefaults,
  now: Date,
): TrainingConfig | ScoringConfig {
  if (typeof event !== 'object' || event === null) {
    throw new InputValidationError('validate-input expects {workflow, input, executionName}', 'workflow');
  }
  const e = event as Record<string, unknown>;
  const runId = checkRunId(e.executionName);
  let input = e.input;
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch (error) {
      throw new InputValidationError('input must be a JSON object; the string given is not JSON', 'input', {
        cause: error,
      });
    }
  }
  if (e.workflow === 'training') return normaliseTrainingInput(input, runId, defaults);
  if (e.workflow === 'scoring')
    return normaliseScoringInput(input, runId, defaults, now.toISOString().slice(0, 10));
  const near = typeof e.workflow === 'string' ? closest(e.workflow, ['training', 'scoring']) : undefined;
  throw new InputValidationError(
    `workflow must be 'training' or 'scoring', got ${JSON.stringify(e.workflow)}${near === undefined ? '' : ` (did you mean '${near}'?)`}`,
    'workflow',
  );
}
