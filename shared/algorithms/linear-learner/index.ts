/**
 * Built-in Linear Learner (SPEC §2, §11.6, §12.4): trained from RecordIO-protobuf float32 with the
 * label in `label["values"]`; `model_algo-1` is a stored ZIP of an MXNet module
 * (`mx-mod-symbol.json`, `mx-mod-0000.params` = NDArray dict `arg:fc0_weight` (feature_dim, 1),
 * `arg:fc0_bias` (1, 1)), `manifest.json` and `additional-params.json` (threshold, loss_type,
 * predictor_type). Scores: binary `score` = sigmoid(x·w + b) (logistic loss; raw for hinge) and
 * `predicted_label` = score > threshold; regressor `score` = x·w + b.
 */
import { HyperparameterValidationError, ModelFormatError, UnsupportedModelError } from '../../errors';
import { readNDArrayFile, writeNDArrayFile } from '../../model/ndarray';
import { readZip, writeZip } from '../../model/zip';
import { modelAlgoBytes } from '../artifact';
import { type HyperparameterSchema, validateHyperparameterValues } from '../hyperparameters';
import { algorithmImage, imageRepositoryIs } from '../images';
import { formatResponse } from '../responses';
import type { Algorithm, AlgorithmModel, ScoredRows } from '../types';

const AUTO = ['auto'];

/** Linear Learner hyperparameters (developer guide `ll_hyperparameters`). */
export const LINEAR_LEARNER_HYPERPARAMETERS: HyperparameterSchema = {
  predictor_type: {
    kind: 'choice',
    required: true,
    choices: ['binary_classifier', 'multiclass_classifier', 'regressor'],
  },
  num_classes: { kind: 'integer', min: 3, max: 1_000_000 },
  accuracy_top_k: { kind: 'integer', default: '3', min: 1 },
  balance_multiclass_weights: { kind: 'boolean', default: 'false' },
  beta_1: { kind: 'float', default: 'auto', min: 0, max: 1, exclusiveMax: true, choices: AUTO },
  beta_2: { kind: 'float', default: 'auto', min: 0, max: 1, exclusiveMax: true, choices: AUTO },
  bias_lr_mult: { kind: 'float', default: 'auto', min: 0, exclusiveMin: true, choices: AUTO },
  bias_wd_mult: { kind: 'float', default: 'auto', min: 0, choices: AUTO },
  binary_classifier_model_selection_criteria: {
    kind: 'choice',
    default: 'accuracy',
    choices: [
      'accuracy',
      'f_beta',
      'precision_at_target_recall',
      'recall_at_target_precision',
      'loss_function',
    ],
  },
  early_stopping_patience: { kind: 'integer', default: '3', min: 1 },
  early_stopping_tolerance: { kind: 'float', default: '0.001', min: 0, exclusiveMin: true },
  epochs: { kind: 'integer', default: '15', min: 1 },
  f_beta: { kind: 'float', default: '1.0', min: 0, exclusiveMin: true },
  feature_dim: { kind: 'integer', default: 'auto', min: 1, choices: AUTO },
  huber_delta: { kind: 'float', default: '1.0', min: 0, exclusiveMin: true },
  init_bias: { kind: 'float', default: '0' },
  init_method: { kind: 'choice', default: 'uniform', choices: ['uniform', 'normal'] },
  init_scale: { kind: 'float', default: '0.07', min: 0, exclusiveMin: true },
  init_sigma: { kind: 'float', default: '0.01', min: 0, exclusiveMin: true },
  l1: { kind: 'float', default: 'auto', min: 0, choices: AUTO },
  learning_rate: { kind: 'float', default: 'auto', min: 0, exclusiveMin: true, choices: AUTO },
  loss: {
    kind: 'choice',
    default: 'auto',
    choices: [
      'auto',
      'logistic',
      'squared_loss',
      'absolute_loss',
      'hinge_loss',
      'eps_insensitive_squared_loss',
      'eps_insensitive_absolute_loss',
      'quantile_loss',
      'huber_loss',
      'softmax_loss',
    ],
  },
  loss_insensitivity: { kind: 'float', default: '0.01', min: 0, exclusiveMin: true },
  lr_scheduler_factor: { kind: 'float', default: 'auto', min: 0, max: 1, exclusiveMin: true, choices: AUTO },
  lr_scheduler_minimum_lr: { kind: 'float', default: 'auto', min: 0, exclusiveMin: true, choices: AUTO },
  lr_scheduler_step: { kind: 'integer', default: 'auto', min: 1, choices: AUTO },
  margin: { kind: 'float', default: '1.0', min: 0, exclusiveMin: true },
  mini_batch_size: { kind: 'integer', default: '1000', min: 1 },
  momentum: { kind: 'float', default: 'auto', min: 0, max: 1, exclusiveMax: true, choices: AUTO },
  normalize_data: { kind: 'boolean', default: 'true' },
  normalize_label: { kind: 'choice', default: 'auto', choices: ['auto', 'true', 'false'] },
  num_calibration_samples: { kind: 'integer', default: '10000000', min: 1 },
  num_models: { kind: 'integer', default: 'auto', min: 1, choices: AUTO },
  num_point_for_scaler: { kind: 'integer', default: '10000', min: 1 },
  optimizer: { kind: 'choice', default: 'auto', choices: ['auto', 'sgd', 'adam', 'rmsprop'] },
  positive_example_weight_mult: {
    kind: 'float',
    default: '1.0',
    min: 0,
    exclusiveMin: true,
    choices: ['auto', 'balanced'],
  },
  quantile: { kind: 'float', default: '0.5', min: 0, max: 1, exclusiveMin: true, exclusiveMax: true },
  target_precision: { kind: 'float', default: '0.8', min: 0, max: 1, exclusiveMin: true },
  target_recall: { kind: 'float', default: '0.8', min: 0, max: 1, exclusiveMin: true },
  unbias_data: { kind: 'choice', default: 'auto', choices: ['auto', 'true', 'false'] },
  unbias_label: { kind: 'choice', default: 'auto', choices: ['auto', 'true', 'false'] },
  use_bias: { kind: 'boolean', default: 'true' },
  use_lr_scheduler: { kind: 'boolean', default: 'true' },
  wd: { kind: 'float', default: 'auto', min: 0, choices: AUTO },
};

