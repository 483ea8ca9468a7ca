/**
 * The embedded trainers of the built-in KMeans, PCA and Linear Learner, by algorithm name, and the
 * container behaviour around them: hyperparameters validated with the algorithm's schema
 * (shared/algorithms), channels read in their content type (RecordIO-protobuf, the default, or
 * `text/csv` with `label_size`; LibSVM when the caller allows it), `feature_dim` checked, and
 * `model_algo-1` returned for the `model.tar.gz`.
 */
import type { Algorithm, AlgorithmName, HyperparameterValues } from '../../../shared/algorithms';
import { AlgorithmClientError, type Matrix, type Trainer, type TrainerResult, toMatrix } from './builtin';
import { ChannelError, type ChannelFile, readChannel } from './channels';
import { trainKMeans } from './kmeans/train';
import { trainLinearLearner } from './linear-learner/train';
import { trainPCA } from './pca/train';

/** Embedded trainers by algorithm (XGBoost has its own path; `custom` runs the user's command). */
export const TRAINERS: Readonly<Partial<Record<AlgorithmName, Trainer>>> = {
  kmeans: trainKMeans,
  pca: trainPCA,
  'linear-learner': trainLinearLearner,
};

/** One channel's objects and content type. */
export interface BuiltinChannelInput {
  readonly files: readonly ChannelFile[];
  readonly contentType: string | undefined;
}

/** Options of {@link trainBuiltin}. */
export interface TrainBuiltinOptions {
  /** Accept `text/libsvm` (the CLI; the containers do not), with this index base (default 1, as Spark). */
  readonly libsvm?: { readonly indexBase: 0 | 1 };
}

function parseContentType(
  contentType: string | undefined,
  algorithm: Algorithm,
  options: TrainBuiltinOptions,
) {
  const text = contentType ?? 'application/x-recordio-protobuf';
  const [base = '', ...params] = text.toLowerCase().split(';');
  const type = base.trim();
  const labelSize = params
    .map((p) => p.split('='))
    .find(([k]) => k?.trim() === 'label_size')?.[1]
    ?.trim();
  if (type === 'application/x-recordio-protobuf' || type === 'recordio-protobuf') {
    return { format: 'recordio-protobuf' as const, csvLabel: true };
  }
  if (type === 'text/csv' || type === 'csv') {
    const size = labelSize === undefined ? (algorithm.supervised ? 1 : 0) : Number(labelSize);
    if (size !== 0 && size !== 1) {
      throw new ChannelError(`${text} is not an accepted ContentType: label_size must be 0 or 1`);
    }
    if (algorithm.supervised && size === 0) {
      throw new ChannelError(`${text}: ${algorithm.name} needs a label column (label_size=1)`);
    }
    return { format: 'csv' as const, csvLabel: size === 1 };
  }
  if (
    (type === 'text/libsvm' || type === 'libsvm' || type === 'text/x-libsvm') &&
    options.libsvm !== undefined
  ) {
    return { format: 'libsvm' as const, csvLabel: true };
  }
  throw new ChannelError(
    `${text} is not an accepted ContentType for ${algorithm.name}: application/x-recordio-protobuf, text/csv`,
  );
}

/** The result of {@link trainBuiltin}. */
export interface BuiltinTraining extends TrainerResult {
  readonly hyperparameters: HyperparameterValues;
  readonly rows: number;
  readonly featureDim: number;
}

/**
 * Validates, reads the channels and trains one built-in algorithm.
 *
 * @throws {HyperparameterValidationError}, {@link ChannelError}, {@link AlgorithmClientError} for
 *   user errors (the job's `ClientError:` reasons).
 */
export async function trainBuiltin(
  algorithm: Algorithm,
  channels: ReadonlyMap<string, BuiltinChannelInput>,
  given: Readonly<Record<string, string>>,
  options: TrainBuiltinOptions = {},
): Promise<BuiltinTraining> {
  const trainer = TRAINERS[algorithm.name];
  if (trainer === undefined) throw new Error(`no embedded trainer for ${algorithm.name}`);
  const hp = algorithm.validateHyperparameters(given);
  for (const name of channels.keys()) {
    if (!algorithm.channels.includes(name)) {
      throw new ChannelError(
        `Unable to initialize the algorithm. Extraneous channel found: ${name} (${algorithm.name} accepts ${algorithm.channels.join(', ')})`,
      );
    }
  }
  if (!channels.has('train')) throw new ChannelError('Missing required channel: train');
  const datasets = new Map<string, Awaited<ReturnType<typeof readChannel>>>();
  for (const [name, input] of channels) {
    const { format, csvLabel } = parseContentType(input.contentType, algorithm, options);
    datasets.set(
      name,
      await readChannel(input.files, format, {
        channel: name,
        csvLabel,
        labelRequired: algorithm.supervised,
        libsvmIndexBase: options.libsvm?.indexBase ?? 1,
      }),
    );
  }
  const widest = Math.max(...[...datasets.values()].map((d) => d.cols));
  const featureDim = typeof hp.feature_dim === 'number' ? hp.feature_dim : widest;
  const matrices: Record<string, Matrix> = {};
  for (const [name, ds] of datasets) matrices[name] = toMatrix(ds, featureDim, name);
  const train = matrices.train!;
  if (train.rows === 0) throw new AlgorithmClientError('No training data: the train channel has no records');
  const result = await trainer(
    {
      train,
      ...(matrices.validation === undefined ? {} : { validation: matrices.validation }),
      ...(matrices.test === undefined ? {} : { test: matrices.test }),
    },
    { ...hp, feature_dim: featureDim },
  );
  return { ...result, hyperparameters: hp, rows: train.rows, featureDim };
}

export { AlgorithmClientError };
