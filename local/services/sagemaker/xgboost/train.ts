/**
 * One entry point for XGBoost training whatever the backend: the embedded TypeScript trainer
 * (default; needs nothing but npm) or real XGBoost through Python (`native`, for exact parity),
 * or `auto` (native when `/usr/bin/python3` can import xgboost, else embedded).
 */
import type { EvalRecord } from './booster';
import { trainBoosterAsync } from './booster';
import type { Dataset } from './dataset';
import type { ValidatedHyperparameters } from './hyperparameters';
import { boosterToJson } from './model-json';
import { nativeXgboostVersion, trainNative } from './native';
import { boosterParams } from './params';

/** Which trainer runs: configured with `SPARKMAKER_XGBOOST_BACKEND`. */
export type XgboostBackend = 'embedded' | 'native' | 'auto';

/** The trainer that actually ran. */
export type ResolvedBackend = 'embedded' | 'native';

/** The backend is misconfigured (native asked for, XGBoost not installed). */
export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/** Parses a backend name (environment value); throws {@link BackendError} for anything else. */
export function parseBackend(value: string | undefined): XgboostBackend {
  const v = (value ?? 'embedded').trim().toLowerCase();
  if (v === '' || v === 'embedded') return 'embedded';
  if (v === 'native' || v === 'auto') return v;
  throw new BackendError(`SPARKMAKER_XGBOOST_BACKEND must be embedded, native or auto, got '${value}'`);
}

/** Resolves `auto` and checks that `native` is possible. */
export function resolveBackend(backend: XgboostBackend): ResolvedBackend {
  if (backend === 'embedded') return 'embedded';
  const version = nativeXgboostVersion();
  if (version !== null) return 'native';
  if (backend === 'auto') return 'embedded';
  throw new BackendError(
    'the native XGBoost backend was requested but python3 cannot import xgboost (install Debian python3-xgboost, or set SPARKMAKER_XGBOOST_BACKEND=embedded)',
  );
}

/** What a training run produced. */
export interface XgboostTrainingResult {
  /** The XGBoost 1.7 JSON model. */
  readonly modelJson: string;
  readonly evalLog: EvalRecord[];
  readonly attributes: Record<string, string>;
  readonly backend: ResolvedBackend;
  readonly seconds: number;
}

/** A training failure with XGBoost's message (e.g. early stopping without validation data). */
export class TrainingFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrainingFailure';
  }
}

/** Trains on validated hyperparameters with the chosen backend. */
export async function trainXgboost(
  train: Dataset,
  validation: Dataset | undefined,
  hp: ValidatedHyperparameters,
  backend: XgboostBackend = 'embedded',
): Promise<XgboostTrainingResult> {
  if (hp.early_stopping_rounds !== undefined && validation === undefined) {
    throw new TrainingFailure('Must have at least 1 validation dataset for early stopping.');
  }
  const resolved = resolveBackend(backend);
  const started = performance.now();
  if (resolved === 'native') {
    const result = await trainNative(train, validation, hp);
    return {
      modelJson: result.modelJson,
      evalLog: result.evalLog,
      attributes: result.attributes,
      backend: 'native',
      seconds: (performance.now() - started) / 1000,
    };
  }
  const params = boosterParams(hp);
  const model = await trainBoosterAsync(train, validation, params);
  return {
    modelJson: boosterToJson(model),
    evalLog: model.evalLog,
    attributes: model.attributes,
    backend: 'embedded',
    seconds: (performance.now() - started) / 1000,
  };
}
