/** Reads the committed fixtures of test/fixtures/model (made by scripts/fixtures/make-xgb-fixtures.py). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/model/', import.meta.url));

/** One case: a model in several files, rows, and what XGBoost 1.7.4 predicted for them. */
export interface FixtureCase {
  readonly name: string;
  readonly objective: string;
  readonly num_feature: number;
  readonly best_ntree_limit: number;
  readonly num_trees: number;
  readonly model_files: string[];
  readonly rows: (number | null)[][];
  readonly margin_width: number;
  readonly expected_margin: number[];
  readonly prediction_width: number;
  readonly expected_prediction: number[];
  readonly batch_transform_body: string;
}

/** A fixture file's bytes; `.gz` files (except `model.tar.gz`, which is the artifact) are gunzipped. */
export function fixtureBytes(name: string): Uint8Array {
  const bytes = readFileSync(FIXTURES + name);
  return name.endsWith('.gz') && !name.endsWith('.tar.gz') ? gunzipSync(bytes) : new Uint8Array(bytes);
}

export function fixtureText(name: string): string {
  return Buffer.from(fixtureBytes(name)).toString('utf8');
}

export function fixtureCases(): FixtureCase[] {
  return readdirSync(FIXTURES)
    .filter((f) => /\.cases\.json(\.gz)?$/.test(f))
    .sort()
    .map((f) => JSON.parse(fixtureText(f)) as FixtureCase);
}
