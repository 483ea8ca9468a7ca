/**
 * Reading a table declaration from a run input (`table`), and resolving it against the table's
 * columns into the intermediate form ({@link TableIR}) the compiler reads. Every problem names the
 * field (`table.features[2].column`) and, for a column that is not in the table, suggests the nearest
 * column name.
 */
import { closest, FieldReader, type Problems } from '../fields';
import type {
  CategoricalEncoding,
  ColumnSchema,
  ColumnType,
  FeatureDeclaration,
  FeatureIR,
  FeatureKind,
  MissingPolicy,
  SplitDeclaration,
  TableDeclaration,
  TableIR,
} from './types';
import { parseWhere, WhereSyntaxError, whereColumns } from './where';

export const COLUMN_TYPES: readonly ColumnType[] = ['number', 'string', 'boolean', 'date', 'timestamp'];
export const FEATURE_KINDS: readonly FeatureKind[] = ['numeric', 'categorical', 'boolean', 'timestamp'];
export const ENCODINGS: readonly CategoricalEncoding[] = ['one-hot', 'ordinal'];
export const MISSING_POLICIES: readonly MissingPolicy[] = ['keep', 'zero', 'drop'];

/** The fields of `table`. */
export const TABLE_FIELDS = [
  'id',
  'label',
  'time',
  'features',
  'types',
  'missing',
  'split',
  'where',
  'badCellThreshold',
];
const FEATURE_FIELDS = ['column', 'kind', 'encoding', 'top', 'missing'];
const SPLIT_FIELDS = ['by', 'train', 'validation', 'test', 'validationFrom', 'testFrom'];

/** Default number of vocabulary slots of a categorical feature. */
export const DEFAULT_TOP = 20;
/** Default share of bad cells per column before the feature job stops (1 %). */
export const DEFAULT_BAD_CELL_THRESHOLD = 0.01;
/** Default hash split fractions. */
export const DEFAULT_SPLIT: SplitDeclaration = { by: 'hash', train: 0.7, validation: 0.15, test: 0.15 };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads and checks the shape of a `table` declaration (no data needed); problems go to `problems`
 * with paths under `path`. Returns `undefined` when the field is not an object.
 */
