/**
 * The feature plan (what the feature job runs) and the feature spec (what training learned, stored
 * as `feature-spec.json` beside the model and applied unchanged at scoring). A spec is a plan plus
 * the vocabulary of every categorical feature: one document type, so the job reads either.
 */
import { FeatureJobError } from '../errors';
import { type CompiledSql, compileTable } from './compile';
import type { ColumnType, TableIR } from './types';

/** The `kind` of a plan or spec document. */
export const PLAN_KIND = 'sparkmaker.feature-plan';

/** The vocabulary of each categorical feature: its values by code (code 1 first). */
export type Vocabulary = Readonly<Record<string, readonly string[]>>;

/** A compiled declaration: what the feature job reads from `--plan`. */
export interface FeaturePlan {
  readonly kind: typeof PLAN_KIND;
  readonly version: 1;
  readonly ir: TableIR;
  /** The model's input columns, in order. */
  readonly featureColumns: readonly string[];
  readonly badCellColumns: readonly { readonly column: string; readonly type: ColumnType }[];
  readonly sql: { readonly spark: CompiledSql; readonly duckdb: CompiledSql };
  /** Present in a feature spec: what training learned. */
  readonly vocabulary?: Vocabulary;
  /** Present in a feature spec: the training run that learned it. */
  readonly trainedBy?: string;
}

/** Compiles an IR into a plan. */
export function buildPlan(ir: TableIR): FeaturePlan {
  const compiled = compileTable(ir);
  return {
    kind: PLAN_KIND,
    version: 1,
    ir,
    featureColumns: compiled.featureColumns,
    badCellColumns: compiled.badCellColumns,
    sql: compiled.sql,
  };
}

/** The feature spec of a trained model: the plan and the vocabulary its training run learned. */
export function specOf(plan: FeaturePlan, vocabulary: Vocabulary, runId: string): FeaturePlan {
  return { ...plan, vocabulary, trainedBy: runId };
}

/**
 * Reads a plan or spec document, checking the parts the job relies on.
 *
 * @throws {FeatureJobError} naming the document and what is wrong.
 */
export function parsePlan(text: string, source: string): FeaturePlan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FeatureJobError(`feature plan ${source} is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const plan = value as Partial<FeaturePlan> | null;
  if (plan === null || typeof plan !== 'object' || plan.kind !== PLAN_KIND || plan.version !== 1) {
    throw new FeatureJobError(
      `${source} is not a sparkmaker feature plan or spec (expected "kind": "${PLAN_KIND}", "version": 1)`,
    );
  }
  for (const dialect of ['spark', 'duckdb'] as const) {
    const sql = plan.sql?.[dialect];
    for (const part of ['typed', 'badCells', 'quarantine', 'vocabulary', 'features'] as const) {
      if (typeof sql?.[part] !== 'string')
        throw new FeatureJobError(`feature plan ${source}: sql.${dialect}.${part} is missing`);
    }
  }
  if (
    !Array.isArray(plan.featureColumns) ||
    !Array.isArray(plan.badCellColumns) ||
    typeof plan.ir !== 'object'
  ) {
    throw new FeatureJobError(`feature plan ${source}: featureColumns, badCellColumns and ir are required`);
  }
  return plan as FeaturePlan;
}

/** Rows of the `vocabulary` table (`column_name`, `code`, `value`) from a spec's vocabulary. */
export function vocabularyRows(
  vocabulary: Vocabulary,
): { column_name: string; code: number; value: string }[] {
  return Object.entries(vocabulary).flatMap(([column, values]) =>
    values.map((value, i) => ({ column_name: column, code: i + 1, value })),
  );
}

/** A vocabulary from the rows of the vocabulary query. */
export function vocabularyOf(
  rows: readonly { column_name: unknown; code: unknown; value: unknown }[],
  ir: TableIR,
): Vocabulary {
  const out: Record<string, string[]> = {};
  for (const f of ir.features) if (f.kind === 'categorical') out[f.column] = [];
  const sorted = [...rows].sort((a, b) => Number(a.code) - Number(b.code));
  for (const row of sorted) {
    const column = String(row.column_name);
    out[column] = [...(out[column] ?? []), String(row.value)];
  }
  return out;
}

/** The columns a score-mode input must have (label may be absent; other unused columns too). */
export function requiredColumns(ir: TableIR): string[] {
  const names = new Set<string>();
  if (ir.id !== undefined) names.add(ir.id);
  if (ir.time !== undefined) names.add(ir.time.name);
  for (const f of ir.features) names.add(f.column);
  return [...names];
}
