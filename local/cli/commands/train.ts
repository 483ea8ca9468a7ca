/**
 * `sparkmaker train`: trains a built-in algorithm from local files exactly as the local SageMaker
 * training job does (same container rules for hyperparameters and content types, same trainer),
 * and writes a SageMaker-style `model.tar.gz`: member `xgboost-model` (XGBoost 1.7 JSON) for
 * XGBoost, `model_algo-1` for KMeans, PCA and Linear Learner.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { algorithmByName } from '../../../shared/algorithms';
import { HyperparameterValidationError, InputValidationError } from '../../../shared/errors';
import { createModelTarGz } from '../../services/sagemaker/artifact';
import { AlgorithmClientError } from '../../services/sagemaker/builtin';
import { alignChannels, ChannelError, channelFormat, readChannel } from '../../services/sagemaker/channels';
import { trainBuiltin } from '../../services/sagemaker/trainers';
import { failureReason } from '../../services/sagemaker/training-job';
import {
  HyperparameterError,
  validateHyperparameters,
} from '../../services/sagemaker/xgboost/hyperparameters';
import { parseBackend, trainXgboost } from '../../services/sagemaker/xgboost/train';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

const HELP = `Usage: sparkmaker train --algorithm xgboost|kmeans|pca|linear-learner --train <file>
                       [--validation <file>] [--test <file>]
                       --hyperparameters '<json object of strings>' --output <model.tar.gz>
                       [--content-type <type>] [--backend embedded|native|auto]
                       [--libsvm-index-base 0|1]

KMeans, PCA and Linear Learner train like their SageMaker containers: RecordIO-protobuf (from
sparkmaker convert) or CSV without a header (label first for Linear Learner; for KMeans and PCA a
first label column only with --content-type 'text/csv;label_size=1'), and, offline only, LibSVM read
as Spark reads it (1-based indices unless --libsvm-index-base 0), as sagemaker-spark feeds its
DataFrames to these algorithms. feature_dim defaults to the data's width where the algorithm allows.

Trains like the SageMaker XGBoost 1.7-1 container: CSV is label-first without a header,
LibSVM indices are 0-based, Parquet column 0 is the label. --content-type defaults from the
extension (.csv text/csv, .libsvm/.svm text/libsvm, .rec/.pbr/.recordio application/x-recordio-protobuf,
.parquet application/x-parquet). --backend defaults to SPARKMAKER_XGBOOST_BACKEND, else embedded.
`;

function contentTypeFor(file: string): string {
  const name = file.toLowerCase();
  if (name.endsWith('.csv')) return 'text/csv';
  if (name.endsWith('.libsvm') || name.endsWith('.svm')) return 'text/libsvm';
  if (name.endsWith('.rec') || name.endsWith('.pbr') || name.endsWith('.recordio')) {
    return 'application/x-recordio-protobuf';
  }
  if (name.endsWith('.parquet')) return 'application/x-parquet';
  throw new UsageError(`cannot tell the content type of '${file}' from its extension: give --content-type`);
}

function parseHyperparameters(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputValidationError(
      `--hyperparameters is not JSON: ${(error as Error).message}`,
      'hyperparameters',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InputValidationError('--hyperparameters must be a JSON object of strings', 'hyperparameters');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') {
      throw new InputValidationError(
        `--hyperparameters: '${key}' must be a string (SageMaker passes every hyperparameter as a string), got ${JSON.stringify(value)}`,
        `hyperparameters.${key}`,
      );
    }
    out[key] = value;
  }
  return out;
}

export const command: Command = {
  summary: 'train a built-in algorithm (XGBoost, KMeans, PCA, Linear Learner) with the embedded trainer',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        algorithm: { type: 'string', default: 'xgboost' },
        train: { type: 'string' },
        validation: { type: 'string' },
        test: { type: 'string' },
        'libsvm-index-base': { type: 'string' },
        hyperparameters: { type: 'string', default: '{}' },
        output: { type: 'string' },
        'content-type': { type: 'string' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    const builtins = ['xgboost', 'kmeans', 'pca', 'linear-learner'];
    if (!builtins.includes(values.algorithm ?? '')) {
      throw new UsageError(`--algorithm must be one of ${builtins.join(', ')}, got '${values.algorithm}'`);
    }
    if (values.train === undefined) throw new UsageError('--train <file> is required');
    if (values.output === undefined) throw new UsageError('--output <model.tar.gz> is required');
    if (values.algorithm !== 'xgboost') {
      const base = values['libsvm-index-base'] ?? '1';
      if (base !== '0' && base !== '1')
        throw new UsageError(`--libsvm-index-base must be 0 or 1, got '${base}'`);
      const given = parseHyperparameters(values.hyperparameters ?? '{}');
      const algorithm = algorithmByName(values.algorithm!);
      const channels = new Map<
        string,
        { files: { name: string; bytes: Uint8Array }[]; contentType: string }
      >();
      for (const [name, file] of [
        ['train', values.train],
        ['validation', values.validation],
        ['test', values.test],
      ] as const) {
        if (file === undefined) continue;
        channels.set(name, {
          files: [{ name: file, bytes: new Uint8Array(await readFile(file)) }],
          contentType: values['content-type'] ?? contentTypeFor(file),
        });
      }
      let result: Awaited<ReturnType<typeof trainBuiltin>>;
      try {
        result = await trainBuiltin(algorithm, channels, given, {
          libsvm: { indexBase: base === '0' ? 0 : 1 },
        });
      } catch (error) {
        if (
          error instanceof HyperparameterValidationError ||
          error instanceof ChannelError ||
          error instanceof AlgorithmClientError
        ) {
          throw new InputValidationError(`${failureReason(error)} (${basename(values.train)})`, undefined, {
            cause: error,
          });
        }
        throw error;
      }
      await writeFile(values.output, createModelTarGz([{ name: 'model_algo-1', data: result.modelAlgo }]));
      const metrics = Object.entries(result.metrics)
        .map(([name, value]) => `${name}=${Number(value.toPrecision(6))}`)
        .join(' ');
      process.stdout.write(
        `${algorithm.name}: ${result.summary}${metrics === '' ? '' : ` ${metrics}`}\nwrote ${values.output} (member model_algo-1)\n`,
      );
      return 0;
    }
    const backend = parseBackend(values.backend ?? process.env.SPARKMAKER_XGBOOST_BACKEND);
    const contentType = values['content-type'] ?? contentTypeFor(values.train);
    const hyperparameters = parseHyperparameters(values.hyperparameters ?? '{}');
    let summary: string;
    try {
      const hp = validateHyperparameters(hyperparameters);
      const format = channelFormat(contentType);
      const load = async (file: string, channel: string) =>
        readChannel([{ name: file, bytes: await readFile(file) }], format, {
          csvWeights: hp.csv_weights === 1,
          channel,
        });
      const [train, validation] = alignChannels(
        await load(values.train, 'train'),
        values.validation === undefined ? undefined : await load(values.validation, 'validation'),
      );
      const result = await trainXgboost(train, validation, hp, backend);
      await writeFile(values.output, createModelTarGz([{ name: 'xgboost-model', data: result.modelJson }]));
      const last = result.evalLog[result.evalLog.length - 1] ?? {};
      const metrics = Object.entries(last)
        .map(([name, value]) => `${name.replace('-', ':')}=${Number(value.toPrecision(6))}`)
        .join(' ');
      const best =
        result.attributes.best_iteration === undefined
          ? ''
          : ` best_iteration=${result.attributes.best_iteration}`;
      summary =
        `trained ${result.evalLog.length} rounds on ${train.rows} rows x ${train.cols} features ` +
        `(${result.backend}, ${result.seconds.toFixed(2)} s)${best}${metrics === '' ? '' : ` ${metrics}`}\n` +
        `wrote ${values.output} (member xgboost-model, XGBoost 1.7 JSON)\n`;
    } catch (error) {
      if (error instanceof HyperparameterError || error instanceof ChannelError) {
        throw new InputValidationError(`${failureReason(error)} (${basename(values.train)})`, undefined, {
          cause: error,
        });
      }
      throw error;
    }
    process.stdout.write(summary);
    return 0;
  },
};
