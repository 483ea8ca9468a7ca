/**
 * The compiler: one intermediate form ({@link TableIR}) in, SQL for Spark (EMR Serverless) and for
 * DuckDB (offline) out. Both texts are built by the same code; only the few constructs the two
 * engines spell differently go through a {@link Dialect} (identifier and literal quoting, the day
 * count behind day-of-week). Every identifier and literal is quoted here; no declared text reaches
 * an engine unquoted.
 *
 * The feature job runs the statements in this order (jobs/features/main.py,
 * local/services/emr/feature-job.ts), over a view `raw` holding the input with every column as a
 * string, and a one-row view `job(run_date)`:
 *  1. `CREATE VIEW typed AS <typed>`: the parsed columns, the id, dt, split, label and a keep flag;
 *  2. `badCells`: one row, the row count and per checked column the cells that do not parse;
 *     `quarantine`: those rows with a `_reason`;
 *  3. train: `vocabulary` (column_name, code, value): the top values of each categorical feature
 *     in the labelled, kept rows; score: the same table from the model's feature-spec.json;
 *  4. `features`: id, dt, split, label and the `f_*` columns in {@link CompiledFeatures.featureColumns} order.
 */

import { timestampParts } from './declaration';
import type { ColumnSchema, ColumnType, FeatureIR, TableIR, WhereExpression, WhereOperand } from './types';

/** How an engine spells what differs. */
export interface Dialect {
  readonly name: 'spark' | 'duckdb';
  /** A quoted identifier. */
  ident(name: string): string;
  /** A quoted string literal. */
  literal(text: string): string;
  /** Days from Sunday 1970-01-04 to a DATE expression (for a day of week, Monday = 1 … Sunday = 0). */
  daysSinceSunday(date: string): string;
}

/** Spark SQL 3.5: backquoted identifiers; backslash escapes inside literals. */
export const SPARK: Dialect = {
  name: 'spark',
  ident: (name) => `\`${name.replace(/`/g, '``')}\``,
  literal: (text) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  daysSinceSunday: (date) => `datediff(${date}, DATE '1970-01-04')`,
};

/** DuckDB: double-quoted identifiers; doubled quotes inside literals, no escapes. */
export const DUCKDB: Dialect = {
  name: 'duckdb',
  ident: (name) => `"${name.replace(/"/g, '""')}"`,
  literal: (text) => `'${text.replace(/'/g, "''")}'`,
  daysSinceSunday: (date) => `date_diff('day', DATE '1970-01-04', ${date})`,
};

/** The statements of one declared feature job in one dialect. */
export interface CompiledSql {
  readonly typed: string;
  readonly badCells: string;
  readonly quarantine: string;
  readonly vocabulary: string;
  readonly features: string;
}

/** What the compiler yields besides the SQL: the layout both engines share. */
export interface CompiledFeatures {
  readonly featureColumns: readonly string[];
  /** The columns whose cells are checked, in the order of the badCells query's `bad_<i>` columns. */
  readonly badCellColumns: readonly { readonly column: string; readonly type: ColumnType }[];
  readonly sql: { readonly spark: CompiledSql; readonly duckdb: CompiledSql };
}

/** A hash fraction as the 8-hex-digit bound the split compares `substring(md5(id), 1, 8)` to. */
export function hexBound(fraction: number): string {
  const value = Math.min(0xffffffff + 1, Math.round(fraction * 0x100000000));
  return value >= 0x100000000 ? 'g' : value.toString(16).padStart(8, '0');
}

/** The parsed value of a raw (string) column, as its type. */
function parse(d: Dialect, raw: string, type: ColumnType): string {
  const trimmed = `TRIM(${raw})`;
  switch (type) {
    case 'string':
      return `NULLIF(${trimmed}, '')`;
    case 'number':
      return `TRY_CAST(${trimmed} AS DOUBLE)`;
    case 'boolean':
      return `CASE WHEN LOWER(${trimmed}) IN ('true', '1') THEN TRUE WHEN LOWER(${trimmed}) IN ('false', '0') THEN FALSE END`;
    case 'date':
      return `TRY_CAST(${trimmed} AS DATE)`;
    case 'timestamp':
      return `TRY_CAST(REPLACE(${trimmed}, 'T', ' ') AS TIMESTAMP)`;
  }
  return d.literal('');
}