/** Linear Learner's `additional-params.json`. */
export interface LinearLearnerParams {
  readonly threshold: number;
  readonly loss_type: string;
  readonly predictor_type: 'binary_classifier' | 'regressor' | 'multiclass_classifier';
  readonly metrics_params?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** A linear model: weights (feature_dim), bias, and how its margin becomes the answer. */
export class LinearLearnerModel implements AlgorithmModel {
  readonly algorithm = 'linear-learner' as const;
  readonly accepts = ['application/jsonlines', 'application/json', 'application/x-recordio-protobuf'];
  readonly outputColumns: readonly string[];

  constructor(
    readonly weights: Float32Array,
    readonly bias: number,
    readonly params: LinearLearnerParams,
  ) {
    this.outputColumns = params.predictor_type === 'regressor' ? ['score'] : ['score', 'predicted_label'];
  }

  get numFeature(): number {
    return this.weights.length;
  }

  score(x: Float32Array, rows: number): ScoredRows {
    const d = this.weights.length;
    const w = this.weights;
    const score = new Float32Array(rows);
    const classifier = this.params.predictor_type === 'binary_classifier';
    const logistic = this.params.loss_type === 'logistic' || this.params.loss_type === 'auto';
    const label = classifier ? new Float32Array(rows) : undefined;
    for (let r = 0; r < rows; r++) {
      let z = this.bias;
      for (let f = 0; f < d; f++) {
        const v = x[r * d + f]!;
        if (!Number.isNaN(v)) z += v * w[f]!;
      }
      const s = Math.fround(classifier && logistic ? sigmoid(Math.fround(z)) : z);
      score[r] = s;
      if (label !== undefined) label[r] = s > this.params.threshold ? 1 : 0;
    }
    const fields = [{ name: 'score', width: 1, values: score }];
    if (label !== undefined)
      return {
        rows,
        fields: [...fields, { name: 'predicted_label', width: 1, values: label, integer: true }],
      };
    return { rows, fields };
  }