export function readDeclaration(
  raw: unknown,
  path: string,
  problems: Problems,
): TableDeclaration | undefined {
  const reader = new FieldReader(raw, path, TABLE_FIELDS, problems);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const id = reader.string('id');
  const label = reader.string('label');
  const time = reader.string('time');

  let features: TableDeclaration['features'] = 'all';
  const rawFeatures = reader.raw('features');
  const featuresPath = reader.pathOf('features');
  if (rawFeatures === 'all' || rawFeatures === undefined || rawFeatures === null) {
    features = 'all';
  } else if (Array.isArray(rawFeatures)) {
    const list: FeatureDeclaration[] = [];
    rawFeatures.forEach((item, i) => {
      const itemPath = `${featuresPath}[${i}]`;
      if (typeof item === 'string' && item !== '') {
        list.push({ column: item });
        return;
      }
      const f = new FieldReader(item, itemPath, FEATURE_FIELDS, problems);
      if (typeof item !== 'object' || item === null) return;
      const column = f.string('column');
      if (column === undefined) {
        if (!f.has('column'))
          problems.add(
            `${itemPath}.column`,
            `${itemPath}.column is required (the name of a column of the table)`,
          );
        return;
      }
      const kind = f.string('kind', { allowed: FEATURE_KINDS }) as FeatureKind | undefined;
      const encoding = f.string('encoding', { allowed: ENCODINGS }) as CategoricalEncoding | undefined;
      const top = f.integer('top', { min: 1, max: 1000 });
      const missing = f.string('missing', { allowed: MISSING_POLICIES }) as MissingPolicy | undefined;
      if ((encoding !== undefined || top !== undefined) && kind !== undefined && kind !== 'categorical') {
        problems.add(
          `${itemPath}.encoding`,
          `${itemPath}: encoding and top go with kind 'categorical', not '${kind}'`,
        );
      }
      list.push({
        column,
        ...(kind === undefined ? {} : { kind }),
        ...(encoding === undefined ? {} : { encoding }),
        ...(top === undefined ? {} : { top }),
        ...(missing === undefined ? {} : { missing }),
      });
    });
    if (rawFeatures.length === 0)
      problems.add(featuresPath, `${featuresPath} must list at least one column, or be "all"`);
    features = list;
  } else {
    problems.add(
      featuresPath,
      `${featuresPath} must be "all" or a list of columns, got ${JSON.stringify(rawFeatures)}`,
    );
  }

  const types: Record<string, ColumnType> = {};
  const rawTypes = reader.raw('types');
  if (rawTypes !== undefined && rawTypes !== null) {
    if (typeof rawTypes !== 'object' || Array.isArray(rawTypes)) {
      reader.problem(
        'types',
        `${reader.pathOf('types')} must be an object of column → type (${COLUMN_TYPES.join(', ')})`,
      );
    } else {
      const typesReader = new FieldReader(rawTypes, reader.pathOf('types'), Object.keys(rawTypes), problems);
      for (const column of Object.keys(rawTypes)) {
        const type = typesReader.string(column, { allowed: COLUMN_TYPES }) as ColumnType | undefined;
        if (type !== undefined) types[column] = type;
      }
    }
  }

  const missing = (reader.string('missing', { allowed: MISSING_POLICIES }) ?? 'keep') as MissingPolicy;
  const split = readSplit(reader, problems);
  const where = reader.string('where');
  if (where !== undefined) {
    try {
      parseWhere(where);
    } catch (error) {
      if (!(error instanceof WhereSyntaxError)) throw error;
      reader.problem('where', `${reader.pathOf('where')}: ${error.message}`);
    }
  }
  const badCellThreshold =
    reader.number('badCellThreshold', { min: 0, max: 1 }) ?? DEFAULT_BAD_CELL_THRESHOLD;
  return {
    ...(id === undefined ? {} : { id }),
    ...(label === undefined ? {} : { label }),
    ...(time === undefined ? {} : { time }),
    features,
    types,
    missing,
    split,
    ...(where === undefined ? {} : { where }),
    badCellThreshold,
  };
}

function readSplit(reader: FieldReader, problems: Problems): SplitDeclaration {
  const split = reader.object('split', SPLIT_FIELDS);
  if (split === undefined) return DEFAULT_SPLIT;
  const by =
    split.string('by', { allowed: ['hash', 'time'] }) ?? (split.has('validationFrom') ? 'time' : 'hash');
  if (by === 'time') {
    const validationFrom = split.string('validationFrom', {
      pattern: DATE,
      patternHint: 'a date YYYY-MM-DD',
    });
    const testFrom = split.string('testFrom', { pattern: DATE, patternHint: 'a date YYYY-MM-DD' });
    for (const [name, value] of [
      ['validationFrom', validationFrom],
      ['testFrom', testFrom],
    ] as const) {
      if (value === undefined && !split.has(name)) {
        problems.add(
          split.pathOf(name),
          `${split.pathOf(name)} is required with split.by 'time' (YYYY-MM-DD)`,
        );
      }
    }
    if (validationFrom !== undefined && testFrom !== undefined && validationFrom > testFrom) {
      problems.add(
        split.pathOf('testFrom'),
        `${split.pathOf('testFrom')} (${testFrom}) must not be before split.validationFrom (${validationFrom})`,
      );
    }
    return { by: 'time', validationFrom: validationFrom ?? '1970-01-01', testFrom: testFrom ?? '1970-01-01' };
  }
  const train = split.number('train', { min: 0, max: 1 }) ?? 0.7;
  const validation = split.number('validation', { min: 0, max: 1 }) ?? 0.15;
  const test = split.number('test', { min: 0, max: 1 }) ?? Math.max(0, 1 - train - validation);
  if (Math.abs(train + validation + test - 1) > 1e-9) {
    problems.add(
      split.pathOf('train'),
      `${split.pathOf('train')} + validation + test must add up to 1, got ${train} + ${validation} + ${test}`,
    );
  }
  if (train <= 0 || test <= 0) {
    problems.add(
      split.pathOf('train'),
      `${split.pathOf('train')} and ${split.pathOf('test')} must both be above 0 (training needs a train and a test split)`,
    );
  }
  return { by: 'hash', train, validation, test };
}

