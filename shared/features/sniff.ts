/**
 * Column types from the data itself: the first rows of a CSV or JSON Lines object, or a Parquet
 * file's schema. Pure: callers read the bytes (the head of the first object) and pass them in.
 */
import { parseCsv } from '../formats/csv';
import type { ParquetColumnInfo } from '../formats/parquet';
import type { ColumnSchema, ColumnType } from './types';

/** What sniffing found: the columns and, for text formats, the rows looked at (for proposals). */
export interface SniffedTable {
  readonly columns: readonly ColumnSchema[];
  /** The sampled rows as strings (`null` = missing), column order as `columns`. */
  readonly rows: readonly (readonly (string | null)[])[];
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;

/** Whether a text parses as a value of the type, as the generated SQL parses it. */
export function parsesAs(text: string, type: ColumnType): boolean {
  const value = text.trim();
  switch (type) {
    case 'number':
      return NUMBER.test(value);
    case 'boolean':
      return BOOLEAN.test(value) || value === '0' || value === '1';
    case 'date':
      return DATE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
    case 'timestamp':
      return (
        (DATE.test(value) || TIMESTAMP.test(value)) && !Number.isNaN(Date.parse(value.replace(' ', 'T')))
      );
    case 'string':
      return true;
  }
}

/** The share of sampled values that must parse for a column to be sniffed as typed. */
export const SNIFF_SHARE = 0.95;

/**
 * The narrowest type (nearly) every non-empty value parses as: number, boolean (`true`/`false`), date
 * (`YYYY-MM-DD`), timestamp, else string. No values at all: string.
 */
export function sniffType(values: readonly (string | null)[]): ColumnType {
  const present = values.filter((v): v is string => v !== null && v.trim() !== '');
  if (present.length === 0) return 'string';
  // Mostly numbers (or dates) with a stray word is a typed column with bad cells, which the feature
  // job counts and quarantines; a column that is half words is text.
  const mostly = (test: (v: string) => boolean): boolean => {
    const ok = present.filter(test).length;
    return ok === present.length || (present.length >= 20 && ok >= SNIFF_SHARE * present.length);
  };
  if (mostly((v) => NUMBER.test(v.trim()))) return 'number';
  if (present.every((v) => BOOLEAN.test(v.trim()))) return 'boolean';
  if (mostly((v) => parsesAs(v, 'date'))) return 'date';
  if (mostly((v) => parsesAs(v, 'timestamp'))) return 'timestamp';
  return 'string';
}

/** Cuts a text head at its last complete line (the head of an object may end mid-record). */
function completeLines(text: string, complete: boolean): string {
  if (complete) return text;
  const end = text.lastIndexOf('\n');
  return end === -1 ? text : text.slice(0, end + 1);
}

/**
 * Sniffs the header and the first `maxRows` records of a CSV text. `complete` says the text is the
 * whole object (otherwise a trailing partial record is dropped).
 */
export function sniffCsv(
  text: string,
  options: { complete?: boolean; maxRows?: number; source?: string } = {},
): SniffedTable {
  const records = parseCsv(
    completeLines(text, options.complete ?? false),
    options.source === undefined ? {} : { source: options.source },
  );
  const header = records[0]?.fields ?? [];
  const rows = records
    .slice(1, 1 + (options.maxRows ?? 1000))
    .map((record) =>
      header.map((_, i) =>
        record.fields[i] === undefined || record.fields[i] === '' ? null : (record.fields[i] as string),
      ),
    );
  return {
    columns: header.map((name, i) => ({ name, type: sniffType(rows.map((row) => row[i] ?? null)) })),
    rows,
  };
}

/** Sniffs the first `maxRows` lines of a JSON Lines text (top-level keys; first seen order). */
export function sniffJsonLines(
  text: string,
  options: { complete?: boolean; maxRows?: number } = {},
): SniffedTable {
  const names: string[] = [];
  const records: Record<string, unknown>[] = [];
  for (const line of completeLines(text, options.complete ?? false).split('\n')) {
    if (records.length >= (options.maxRows ?? 1000)) break;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // the feature job names malformed lines; sniffing only looks
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const record = value as Record<string, unknown>;
    for (const name of Object.keys(record)) if (!names.includes(name)) names.push(name);
    records.push(record);
  }
  const rows = records.map((record) =>
    names.map((name) => {
      const v = record[name];
      if (v === undefined || v === null) return null;
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    }),
  );
  const columns = names.map((name, i) => {
    const values = records.map((r) => r[name]).filter((v) => v !== undefined && v !== null);
    let type: ColumnType;
    if (values.length > 0 && values.every((v) => typeof v === 'number')) type = 'number';
    else if (values.length > 0 && values.every((v) => typeof v === 'boolean')) type = 'boolean';
    else if (values.every((v) => typeof v === 'string')) type = sniffType(rows.map((row) => row[i] ?? null));
    else type = 'string';
    return { name, type };
  });
  return { columns, rows };
}

/** Column types from a Parquet schema (no rows are read). */
export function parquetColumnTypes(columns: readonly ParquetColumnInfo[]): ColumnSchema[] {
  return columns.map((column) => {
    const logical = column.logicalType ?? '';
    let type: ColumnType = 'string';
    if (column.physicalType === 'BOOLEAN') type = 'boolean';
    else if (/^DATE$/.test(logical)) type = 'date';
    else if (/TIMESTAMP/.test(logical) || column.physicalType === 'INT96') type = 'timestamp';
    else if (column.numeric) type = 'number';
    return { name: column.name, type };
  });
}
