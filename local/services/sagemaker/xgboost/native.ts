/**
 * The native backend: trains with real XGBoost (Debian `python3-xgboost` 1.7) by spawning Python
 * with the same hyperparameters the container would pass to `xgboost.train` — the watchlist
 * `train` / `validation`, `early_stopping_rounds` — and reads back the JSON model and the
 * evaluation log. Data travels as raw little-endian float32 files in a temporary directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EvalRecord } from './booster';
import type { Dataset } from './dataset';
import type { ValidatedHyperparameters } from './hyperparameters';

/** The Python interpreter that carries Debian's XGBoost. */
export const NATIVE_PYTHON = process.env.SPARKMAKER_XGBOOST_PYTHON ?? '/usr/bin/python3';

let available: string | null | undefined;

/** The installed XGBoost version, or `null` when Python cannot import xgboost (probed once). */
export function nativeXgboostVersion(): string | null {
  if (available !== undefined) return available;
  const probe = spawnSync(NATIVE_PYTHON, ['-c', 'import xgboost; print(xgboost.__version__)'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  available = probe.status === 0 ? probe.stdout.trim() : null;
  return available;
}

/** Container-only hyperparameters that are not XGBoost parameters. */
const CONTAINER_ONLY = new Set([
  'num_round',
  'early_stopping_rounds',
  'csv_weights',
  '_kfold',
  '_num_cv_round',
  '_tuning_objective_metric',
  'save_model_on_termination',
]);

const SCRIPT = `
import json, sys, time
import numpy as np
import xgboost as xgb
spec = json.load(sys.stdin)
def load(d):
    x = np.fromfile(d['values'], dtype='<f4').reshape(d['rows'], d['cols'])
    y = np.fromfile(d['labels'], dtype='<f4')
    w = np.fromfile(d['weights'], dtype='<f4') if d.get('weights') else None
    return xgb.DMatrix(x, label=y, weight=w, missing=np.nan)
dtrain = load(spec['train'])
evals = [(dtrain, 'train')] if spec.get('evalTrain', True) else []
if spec.get('validation'):
    evals.append((load(spec['validation']), 'validation'))
result = {}
started = time.perf_counter()
bst = xgb.train(spec['params'], dtrain, num_boost_round=spec['numRound'], evals=evals,
                early_stopping_rounds=spec.get('earlyStoppingRounds'), evals_result=result, verbose_eval=False)
seconds = time.perf_counter() - started
bst.save_model(spec['model'])
log = []
for data, metrics in result.items():
    for metric, values in metrics.items():
        for i, v in enumerate(values):
            while len(log) <= i: log.append({})
            log[i][data + '-' + metric] = v
print(json.dumps({'evalLog': log, 'seconds': seconds, 'attributes': bst.attributes()}))
`;

/** What a native training run returns. */
export interface NativeResult {
  /** The model as `Booster.save_model("model.json")` wrote it. */
  readonly modelJson: string;
  readonly evalLog: EvalRecord[];
  readonly attributes: Record<string, string>;
  /** Seconds spent inside `xgboost.train` (excludes Python start-up and data loading). */
  readonly trainSeconds: number;
}

/** XGBoost training failed: `message` carries Python's error text. */
export class NativeTrainingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeTrainingError';
  }
}

/** The `params` dict for `xgboost.train`, from validated container hyperparameters. */
export function nativeParams(hp: ValidatedHyperparameters): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(hp)) {
    if (CONTAINER_ONLY.has(name)) continue;
    params[name] = name === 'updater' && Array.isArray(value) ? value.join(',') : value;
  }
  return params;
}

async function writeDataset(dir: string, name: string, data: Dataset): Promise<Record<string, unknown>> {
  const values = join(dir, `${name}.values`);
  const labels = join(dir, `${name}.labels`);
  await writeFile(values, new Uint8Array(data.values.buffer, data.values.byteOffset, data.values.byteLength));
  await writeFile(labels, new Uint8Array(data.labels.buffer, data.labels.byteOffset, data.labels.byteLength));
  const spec: Record<string, unknown> = { values, labels, rows: data.rows, cols: data.cols };
  if (data.weights !== undefined) {
    const weights = join(dir, `${name}.weights`);
    await writeFile(
      weights,
      new Uint8Array(data.weights.buffer, data.weights.byteOffset, data.weights.byteLength),
    );
    spec.weights = weights;
  }
  return spec;
}

/** Trains with real XGBoost. Throws {@link NativeTrainingError} when Python or XGBoost fails. */
export async function trainNative(
  train: Dataset,
  validation: Dataset | undefined,
  hp: ValidatedHyperparameters,
  options: { readonly evaluateTrain?: boolean; readonly params?: Record<string, unknown> } = {},
): Promise<NativeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sparkmaker-xgb-'));
  try {
    const model = join(dir, 'model.json');
    const spec = {
      train: await writeDataset(dir, 'train', train),
      validation: validation === undefined ? null : await writeDataset(dir, 'validation', validation),
      params: { ...nativeParams(hp), ...options.params },
      numRound: hp.num_round,
      earlyStoppingRounds: hp.early_stopping_rounds ?? null,
      evalTrain: options.evaluateTrain !== false,
      model,
    };
    const { stdout } = await runPython(SCRIPT, JSON.stringify(spec));
    const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      evalLog: EvalRecord[];
      seconds: number;
      attributes: Record<string, string>;
    };
    return {
      modelJson: await readFile(model, 'utf8'),
      evalLog: parsed.evalLog,
      attributes: parsed.attributes,
      trainSeconds: parsed.seconds,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs a Python script with stdin; resolves with its output or rejects with its last error line. */
export function runPython(script: string, stdin: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NATIVE_PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', (error) =>
      reject(new NativeTrainingError(`cannot run ${NATIVE_PYTHON}: ${error.message}`)),
    );
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else {
        const lines = stderr.trim().split('\n');
        const last = lines.filter((l) => /Error|error/.test(l)).pop() ?? lines.pop() ?? `exit code ${code}`;
        reject(new NativeTrainingError(last.trim()));
      }
    });
    child.stdin.end(stdin);
  });
}
