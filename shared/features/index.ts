/**
 * Declared feature jobs ("tables, not code", docs/declarations.md): read a `table` declaration,
 * sniff column types from the data, resolve the declaration into one intermediate form, compile it
 * to Spark SQL and DuckDB SQL, and keep what training learned as a feature spec.
 */
export {
  type CompiledFeatures,
  type CompiledSql,
  compileTable,
  type Dialect,
  DUCKDB,
  hexBound,
  SPARK,
} from './compile';
export {
  DEFAULT_BAD_CELL_THRESHOLD,
  DEFAULT_SPLIT,
  DEFAULT_TOP,
  featureName,
  readDeclaration,
  resolveDeclaration,
  TABLE_FIELDS,
  type Workflow,
} from './declaration';
export {
  buildPlan,
  type FeaturePlan,
  PLAN_KIND,
  parsePlan,
  requiredColumns,
  specOf,
  type Vocabulary,
  vocabularyOf,
  vocabularyRows,
} from './plan';
export { type Proposal, proposeDeclaration } from './propose';
export {
  parquetColumnTypes,
  parsesAs,
  type SniffedTable,
  sniffCsv,
  sniffJsonLines,
  sniffType,
} from './sniff';
export type * from './types';
export { parseWhere, WhereSyntaxError, whereColumns } from './where';
