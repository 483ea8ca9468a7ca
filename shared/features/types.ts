/**
 * The types of a feature declaration (what a run input says about its table) and of its one
 * intermediate form (the declaration resolved against the table's columns), which the compiler
 * turns into Spark SQL and DuckDB SQL (docs/declarations.md).
 */

/** The type of a source column's values, sniffed from the data or declared. */
export type ColumnType = 'number' | 'string' | 'boolean' | 'date' | 'timestamp';

/** How a feature column becomes model inputs. */
export type FeatureKind = 'numeric' | 'categorical' | 'boolean' | 'timestamp';

/** How a categorical feature is encoded: indicator columns over the top values, or integer codes. */
export type CategoricalEncoding = 'one-hot' | 'ordinal';

/** What a missing (empty or NULL) value becomes: kept as missing, replaced by 0, or the row dropped. */
export type MissingPolicy = 'keep' | 'zero' | 'drop';

/** A source column with its type. */
export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
}

/** One feature as declared (`features: ["age", {"column": "plan", "kind": "categorical"}]`). */
export interface FeatureDeclaration {
  readonly column: string;
  readonly kind?: FeatureKind;
  readonly encoding?: CategoricalEncoding;
  /** Categorical: how many of the most frequent training values get their own code (default 20). */
  readonly top?: number;
  readonly missing?: MissingPolicy;
}

/** How rows are split into train, validation and test. */
export type SplitDeclaration =
  | { readonly by: 'hash'; readonly train: number; readonly validation: number; readonly test: number }
  | { readonly by: 'time'; readonly validationFrom: string; readonly testFrom: string };

/** A table declaration, as read (and normalised) from a run input's `table` field. */
export interface TableDeclaration {
  readonly id?: string;
  readonly label?: string;
  readonly time?: string;
  /** `'all'`: every column but id, label and time. */
  readonly features: 'all' | readonly FeatureDeclaration[];
  /** Column types that override the sniffed ones. */
  readonly types: Readonly<Record<string, ColumnType>>;
  readonly missing: MissingPolicy;
  readonly split: SplitDeclaration;
  /** The filter, in the restricted expression language of `where.ts`. */
  readonly where?: string;
  /** The share of a column's cells that may fail to parse before the job stops (0–1). */
  readonly badCellThreshold: number;
}

// ---------------------------------------------------------------------------------------------
// The intermediate form

/** A reference to a column in a `where` expression, or a literal. */
export type WhereOperand =
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean };

/** A parsed `where` expression. */
export type WhereExpression =
  | { readonly kind: 'and' | 'or'; readonly left: WhereExpression; readonly right: WhereExpression }
  | { readonly kind: 'not'; readonly operand: WhereExpression }
  | {
      readonly kind: 'compare';
      readonly op: '=' | '<>' | '<' | '<=' | '>' | '>=';
      readonly left: WhereOperand;
      readonly right: WhereOperand;
    }
  | {
      readonly kind: 'in';
      readonly negated: boolean;
      readonly operand: WhereOperand;
      readonly values: readonly WhereOperand[];
    }
  | { readonly kind: 'isNull'; readonly negated: boolean; readonly operand: WhereOperand };

/** One resolved feature: its source column, type, kind and the model columns it yields. */
export interface FeatureIR {
  readonly column: string;
  readonly type: ColumnType;
  readonly kind: FeatureKind;
  readonly missing: MissingPolicy;
  /** Categorical only. */
  readonly encoding?: CategoricalEncoding;
  /** Categorical only: the number of vocabulary slots. */
  readonly top?: number;
  /** The model columns, in order (`f_age`; `f_plan_1` … `f_plan_other`; `f_seen_year` …). */
  readonly outputs: readonly string[];
}

/** The intermediate form of a declared feature job. Serialisable (stored in plans and specs). */
export interface TableIR {
  readonly version: 1;
  /** Every source column with its (sniffed or declared) type, in table order. */
  readonly columns: readonly ColumnSchema[];
  /** The id column; absent: a stable hash of the row's values. */
  readonly id?: string;
  readonly label?: ColumnSchema;
  readonly time?: ColumnSchema;
  readonly features: readonly FeatureIR[];
  readonly split: SplitDeclaration;
  readonly where?: WhereExpression;
  /** The `where` text as declared, for people reading a spec. */
  readonly whereText?: string;
  readonly badCellThreshold: number;
}
