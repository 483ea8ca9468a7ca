/**
 * Parity of the embedded trainer with real XGBoost 1.7 (Debian python3-xgboost) on three data sets,
 * and bit-exact agreement between real XGBoost and our scorer on a model the embedded trainer
 * wrote. Skipped where `/usr/bin/python3` cannot import xgboost (CI installs it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readChannel } from '../../local/services/sagemaker/channels';
import type { Dataset } from '../../local/services/sagemaker/xgboost/dataset';
import { validateHyperparameters } from '../../local/services/sagemaker/xgboost/hyperparameters';
import { evaluateMetric } from '../../local/services/sagemaker/xgboost/metrics';
import { nativeXgboostVersion, runPython } from '../../local/services/sagemaker/xgboost/native';
import { trainXgboost } from '../../local/services/sagemaker/xgboost/train';
import { loadModel } from '../../shared/model';

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'sagemaker');
const hasXgboost = nativeXgboostVersion()?.startsWith('1.7') === true;

async function load(name: string, split: string): Promise<Dataset> {
  const bytes = readFileSync(join(fixtures, name, `${split}.csv`));
  return readChannel([{ name: `${name}/${split}.csv`, bytes }], 'csv');
}

function scoreWith(modelJson: string, test: Dataset): Float32Array {
  const model = loadModel(new TextEncoder().encode(modelJson));
  return model.predict(test.values, test.rows).values;
}

function marginsWith(modelJson: string, test: Dataset): Float32Array {
  const model = loadModel(new TextEncoder().encode(modelJson));
  return model.predictMargin(test.values, test.rows).values;
}

/** Distance in float32 units in the last place (0 = identical bits). */
function ulps(a: number, b: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat32(0, a);
  view.setFloat32(4, b);
  return Math.abs(view.getInt32(0) - view.getInt32(4));
}

/** One XGBoost thread: OpenMP threads spin badly on a busy CI machine, and results do not depend on it. */
const ONE_THREAD = { nthread: '1' };

interface Case {
  readonly name: string;
  readonly hyperparameters: Record<string, string>;
  readonly metric: 'auc' | 'accuracy' | 'rmse';
  readonly tolerance: (native: number) => number;
}

const cases: Case[] = [
  {
    name: 'binary',
    hyperparameters: {
      objective: 'binary:logistic',
      num_round: '60',
      max_depth: '4',
      eta: '0.2',
      subsample: '0.8',
      seed: '7',
    },
    metric: 'auc',
    tolerance: () => 0.01,
  },
  {
    name: 'multiclass',
    hyperparameters: {
      objective: 'multi:softprob',
      num_class: '3',
      num_round: '40',
      max_depth: '4',
      eta: '0.3',
    },
    metric: 'accuracy',
    tolerance: () => 0.03,
  },
  {
    name: 'regression',
    hyperparameters: {
      objective: 'reg:squarederror',
      num_round: '80',
      max_depth: '5',
      eta: '0.15',
      min_child_weight: '2',
    },
    metric: 'rmse',
    tolerance: (native) => 0.05 * native,
  },
];

function testMetric(kind: Case['metric'], preds: Float32Array, test: Dataset): number {
  if (kind === 'auc') return evaluateMetric('auc', preds, 1, test.labels);
  if (kind === 'rmse') return evaluateMetric('rmse', preds, 1, test.labels);
  return 1 - evaluateMetric('merror', preds, 3, test.labels);
}

describe.skipIf(!hasXgboost)('the embedded trainer against real XGBoost 1.7', () => {
  for (const c of cases) {
    it(`reaches XGBoost's test ${c.metric} on the ${c.name} data set`, async () => {
      // Prepare
      const [train, validation, test] = await Promise.all(
        ['train', 'validation', 'test'].map((s) => load(c.name, s)),
      );
      const hp = validateHyperparameters({ ...c.hyperparameters, ...ONE_THREAD });
      // Act
      const embedded = await trainXgboost(train!, validation, hp, 'embedded');
      const native = await trainXgboost(train!, validation, hp, 'native');
      const ours = testMetric(c.metric, scoreWith(embedded.modelJson, test!), test!);
      const theirs = testMetric(c.metric, scoreWith(native.modelJson, test!), test!);
      // Assess
      expect(embedded.backend).toBe('embedded');
      expect(native.backend).toBe('native');
      expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(c.tolerance(theirs));
    });
  }

  it('writes models whose margins real XGBoost and our scorer compute bit for bit', async () => {
    for (const c of cases) {
      // Prepare
      const [train, validation, test] = await Promise.all(
        ['train', 'validation', 'test'].map((s) => load(c.name, s)),
      );
      const hp = validateHyperparameters({ ...c.hyperparameters, early_stopping_rounds: '5' });
      const { modelJson, attributes } = await trainXgboost(train!, validation, hp, 'embedded');
      const ours = marginsWith(modelJson, test!);
      const oursPredicted = scoreWith(modelJson, test!);
      // Act: XGBoost loads the JSON and predicts with the same tree limit the container uses
      const script = `
import json, sys, numpy as np, xgboost as xgb, tempfile, os
spec = json.load(sys.stdin)
path = os.path.join(tempfile.mkdtemp(), 'model.json')
open(path, 'w').write(spec['model'])
b = xgb.Booster(); b.load_model(path)
x = np.array([np.nan if v is None else v for v in spec['x']], dtype=np.float32).reshape(spec['rows'], spec['cols'])
limit = int(b.attr('best_ntree_limit') or 0)
d = xgb.DMatrix(x, missing=np.nan)
m = b.predict(d, ntree_limit=limit, output_margin=True)
p = b.predict(d, ntree_limit=limit)
print(json.dumps([[float(v) for v in m.reshape(-1)], [float(v) for v in p.reshape(-1)]]))
`;
      const x = Array.from(test!.values, (v) => (Number.isNaN(v) ? null : v));
      const input = JSON.stringify({ model: modelJson, x, rows: test!.rows, cols: test!.cols });
      const { stdout } = await runPython(script, input);
      const [margins, predictions] = JSON.parse(stdout.trim().split('\n').pop()!) as [number[], number[]];
      const theirs = Float32Array.from(margins);
      const theirPredictions = Float32Array.from(predictions);
      // Assess: margins and transformed predictions bit-exact (the scorer reproduces glibc's expf)
      expect(attributes.best_ntree_limit).toBeDefined();
      expect(theirs.length).toBe(ours.length);
      expect(Array.from(theirs)).toEqual(Array.from(ours));
      const worst = theirPredictions.reduce((m, v, i) => Math.max(m, ulps(v, oursPredicted[i]!)), 0);
      expect(worst).toBe(0);
    }
  });
});