/** The condition "a value is there but does not parse as the type" (false for strings). */
function badCell(d: Dialect, raw: string, type: ColumnType): string {
  return `(${raw} IS NOT NULL AND TRIM(${raw}) <> '' AND ${parse(d, raw, type)} IS NULL)`;
}

const REASONS: Record<ColumnType, string> = {
  number: 'not a number',
  boolean: 'not true/false/1/0',
  date: 'not a date YYYY-MM-DD',
  timestamp: 'not a timestamp YYYY-MM-DD[ HH:MM[:SS]]',
  string: '',
};

/** Compiles the intermediate form into both dialects. Pure. */
export function compileTable(ir: TableIR): CompiledFeatures {
  const featureColumns = ir.features.flatMap((f) => f.outputs);
  const badCellColumns = checkedColumns(ir);
  return {
    featureColumns,
    badCellColumns,
    sql: { spark: compileFor(ir, SPARK, badCellColumns), duckdb: compileFor(ir, DUCKDB, badCellColumns) },
  };
}

/** The columns whose cells must parse: label, time, typed features, typed where columns. */
function checkedColumns(ir: TableIR): { column: string; type: ColumnType }[] {
  const out: { column: string; type: ColumnType }[] = [];
  const add = (column: string, type: ColumnType): void => {
    if (type !== 'string' && !out.some((c) => c.column === column)) out.push({ column, type });
  };
  if (ir.label !== undefined) add(ir.label.name, ir.label.type);
  if (ir.time !== undefined) add(ir.time.name, ir.time.type);
  for (const f of ir.features) add(f.column, f.type);
  return out;
}

