/**
 * The scorer against the golden XGBoost 1.7.4 files in ../shared/golden/xgb (SPEC §4.3): margins and
 * predictions bit for bit for every case and every model format, and the container response bodies
 * byte for byte. Skipped when the shared folder is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  denseRows,
  formatBatchTransform,
  formatRealtimeCsv,
  formatRealtimeJson,
  loadModel,
  scoringRows,
} from '../../shared/model';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const shared = process.env.SPARKMAKER_SHARED ?? join(repo, '..', 'shared');
const dir = join(shared, 'golden', 'xgb');
const present = existsSync(dir);

interface GoldenCase {
  rows: (number | null)[][];
  expected_margin?: number[][];
  expected_prediction?: number[][];
  expected_prediction_container_ntree_limit?: number[];
}

const names = present
  ? readdirSync(dir)
      .filter((f) => f.endsWith('.cases.json'))
      .map((f) => f.replace('.cases.json', ''))
      .sort()
  : [];
const runs = names.flatMap((name) =>
  ['.xgboost-model', '.json', '.ubj']
    .filter((ext) => existsSync(join(dir, name + ext)))
    .flatMap((ext) => [true, false].map((compile) => ({ name, ext, compile }))),
);

function sameBits(actual: ArrayLike<number>, expected: readonly number[]): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    if (!Object.is(actual[i], expected[i])) wrong.push(i);
  }
  return wrong;
}

describe.skipIf(!present)('golden XGBoost 1.7.4 files (../shared/golden/xgb)', () => {
  it('has every case in every format', () => {
    expect(names.length).toBeGreaterThanOrEqual(6);
    expect(runs.length).toBeGreaterThanOrEqual(2 * (5 * 3 + 2));
  });

  it.each(runs)('predicts $name$ext (compiled: $compile) bit for bit', ({ name, ext, compile }) => {
    // Prepare
    const golden = JSON.parse(readFileSync(join(dir, `${name}.cases.json`), 'utf8')) as GoldenCase;
    const model = loadModel(readFileSync(join(dir, name + ext)), { compile });
    const x = denseRows(golden.rows, model.numFeature);
    // Act
    const margins = model.predictMargin(x);
    const predictions = model.predict(x);
    // Assess
    if (golden.expected_margin !== undefined) {
      expect(sameBits(margins.values, golden.expected_margin.flat())).toEqual([]);
      expect(sameBits(predictions.values, (golden.expected_prediction ?? []).flat())).toEqual([]);
    } else {
      expect(sameBits(predictions.values, golden.expected_prediction_container_ntree_limit ?? [])).toEqual(
        [],
      );
    }
    const responses = join(dir, `${name}.container_responses.json`);
    if (existsSync(responses)) {
      const r = JSON.parse(readFileSync(responses, 'utf8')) as Record<string, string>;
      expect(formatBatchTransform(predictions)).toBe(r.batch_transform_body);
      expect(formatRealtimeCsv(predictions)).toBe(r.realtime_text_csv_body);
      expect(formatRealtimeJson(predictions)).toBe(r.realtime_application_json_body);
    }
  });

  it.each(names.filter((n) => existsSync(join(dir, `${n}.container_responses.json`))))(
    'scores the shared inputs.csv and inputs.libsvm with %s as the container would',
    (name) => {
      // Prepare
      const model = loadModel(readFileSync(join(dir, `${name}.xgboost-model`)));
      const golden = JSON.parse(readFileSync(join(dir, `${name}.cases.json`), 'utf8')) as GoldenCase;
      const expected = formatBatchTransform(
        model.predict(denseRows(golden.rows.slice(0, 20), model.numFeature)),
      );
      // Act
      const csv = scoringRows(readFileSync(join(dir, 'inputs.csv')), 'text/csv', model.numFeature);
      const svm = scoringRows(readFileSync(join(dir, 'inputs.libsvm')), 'text/libsvm', model.numFeature);
      // Assess
      expect(formatBatchTransform(model.predict(csv.x, csv.rows))).toBe(expected);
      expect(formatBatchTransform(model.predict(svm.x, svm.rows))).toBe(expected);
    },
  );
});