/** Which workflow the declaration is resolved for: training needs the label in the data. */
export type Workflow = 'train' | 'score';

/** A model column name from a source column name: `f_` + lower-case letters, digits and `_`. */
export function featureName(column: string): string {
  const base = column
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return `f_${base === '' ? 'column' : base}`;
}

function kindOf(type: ColumnType): FeatureKind {
  switch (type) {
    case 'number':
      return 'numeric';
    case 'boolean':
      return 'boolean';
    case 'date':
    case 'timestamp':
      return 'timestamp';
    case 'string':
      return 'categorical';
  }
}

/** The parts a timestamp feature expands to. */
export function timestampParts(type: ColumnType): readonly ('year' | 'month' | 'day' | 'dow' | 'hour')[] {
  return type === 'timestamp' ? ['year', 'month', 'day', 'dow', 'hour'] : ['year', 'month', 'day', 'dow'];
}

/**
 * Resolves a declaration against the table's columns (sniffed, then overridden by `types`). Column
 * problems name the field and the column and suggest the nearest column; `source` names the data in
 * messages. Returns the IR, or `undefined` when a problem was recorded.
 */
export function resolveDeclaration(
  declaration: TableDeclaration,
  sniffed: readonly ColumnSchema[],
  options: { workflow: Workflow; path: string; problems: Problems; source: string },
): TableIR | undefined {
  const { path, problems, source } = options;
  const before = problems.count;
  const names = sniffed.map((c) => c.name);
  const missingColumn = (field: string, column: string): void => {
    const near = closest(column, names);
    const hint = near === undefined ? '' : ` (did you mean '${near}'?)`;
    const list = names.length > 12 ? `${names.slice(0, 12).join(', ')}, …` : names.join(', ');
    problems.add(field, `${field}: no column '${column}' in ${source}${hint}; its columns: ${list}`);
  };
  const has = (column: string): boolean => names.includes(column);

  const types = new Map(sniffed.map((c) => [c.name, c.type]));
  for (const [column, type] of Object.entries(declaration.types)) {
    if (!has(column)) missingColumn(`${path}.types.${column}`, column);
    else types.set(column, type);
  }
  const typed = (name: string): ColumnSchema => ({ name, type: types.get(name) ?? 'string' });

  if (declaration.id !== undefined && !has(declaration.id)) missingColumn(`${path}.id`, declaration.id);

  let label: ColumnSchema | undefined;
  if (declaration.label === undefined) {
    if (options.workflow === 'train')
      problems.add(
        `${path}.label`,
        `${path}.label is required for training: the column the model learns to predict`,
      );
  } else if (has(declaration.label)) {
    label = typed(declaration.label);
    if (label.type !== 'number' && label.type !== 'boolean') {
      problems.add(
        `${path}.label`,
        `${path}.label: the label column '${declaration.label}' must be numeric (0/1 for binary, 0..k-1 for multi-class, any number for regression), but its values in ${source} read as ${label.type}; map them to numbers first, or set ${path}.types.${declaration.label} to "number" to count non-numbers as bad cells`,
      );
    }
  } else if (options.workflow === 'train') {
    missingColumn(`${path}.label`, declaration.label);
  }

  let time: ColumnSchema | undefined;
  if (declaration.time !== undefined) {
    if (!has(declaration.time)) missingColumn(`${path}.time`, declaration.time);
    else {
      time = typed(declaration.time);
      if (time.type !== 'date' && time.type !== 'timestamp') {
        problems.add(
          `${path}.time`,
          `${path}.time: the column '${declaration.time}' must hold dates (YYYY-MM-DD) or timestamps, but its values in ${source} read as ${time.type}; set ${path}.types.${declaration.time} to "date" or "timestamp" to count the others as bad cells`,
        );
      }
    }
  }
  if (declaration.split.by === 'time' && declaration.time === undefined) {
    problems.add(
      `${path}.split.by`,
      `${path}.split.by 'time' needs ${path}.time (the date or timestamp column)`,
    );
  }

  const reserved = new Set(
    [declaration.id, declaration.label, declaration.time].filter((c): c is string => c !== undefined),
  );
  const declared: FeatureDeclaration[] =
    declaration.features === 'all'
      ? names.filter((n) => !reserved.has(n)).map((column) => ({ column }))
      : [...declaration.features];
  const features: FeatureIR[] = [];
  const used = new Set<string>(['f_']);
  const unique = (name: string): string => {
    let candidate = name;
    for (let n = 2; used.has(candidate); n += 1) candidate = `${name}_${n}`;
    used.add(candidate);
    return candidate;
  };
  const seen = new Set<string>();
  declared.forEach((feature, i) => {
    const field = declaration.features === 'all' ? `${path}.features` : `${path}.features[${i}]`;
    if (!has(feature.column)) {
      missingColumn(`${field}${declaration.features === 'all' ? '' : '.column'}`, feature.column);
      return;
    }
    if (seen.has(feature.column)) {
      problems.add(field, `${field}: the column '${feature.column}' is listed twice`);
      return;
    }
    seen.add(feature.column);
    // The time column may also be a feature (its parts: month, day of week …); id and label not.
    if (reserved.has(feature.column) && feature.column !== declaration.time) {
      const role = feature.column === declaration.label ? 'label' : 'id';
      problems.add(field, `${field}: '${feature.column}' is the ${role} column; it cannot also be a feature`);
      return;
    }
    const sniffedType = types.get(feature.column) ?? 'string';
    const kind = feature.kind ?? kindOf(sniffedType);
    let type: ColumnType = sniffedType;
    if (kind === 'numeric') type = 'number';
    else if (kind === 'boolean') type = 'boolean';
    else if (kind === 'timestamp') type = sniffedType === 'date' ? 'date' : 'timestamp';
    else type = 'string';
    const base = featureName(feature.column);
    let outputs: string[];
    let extra: Partial<FeatureIR> = {};
    if (kind === 'categorical') {
      const encoding = feature.encoding ?? 'one-hot';
      const top = feature.top ?? DEFAULT_TOP;
      extra = { encoding, top };
      outputs =
        encoding === 'ordinal'
          ? [unique(base)]
          : [...Array.from({ length: top }, (_, k) => unique(`${base}_${k + 1}`)), unique(`${base}_other`)];
    } else if (kind === 'timestamp') {
      outputs = timestampParts(type).map((part) => unique(`${base}_${part}`));
    } else {
      outputs = [unique(base)];
    }
    features.push({
      column: feature.column,
      type,
      kind,
      missing: feature.missing ?? declaration.missing,
      ...extra,
      outputs,
    });
  });
  if (features.length === 0 && problems.count === before) {
    problems.add(
      `${path}.features`,
      `${path}.features: no feature columns are left in ${source} once id, label and time are set aside`,
    );
  }

  let where: TableIR['where'];
  if (declaration.where !== undefined) {
    try {
      where = parseWhere(declaration.where);
      for (const column of whereColumns(where)) if (!has(column)) missingColumn(`${path}.where`, column);
    } catch (error) {
      if (!(error instanceof WhereSyntaxError)) throw error;
      problems.add(`${path}.where`, `${path}.where: ${error.message}`);
    }
  }

  if (problems.count > before) return undefined;
  const columns = names.map(typed);
  return {
    version: 1,
    columns,
    ...(declaration.id === undefined ? {} : { id: declaration.id }),
    ...(label === undefined ? {} : { label }),
    ...(time === undefined ? {} : { time }),
    features,
    split: declaration.split,
    ...(where === undefined ? {} : { where, whereText: declaration.where }),
    badCellThreshold: declaration.badCellThreshold,
  };
}