  formatBatch(scored: ScoredRows, accept?: string): string | Uint8Array {
    return formatResponse(scored, accept, this.accepts);
  }
}

/** The MXNet symbol graph of a single-output linear model (SPEC §12.4). */
export function linearLearnerSymbol(binary: boolean): string {
  const nodes = [
    { op: 'null', name: 'data', inputs: [] },
    { op: 'null', name: 'fc0_weight', inputs: [] },
    {
      op: 'dot',
      name: 'dot0',
      inputs: [
        [0, 0, 0],
        [1, 0, 0],
      ],
    },
    { op: 'null', name: 'fc0_bias', inputs: [] },
    {
      op: 'broadcast_add',
      name: 'broadcast_add0',
      inputs: [
        [2, 0, 0],
        [3, 0, 0],
      ],
    },
    { op: 'null', name: 'out_label', inputs: [] },
    {
      op: binary ? 'LogisticRegressionOutput' : 'LinearRegressionOutput',
      name: 'out',
      inputs: [
        [4, 0, 0],
        [5, 0, 0],
      ],
    },
  ];
  return JSON.stringify(
    {
      nodes,
      arg_nodes: [0, 1, 3, 5],
      node_row_ptr: [0, 1, 2, 3, 4, 5, 6, 7],
      heads: [[6, 0, 0]],
      attrs: { mxnet_version: ['int', 10901] },
    },
    null,
    2,
  );
}

/** Writes `model_algo-1` for a linear model: the stored ZIP of the MXNet module and its params. */
export function writeLinearLearnerModelAlgo(
  weights: ArrayLike<number>,
  bias: number,
  params: LinearLearnerParams,
): Uint8Array {
  const encoder = new TextEncoder();
  const paramsFile = writeNDArrayFile(
    [
      { shape: [weights.length, 1], data: weights },
      { shape: [1, 1], data: [bias] },
    ],
    ['arg:fc0_weight', 'arg:fc0_bias'],
  );
  return writeZip([
    {
      name: 'mx-mod-symbol.json',
      data: encoder.encode(linearLearnerSymbol(params.predictor_type === 'binary_classifier')),
    },
    { name: 'mx-mod-0000.params', data: paramsFile },
    {
      name: 'manifest.json',
      data: encoder.encode(
        JSON.stringify({ 'additional-params.json': 'json', 'mx-mod': 'mxnet_module', version: 1 }),
      ),
    },
    { name: 'additional-params.json', data: encoder.encode(JSON.stringify(params)) },
  ]);
}

/**
 * Reads a Linear Learner artifact.
 *
 * @throws {ModelFormatError} for a ZIP without the module's files or with inconsistent shapes.
 * @throws {UnsupportedModelError} for multiclass models (their graph is not established).
 */
export function readLinearLearnerArtifact(
  bytes: Uint8Array,
  source = 'Linear Learner model',
): LinearLearnerModel {
  const entries = readZip(modelAlgoBytes(bytes, source), source);
  const find = (suffix: string): Uint8Array => {
    const entry = entries.find(
      (e) => e.name === suffix || e.name.endsWith(`/${suffix}`) || e.name.endsWith(suffix),
    );
    if (entry === undefined) {
      throw new ModelFormatError(
        `${source}: the Linear Learner module has no ${suffix} (found ${entries.map((e) => e.name).join(', ')})`,
      );
    }
    return entry.data;
  };
  let params: LinearLearnerParams;
  try {
    params = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(find('additional-params.json')),
    ) as LinearLearnerParams;
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    throw new ModelFormatError(`${source}: additional-params.json is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (typeof params !== 'object' || params === null || typeof params.predictor_type !== 'string') {
    throw new ModelFormatError(`${source}: additional-params.json has no predictor_type`);
  }
  if (params.predictor_type === 'multiclass_classifier') {
    throw new UnsupportedModelError(`${source}: multiclass Linear Learner models are not scored in-process`);
  }
  if (params.predictor_type !== 'binary_classifier' && params.predictor_type !== 'regressor') {
    throw new ModelFormatError(`${source}: unknown predictor_type '${String(params.predictor_type)}'`);
  }
  const paramsEntry = entries.find((e) => e.name.endsWith('.params'));
  if (paramsEntry === undefined)
    throw new ModelFormatError(`${source}: the Linear Learner module has no .params file`);
  const file = readNDArrayFile(paramsEntry.data, `${source} ${paramsEntry.name}`);
  const names = file.names ?? [];
  const weight = file.arrays[names.indexOf('arg:fc0_weight')];
  const bias = file.arrays[names.indexOf('arg:fc0_bias')];
  if (weight === undefined || bias === undefined) {
    throw new ModelFormatError(
      `${source}: ${paramsEntry.name} needs arg:fc0_weight and arg:fc0_bias, found ${names.join(', ')}`,
    );
  }
  if (weight.shape.length !== 2 || weight.shape[1] !== 1 || bias.data.length !== 1) {
    throw new ModelFormatError(
      `${source}: fc0_weight (${weight.shape.join(', ')}) / fc0_bias (${bias.shape.join(', ')}) are not a single-output linear model`,
    );
  }
  const threshold = typeof params.threshold === 'number' ? params.threshold : 0.5;
  return new LinearLearnerModel(Float32Array.from(weight.data), Math.fround(bias.data[0]!), {
    ...params,
    threshold,
  });
}

/** The Linear Learner module. */
export const linearLearner: Algorithm = {
  name: 'linear-learner',
  trainingContentType: 'application/x-recordio-protobuf',
  supervised: true,
  channels: ['train', 'validation', 'test'],
  image: (region) => algorithmImage('linear-learner', region),
  matchesImage: (image) => imageRepositoryIs(image, 'linear-learner'),
  hyperparameters: LINEAR_LEARNER_HYPERPARAMETERS,
  validateHyperparameters: (given) => {
    const values = validateHyperparameterValues(LINEAR_LEARNER_HYPERPARAMETERS, given);
    if (values.predictor_type === 'multiclass_classifier' && values.num_classes === undefined) {
      throw new HyperparameterValidationError(
        "No value(s) were specified for 'num_classes' which are required hyperparameter(s) when predictor_type is multiclass_classifier (caused by ValidationError)",
        'num_classes',
      );
    }
    return values;
  },
  transformAccept: 'application/jsonlines',
  evaluation: 'supervised',
  readArtifact: readLinearLearnerArtifact,
};
