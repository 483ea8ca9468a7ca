import { describe, expect, it } from 'vitest';
import { lintFeaturePlan, lintFeatureSql } from '../../../../jobs/features/lint';
import {
  buildPlan,
  type ColumnSchema,
  hexBound,
  readDeclaration,
  resolveDeclaration,
  type TableIR,
} from '../../../../shared/features';
import { Problems } from '../../../../shared/fields';

const COLUMNS: ColumnSchema[] = [
  { name: 'id', type: 'string' },
  { name: 'seen', type: 'timestamp' },
  { name: "it's", type: 'string' },
  { name: 'back\\slash`"', type: 'number' },
  { name: 'ok', type: 'boolean' },
  { name: 'y', type: 'number' },
];

function ir(raw: unknown): TableIR {
  const problems = new Problems('training input');
  const declaration = readDeclaration(raw, 'table', problems);
  const resolved = resolveDeclaration(declaration as never, COLUMNS, {
    workflow: 'train',
    path: 'table',
    problems,
    source: 't',
  });
  problems.throwIfAny();
  return resolved as TableIR;
}

describe('the feature compiler', () => {
  const plan = buildPlan(
    ir({
      id: 'id',
      label: 'y',
      time: 'seen',
      features: 'all',
      where: "\"it's\" NOT IN ('a''b', 'c\\\\d') AND seen >= '2024-01-01' OR ok IS NULL",
    }),
  );

  it('emits SQL the Spark/DuckDB lint finds clean in both dialects', () => {
    for (const dialect of ['spark', 'duckdb'] as const) {
      for (const [part, sql] of Object.entries(plan.sql[dialect])) {
        expect(lintFeatureSql(sql, `${dialect}.${part}`)).toEqual([]);
      }
    }
  });

  it('lints a whole plan, naming the statement of a problem', () => {
    expect(lintFeaturePlan(JSON.stringify(plan))).toEqual([]);
    const bad = { sql: { duckdb: { features: 'SELECT x::DOUBLE FROM typed' } } };
    expect(lintFeaturePlan(JSON.stringify(bad), 'p.json')[0]).toMatchObject({
      file: 'p.json#sql.duckdb.features',
      rule: 'double-colon-cast',
    });
  });

  it('quotes identifiers and literals each in its dialect', () => {
    expect(plan.sql.duckdb.quarantine).toContain('"back\\slash`"""');
    expect(plan.sql.spark.quarantine).toContain('`back\\slash``"`');
    expect(plan.sql.duckdb.typed).toContain("'a''b'");
    expect(plan.sql.spark.typed).toContain("'a\\'b'");
    expect(plan.sql.spark.typed).toContain("'c\\\\\\\\d'");
    expect(plan.sql.duckdb.typed).toContain("'c\\\\d'");
  });

  it('lays out the model columns in declaration order, one-hot slots then other', () => {
    expect(plan.featureColumns.slice(0, 6)).toEqual([
      'f_it_s_1',
      'f_it_s_2',
      'f_it_s_3',
      'f_it_s_4',
      'f_it_s_5',
      'f_it_s_6',
    ]);
    expect(plan.featureColumns).toContain('f_it_s_other');
    expect(plan.featureColumns.slice(-2)).toEqual(['f_back_slash', 'f_ok']);
    expect(plan.badCellColumns.map((c) => c.column)).toEqual(['y', 'seen', 'back\\slash`"', 'ok']);
  });

  it('turns hash fractions into 8-hex-digit bounds', () => {
    expect(hexBound(0.5)).toBe('80000000');
    expect(hexBound(0)).toBe('00000000');
    expect(hexBound(1)).toBe('g');
  });
});