function compileFor(
  ir: TableIR,
  d: Dialect,
  checked: readonly { column: string; type: ColumnType }[],
): CompiledSql {
  const rawRef = (column: string): string => d.ident(column);
  // Parsed columns of `typed`: one per (column, type) used, named c<i>.
  const parsed = new Map<string, string>();
  const parsedList: string[] = [];
  const parsedAs = (column: string, type: ColumnType): string => {
    const key = `${column}\u0000${type}`;
    let alias = parsed.get(key);
    if (alias === undefined) {
      alias = `c${parsed.size}`;
      parsed.set(key, alias);
      parsedList.push(`${parse(d, rawRef(column), type)} AS ${alias}`);
    }
    return alias;
  };
  const typeOf = (column: string): ColumnType => ir.columns.find((c) => c.name === column)?.type ?? 'string';

  const hashed = ir.columns.filter((c) => c.name !== ir.label?.name);
  const id =
    ir.id !== undefined
      ? `NULLIF(TRIM(${rawRef(ir.id)}), '')`
      : `md5(${hashed
          .map(
            (c) =>
              `COALESCE(CAST(LENGTH(${rawRef(c.name)}) AS STRING), 'n') || ':' || COALESCE(${rawRef(c.name)}, '')`,
          )
          .join(` || '|' || `)})`;
  const label = ir.label === undefined ? 'CAST(NULL AS DOUBLE)' : labelExpression(ir.label, parsedAs);
  const timeAlias = ir.time === undefined ? undefined : parsedAs(ir.time.name, ir.time.type);
  const dt =
    timeAlias === undefined
      ? 'job_run_date'
      : `COALESCE(CAST(CAST(${timeAlias} AS DATE) AS STRING), job_run_date)`;
  const featureAliases = ir.features.map((f) => parsedAs(f.column, f.type));

  const keep: string[] = [];
  if (ir.where !== undefined) keep.push(`(${whereSql(ir.where, d, parsedAs, typeOf)})`);
  ir.features.forEach((f, i) => {
    if (f.missing === 'drop') keep.push(`${featureAliases[i]} IS NOT NULL`);
  });

  const typed = [
    'SELECT',
    `  ${[
      `${id} AS __id`,
      ...parsedList,
      `${label} AS __label`,
      `(SELECT run_date FROM job) AS job_run_date`,
    ].join(',\n  ')}`,
    'FROM raw',
  ].join('\n');
  const split =
    ir.split.by === 'hash'
      ? `CASE WHEN SUBSTRING(md5(__id), 1, 8) < '${hexBound(ir.split.train)}' THEN 'train' WHEN SUBSTRING(md5(__id), 1, 8) < '${hexBound(ir.split.train + ir.split.validation)}' THEN 'validation' ELSE 'test' END`
      : `CASE WHEN __dt < ${d.literal(ir.split.validationFrom)} THEN 'train' WHEN __dt < ${d.literal(ir.split.testFrom)} THEN 'validation' ELSE 'test' END`;
  // dt and the split read the parsed columns: compute them one level up.
  const typedSql = [
    'SELECT inner_typed.*,',
    `  ${split} AS __split,`,
    `  ${keep.length === 0 ? 'TRUE' : keep.map((k) => `COALESCE(${k}, FALSE)`).join(' AND ')} AS __keep`,
    'FROM (',
    `  SELECT parsed.*, ${dt} AS __dt`,
    `  FROM (${indent(typed, 2)}) parsed`,
    ') inner_typed',
  ].join('\n');

  const badCellsSql = [
    'SELECT',
    `  ${['COUNT(*) AS row_count', ...checked.map((c, i) => `SUM(CASE WHEN ${badCell(d, rawRef(c.column), c.type)} THEN 1 ELSE 0 END) AS bad_${i}`)].join(',\n  ')}`,
    'FROM raw',
  ].join('\n');
  const reason =
    checked.length === 0
      ? 'CAST(NULL AS STRING)'
      : `concat_ws('; ', ${checked
          .map(
            (c) =>
              `CASE WHEN ${badCell(d, rawRef(c.column), c.type)} THEN ${d.literal(`${c.column}: ${REASONS[c.type]}`)} END`,
          )
          .join(', ')})`;
  const quarantineSql = [
    `SELECT ${ir.columns.map((c) => rawRef(c.name)).join(', ')}, ${reason} AS _reason`,
    'FROM raw',
    `WHERE ${checked.length === 0 ? 'FALSE' : checked.map((c) => badCell(d, rawRef(c.column), c.type)).join(' OR ')}`,
  ].join('\n');

  const categorical = ir.features
    .map((f, i) => ({ f, alias: featureAliases[i] as string }))
    .filter(({ f }) => f.kind === 'categorical');
  const vocabularySql =
    categorical.length === 0
      ? 'SELECT CAST(NULL AS STRING) AS column_name, 0 AS code, CAST(NULL AS STRING) AS value FROM job WHERE FALSE'
      : categorical
          .map(({ f, alias }) =>
            [
              `SELECT ${d.literal(f.column)} AS column_name, code, value FROM (`,
              `  SELECT value, ROW_NUMBER() OVER (ORDER BY n DESC, value) AS code FROM (`,
              `    SELECT ${alias} AS value, COUNT(*) AS n FROM typed`,
              `    WHERE __keep AND __label IS NOT NULL AND ${alias} IS NOT NULL GROUP BY ${alias}`,
              '  ) counts',
              `) ranked WHERE code <= ${f.top ?? 0}`,
            ].join('\n'),
          )
          .join('\nUNION ALL\n');

  const joins: string[] = [];
  const selects: string[] = ['t.__id AS id', 't.__dt AS dt', 't.__split AS split', 't.__label AS label'];
  ir.features.forEach((f, i) => {
    const v = `t.${featureAliases[i]}`;
    selects.push(...featureSelects(f, v, i, d, joins));
  });
  const featuresSql = [
    'SELECT',
    `  ${selects.join(',\n  ')}`,
    'FROM typed t',
    ...joins,
    'WHERE t.__keep AND t.__id IS NOT NULL',
  ].join('\n');

  return {
    typed: typedSql,
    badCells: badCellsSql,
    quarantine: quarantineSql,
    vocabulary: vocabularySql,
    features: featuresSql,
  };
}

function labelExpression(label: ColumnSchema, parsedAs: (c: string, t: ColumnType) => string): string {
  const alias = parsedAs(label.name, label.type);
  return label.type === 'boolean'
    ? `CASE WHEN ${alias} THEN CAST(1 AS DOUBLE) WHEN NOT ${alias} THEN CAST(0 AS DOUBLE) END`
    : `CAST(${alias} AS DOUBLE)`;
}

const ONE = 'CAST(1 AS DOUBLE)';
const ZERO = 'CAST(0 AS DOUBLE)';

