/**
 * Proposes a table declaration, and training hyperparameters and gate, from a sniffed table: the
 * likely id, time and label columns, every other column as a feature with its kind. What
 * `sparkmaker init` writes for a person to read and edit. Pure.
 */
import { closest } from '../fields';
import { DEFAULT_TOP } from './declaration';
import type { SniffedTable } from './sniff';
import type { ColumnSchema } from './types';

/** What {@link proposeDeclaration} returns. */
export interface Proposal {
  /** The `table` declaration (JSON-ready). */
  readonly table: Record<string, unknown>;
  readonly hyperparameters: Record<string, string>;
  readonly gate: { readonly metric: 'auc' | 'accuracy' | 'rmse'; readonly threshold: number };
  /** One line per choice made, for the person to check. */
  readonly notes: readonly string[];
}

const ID_NAME = /^(?:id|key|uuid|.*[_ -]id|.*Id|.*ID)$/;
const TIME_NAME = /(?:date|time|_at$|^at$|day|timestamp|created|updated)/i;
const LABEL_NAME =
  /^(?:label|target|y|class|outcome|churn(?:ed)?|default|converted|survived|species|price)$/i;

function values(table: SniffedTable, index: number): string[] {
  return table.rows.map((row) => row[index]).filter((v): v is string => v !== null && v !== undefined);
}

/**
 * Proposes a declaration. `label` names the label column (an error with the nearest column when it
 * is not in the table); without it, a column named like a label, else the last numeric column.
 */
export function proposeDeclaration(table: SniffedTable, options: { label?: string } = {}): Proposal {
  const notes: string[] = [];
  const columns = table.columns;
  const names = columns.map((c) => c.name);
  const indexOf = (name: string): number => names.indexOf(name);

  let label: ColumnSchema | undefined;
  if (options.label !== undefined) {
    label = columns.find((c) => c.name === options.label);
    if (label === undefined) {
      const near = closest(options.label, names);
      throw new Error(
        `--label: no column '${options.label}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; columns: ${names.join(', ')}`,
      );
    }
  } else {
    label =
      columns.find((c) => LABEL_NAME.test(c.name) && (c.type === 'number' || c.type === 'boolean')) ??
      [...columns].reverse().find((c) => c.type === 'number' || c.type === 'boolean');
    notes.push(
      label === undefined
        ? 'no numeric column looks like a label: set table.label (or pass --label)'
        : `label: '${label.name}' (guessed; pass --label to choose)`,
    );
  }

  const unique = (c: ColumnSchema): boolean => {
    const v = values(table, indexOf(c.name));
    return v.length === table.rows.length && new Set(v).size === v.length && v.length > 0;
  };
  // A column named like an id with distinct values; else a text column whose values all differ.
  const id =
    columns.find((c) => c !== label && ID_NAME.test(c.name) && unique(c)) ??
    (table.rows.length >= 20
      ? columns.find((c) => c !== label && c.type === 'string' && unique(c))
      : undefined);
  notes.push(
    id === undefined ? 'id: none found, rows are identified by a hash of their values' : `id: '${id.name}'`,
  );
  const time =
    columns.find(
      (c) => c !== label && (c.type === 'date' || c.type === 'timestamp') && TIME_NAME.test(c.name),
    ) ?? columns.find((c) => c !== label && (c.type === 'date' || c.type === 'timestamp'));
  notes.push(
    time === undefined
      ? 'time: none, dt is the run date'
      : `time: '${time.name}' (also a feature: its parts)`,
  );

  const features: unknown[] = [];
  for (const column of columns) {
    if (column === label || column === id) continue;
    if (column.type === 'string') {
      const distinct = new Set(values(table, indexOf(column.name))).size;
      if (distinct === table.rows.length && table.rows.length > 20) {
        notes.push(`'${column.name}' left out: every value differs (an identifier or free text?)`);
        continue;
      }
      features.push({
        column: column.name,
        kind: 'categorical',
        top: Math.max(1, Math.min(distinct, DEFAULT_TOP)),
      });
    } else {
      features.push(column.name);
    }
  }

  let hyperparameters: Record<string, string> = {
    objective: 'binary:logistic',
    num_round: '100',
    max_depth: '5',
    eta: '0.2',
  };
  let gate: Proposal['gate'] = { metric: 'auc', threshold: 0.7 };
  if (label !== undefined && label.type === 'number') {
    const numbers = values(table, indexOf(label.name)).map(Number);
    const integers = numbers.every((n) => Number.isInteger(n) && n >= 0);
    const max = Math.max(...numbers);
    if (integers && max <= 1) {
      notes.push(`objective: binary:logistic ('${label.name}' holds 0 and 1)`);
    } else if (integers && max < 20 && new Set(numbers).size > 2) {
      hyperparameters = { ...hyperparameters, objective: 'multi:softprob', num_class: String(max + 1) };
      gate = { metric: 'accuracy', threshold: 0.5 };
      notes.push(`objective: multi:softprob with ${max + 1} classes ('${label.name}' holds 0..${max})`);
    } else {
      const mean = numbers.reduce((a, b) => a + b, 0) / Math.max(1, numbers.length);
      const sd = Math.sqrt(numbers.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, numbers.length));
      hyperparameters = { ...hyperparameters, objective: 'reg:squarederror' };
      gate = { metric: 'rmse', threshold: Number(sd.toPrecision(3)) };
      notes.push(
        `objective: reg:squarederror; gate rmse <= ${gate.threshold} (the label's standard deviation: better than guessing the mean)`,
      );
    }
  }

  return {
    table: {
      ...(id === undefined ? {} : { id: id.name }),
      ...(label === undefined ? {} : { label: label.name }),
      ...(time === undefined ? {} : { time: time.name }),
      features,
    },
    hyperparameters,
    gate,
    notes,
  };
}
