/**
 * Embedded XGBoost trainer vs native XGBoost `hist` on one thread, same run, same data:
 * 100,000 rows × 20 features (10 % missing), binary:logistic, 100 rounds, max_depth 6, eta 0.3,
 * max_bin 256. Native time is what `xgboost.train` itself takes (Python start-up and data loading
 * excluded); the embedded time includes quantisation. Goal: embedded ≤ 3 × native.
 */

import { predictBooster, trainBooster } from '../local/services/sagemaker/xgboost/booster';
import type { Dataset } from '../local/services/sagemaker/xgboost/dataset';
import { createRandom } from '../local/services/sagemaker/xgboost/hist-builder';
import { validateHyperparameters } from '../local/services/sagemaker/xgboost/hyperparameters';
import { evaluateMetric } from '../local/services/sagemaker/xgboost/metrics';
import { nativeXgboostVersion, trainNative } from '../local/services/sagemaker/xgboost/native';
import { boosterParams } from '../local/services/sagemaker/xgboost/params';

const ROWS = 100_000;
const COLS = 20;

function makeData(rows: number, seed: number): Dataset {
  const random = createRandom(seed);
  const normal = (): number =>
    Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
  const values = new Float32Array(rows * COLS);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = Array.from({ length: COLS }, normal);
    const z = 1.5 * x[0]! - x[1]! + x[2]! * x[3]! + 0.5 * Math.sin(3 * x[4]!) + 0.8 * normal();
    labels[r] = z > 0 ? 1 : 0;
    for (let c = 0; c < COLS; c++) values[r * COLS + c] = random() < 0.1 ? Number.NaN : x[c]!;
  }
  return { rows, cols: COLS, values, labels };
}

export default async (): Promise<Record<string, unknown>> => {
  const train = makeData(ROWS, 42);
  const test = makeData(20_000, 43);
  const hyperparameters = {
    objective: 'binary:logistic',
    num_round: '100',
    max_depth: '6',
    eta: '0.3',
    max_bin: '256',
    tree_method: 'hist',
  };
  const hp = validateHyperparameters(hyperparameters);
  const params = boosterParams(hp);
  const started = performance.now();
  const model = trainBooster(train, undefined, params, { evaluateTrain: false });
  const embeddedSeconds = (performance.now() - started) / 1000;
  const embeddedAuc = evaluateMetric('auc', predictBooster(model, test), 1, test.labels);
  const figures: Record<string, unknown> = {
    rows: ROWS,
    features: COLS,
    hyperparameters,
    embeddedSeconds: Number(embeddedSeconds.toFixed(3)),
    embeddedTestAuc: Number(embeddedAuc.toFixed(4)),
    goal: 'embeddedSeconds <= 3 x nativeSeconds (native XGBoost hist, nthread=1)',
  };
  const version = nativeXgboostVersion();
  if (version === null) return { ...figures, native: 'skipped: python3 cannot import xgboost' };
  const native = await trainNative(train, undefined, hp, {
    evaluateTrain: false,
    params: { nthread: 1 },
  });
  return {
    ...figures,
    nativeVersion: version,
    nativeSeconds: Number(native.trainSeconds.toFixed(3)),
    ratio: Number((embeddedSeconds / native.trainSeconds).toFixed(2)),
  };
};