function featureSelects(f: FeatureIR, v: string, index: number, d: Dialect, joins: string[]): string[] {
  const missing = f.missing === 'zero' ? ZERO : 'CAST(NULL AS DOUBLE)';
  const name = (i: number): string => d.ident(f.outputs[i] as string);
  switch (f.kind) {
    case 'numeric':
      return [`${f.missing === 'zero' ? `COALESCE(${v}, ${ZERO})` : `CAST(${v} AS DOUBLE)`} AS ${name(0)}`];
    case 'boolean':
      return [`CASE WHEN ${v} IS NULL THEN ${missing} WHEN ${v} THEN ${ONE} ELSE ${ZERO} END AS ${name(0)}`];
    case 'timestamp': {
      const date = `CAST(${v} AS DATE)`;
      return timestampParts(f.type).map((part, i) => {
        let expression: string;
        if (part === 'dow') expression = `((${d.daysSinceSunday(date)} % 7) + 7) % 7`;
        else expression = `${part}(${v})`;
        return `CASE WHEN ${v} IS NULL THEN ${missing} ELSE CAST(${expression} AS DOUBLE) END AS ${name(i)}`;
      });
    }
    case 'categorical': {
      const j = `v${index}`;
      joins.push(
        `LEFT JOIN vocabulary ${j} ON ${j}.column_name = ${d.literal(f.column)} AND ${j}.value = ${v}`,
      );
      if (f.encoding === 'ordinal') {
        return [
          `CASE WHEN ${v} IS NULL THEN ${missing} ELSE CAST(COALESCE(${j}.code, 0) AS DOUBLE) END AS ${name(0)}`,
        ];
      }
      const top = f.top ?? 0;
      const slots = Array.from(
        { length: top },
        (_, k) =>
          `CASE WHEN ${v} IS NULL THEN ${missing} WHEN ${j}.code = ${k + 1} THEN ${ONE} ELSE ${ZERO} END AS ${name(k)}`,
      );
      slots.push(
        `CASE WHEN ${v} IS NULL THEN ${missing} WHEN ${j}.code IS NULL THEN ${ONE} ELSE ${ZERO} END AS ${name(top)}`,
      );
      return slots;
    }
  }
}

function whereSql(
  node: WhereExpression,
  d: Dialect,
  parsedAs: (column: string, type: ColumnType) => string,
  typeOf: (column: string) => ColumnType,
): string {
  const columnType = (operand: WhereOperand): ColumnType | undefined =>
    operand.kind === 'column' ? typeOf(operand.name) : undefined;
  const operandSql = (operand: WhereOperand, other: ColumnType | undefined): string => {
    switch (operand.kind) {
      case 'column':
        return parsedAs(operand.name, typeOf(operand.name));
      case 'number':
        return other === 'string'
          ? d.literal(String(operand.value))
          : `CAST(${numberLiteral(operand.value)} AS DOUBLE)`;
      case 'boolean':
        return other === 'string' ? d.literal(String(operand.value)) : operand.value ? 'TRUE' : 'FALSE';
      case 'string':
        if (other === 'date') return `CAST(${d.literal(operand.value)} AS DATE)`;
        if (other === 'timestamp') return `CAST(${d.literal(operand.value.replace('T', ' '))} AS TIMESTAMP)`;
        if (other === 'number') return `CAST(${d.literal(operand.value)} AS DOUBLE)`;
        return d.literal(operand.value);
    }
  };
  const recurse = (n: WhereExpression): string => whereSql(n, d, parsedAs, typeOf);
  switch (node.kind) {
    case 'and':
      return `(${recurse(node.left)} AND ${recurse(node.right)})`;
    case 'or':
      return `(${recurse(node.left)} OR ${recurse(node.right)})`;
    case 'not':
      return `(NOT ${recurse(node.operand)})`;
    case 'compare': {
      const left = operandSql(node.left, columnType(node.right));
      const right = operandSql(node.right, columnType(node.left));
      return `(${left} ${node.op} ${right})`;
    }
    case 'in': {
      const type = columnType(node.operand) ?? node.values.map(columnType).find((t) => t !== undefined);
      return `(${operandSql(node.operand, type)} ${node.negated ? 'NOT IN' : 'IN'} (${node.values.map((v) => operandSql(v, columnType(node.operand))).join(', ')}))`;
    }
    case 'isNull':
      return `(${operandSql(node.operand, undefined)} IS ${node.negated ? 'NOT ' : ''}NULL)`;
  }
}

function numberLiteral(value: number): string {
  // Plain decimal or exponent notation: both engines read it as a number.
  return Number.isInteger(value) && Math.abs(value) < 1e15 ? value.toFixed(0) : value.toExponential();
}

function indent(text: string, depth = 1): string {
  return text.split('\n').join(`\n${'  '.repeat(depth)}`);
}
