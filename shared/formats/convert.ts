/**
 * The conversion API: a feature table (CSV with a header row, Parquet, JSON Lines) in, a SageMaker
 * training or inference format out:
 *
 * - `csv`: label first, then the features, no header (SageMaker XGBoost's CSV); missing = empty field;
 * - `libsvm`: `label idx:value …`, 0-based indices (as XGBoost reads them), missing values omitted,
 *   present zeros written;
 * - `recordio-protobuf`: one Amazon Record per row, float32 `features["values"]` (dense, or sparse with
 *   0-based keys and `shape = [feature count]`, missing values omitted) and a float32 `label["values"]`.
 *
 * Columns: the label column (default `label`) and the feature columns (default: every other numeric
 * column, in table order). With `labels: false` (scoring inputs) no label is written.
 *
 * Rows that cannot be converted (a non-numeric feature, a missing label, a wrong field count, a line
 * that is not JSON) do not stop the conversion: they go to the quarantine output, one JSON object per
 * line: `{"line":17,"reason":"line 17: column 'age': expected a number, got 'abc'","record":"…"}`
 * (`row` instead of `line` for Parquet, `record` then holds the row's selected values).
 *
 * Streaming: {@link Converter} takes chunks and returns output chunks, so a Lambda can pipe an S3
 * object through it. CSV and JSON Lines stream row by row; Parquet needs its footer, so its chunks
 * are gathered and converted at `end()` one row group at a time ({@link convertParquet} reads row
 * groups straight from an AsyncBuffer instead).
 */
import { ConversionError } from '../errors';
import { ByteSink, concatBytes } from './bytes';
import { CsvReader, type CsvRecord, NumericCsvReader, writeCsvNumbers } from './csv';
import { JsonLinesReader, type JsonLinesRecord, type JsonLinesRejectedLine } from './jsonl';
import { writeLibSvmDense } from './libsvm';
import { formatNumber, parseNumber } from './number';
import { type ParquetInput, parquetColumns, readParquetBatches } from './parquet';
import { writeDenseFloat32Record, writeSparseFloat32Record } from './record-protobuf';

/** Feature-table formats the converter reads. */
export type InputFormat = 'csv' | 'parquet' | 'jsonl';

/** Formats the converter writes. */
export type OutputFormat = 'csv' | 'libsvm' | 'recordio-protobuf';

/** The SageMaker content type of each output format. */
export const CONTENT_TYPES: Readonly<Record<OutputFormat, string>> = {
  csv: 'text/csv',
  libsvm: 'text/libsvm',
  'recordio-protobuf': 'application/x-recordio-protobuf',
};

/** Input formats, for validation. */
export const INPUT_FORMATS: readonly InputFormat[] = ['csv', 'parquet', 'jsonl'];

/** Output formats, for validation. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['csv', 'libsvm', 'recordio-protobuf'];

/** What to convert and how. */
export interface ConvertOptions {
  readonly from: InputFormat;
  readonly to: OutputFormat;
  /** The label column. Default `label`. */
  readonly label?: string;
  /** The feature columns, in output order. Default: every numeric column but the label, in table order. */
  readonly features?: readonly string[];
  /** Write the label (training data). Default true; false for scoring inputs (features only). */
  readonly labels?: boolean;
  /** RecordIO only: write sparse tensors (0-based keys, shape = [feature count]). Default dense. */
  readonly sparse?: boolean;
  /** CSV input only: the delimiter. Default `,`. */
  readonly delimiter?: string;
  /** Name of the input, for error messages and quarantine entries. */
  readonly source?: string;
}

/** What a conversion did. */
export interface ConvertResult {
  /** Rows written to the output. */
  readonly rows: number;
  /** Rows sent to the quarantine output. */
  readonly quarantined: number;
  /** The label column, or undefined with `labels: false`. */
  readonly label: string | undefined;
  /** The feature columns, in output order (feature j is column j of the output). */
  readonly features: readonly string[];
  readonly from: InputFormat;
  readonly to: OutputFormat;
  /** The SageMaker content type of the output. */
  readonly contentType: string;
  readonly sparse: boolean;
  /** Bytes read and written. */
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly quarantineBytes: number;
}

/** Bytes produced by one step of a conversion (either may be empty). */
export interface ConvertOutput {
  readonly output: Uint8Array;
  readonly quarantine: Uint8Array;
}

/** The final step: the last bytes and the result. */
export interface ConvertEnd extends ConvertOutput {
  readonly result: ConvertResult;
}

/** How many data rows the column sniffing looks at before deciding which columns are numeric. */
const SAMPLE_ROWS = 100;
/** …or how many bytes, whichever comes first. */
const SAMPLE_BYTES = 1024 * 1024;

/** Which column is the label and which are the features, by index into the table's columns. */
interface ColumnPlan {
  readonly labelIndex: number | undefined;
  readonly featureIndices: readonly number[];
  readonly label: string | undefined;
  readonly features: readonly string[];
}

/** Chooses the label and feature columns of a table (shared by every input format). */
export function planColumns(
  names: readonly string[],
  isNumeric: (index: number) => boolean,
  options: Pick<ConvertOptions, 'label' | 'features' | 'labels' | 'source'>,
): ColumnPlan {
  const where = options.source === undefined ? 'the input' : options.source;
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new ConversionError(`${where} has two columns named '${name}'`);
    seen.add(name);
  }
  const labelName = options.label ?? 'label';
  const withLabels = options.labels ?? true;
  const labelIndex = names.indexOf(labelName);
  if (withLabels && labelIndex < 0) {
    throw new ConversionError(
      `no label column '${labelName}' in ${where} (columns: ${names.join(', ')}); choose the label column, or convert without labels`,
    );
  }
  let featureIndices: number[];
  if (options.features !== undefined) {
    featureIndices = [];
    for (const name of options.features) {
      const index = names.indexOf(name);
      if (index < 0)
        throw new ConversionError(`no feature column '${name}' in ${where} (columns: ${names.join(', ')})`);
      if (withLabels && index === labelIndex) {
        throw new ConversionError(`column '${name}' cannot be both the label and a feature`);
      }
      if (featureIndices.includes(index))
        throw new ConversionError(`feature column '${name}' is listed twice`);
      featureIndices.push(index);
    }
  } else {
    featureIndices = names.map((_, i) => i).filter((i) => i !== labelIndex && isNumeric(i));
  }
  if (featureIndices.length === 0) {
    throw new ConversionError(
      `no feature columns in ${where}: no numeric column besides the label (columns: ${names.join(', ')})`,
    );
  }
  return {
    labelIndex: withLabels ? labelIndex : undefined,
    featureIndices,
    label: withLabels ? labelName : undefined,
    features: featureIndices.map((i) => names[i]!),
  };
}

/** Writes converted rows in the output format, and quarantine entries. */
class RowWriter {
  readonly output = new ByteSink();
  readonly quarantine = new ByteSink(1024);
  rows = 0;
  quarantined = 0;
  bytesOut = 0;
  quarantineBytes = 0;
  #keys = new Float64Array(64);
  #values = new Float64Array(64);

  constructor(
    readonly to: OutputFormat,
    readonly sparse: boolean,
  ) {}

  /** Writes one row: `label` (undefined: no label) and `source[start, start + count)` as features. */
  write(label: number | undefined, source: ArrayLike<number>, start: number, count: number): void {
    this.rows++;
    const sink = this.output;
    if (this.to === 'recordio-protobuf') {
      if (!this.sparse) {
        writeDenseFloat32Record(sink, source, start, count, label);
        return;
      }
      if (this.#keys.length < count) {
        this.#keys = new Float64Array(count);
        this.#values = new Float64Array(count);
      }
      let n = 0;
      for (let j = 0; j < count; j++) {
        const v = source[start + j]!;
        if (Number.isNaN(v)) continue;
        this.#keys[n] = j;
        this.#values[n++] = v;
      }
      writeSparseFloat32Record(sink, this.#keys, this.#values, n, count, label);
    } else if (this.to === 'libsvm') {
      writeLibSvmDense(sink, label, source, start, count, 0);
    } else if (label === undefined) {
      writeCsvNumbers(sink, source, start, count);
    } else {
      sink.ascii(formatNumber(label));
      if (count > 0) sink.ascii(',');
      writeCsvNumbers(sink, source, start, count);
    }
  }

  /** Adds a quarantine entry. */
  reject(entry: { line?: number; row?: number; reason: string; record: unknown }): void {
    this.quarantined++;
    this.quarantine.text(`${JSON.stringify(entry, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  }

  /** Hands out what was written since the last call. */
  take(): ConvertOutput {
    const output = this.output.take();
    const quarantine = this.quarantine.take();
    this.bytesOut += output.length;
    this.quarantineBytes += quarantine.length;
    return { output, quarantine };
  }
}

/**
 * Column sniffing for CSV and JSON Lines: a column is numeric when at least half of its present
 * sample values are numbers (so one typo like `abc` in an `age` column does not drop the column: the
 * row is quarantined instead). Missing values (empty, null) do not count, so a column with no value
 * in the sample counts as numeric.
 */
function mostlyNumeric(values: readonly unknown[]): boolean {
  let numbers = 0;
  let others = 0;
  for (const v of values) {
    const n = cellNumber(v);
    if (n === undefined) others++;
    else if (!Number.isNaN(n) || (typeof v === 'string' && v.trim().length > 0)) numbers++;
  }
  return numbers >= others;
}

/** Turns a JSON or Parquet cell into a number: NaN for missing, undefined when it is not a number. */
function cellNumber(value: unknown): number | undefined {
  if (value === null || value === undefined) return Number.NaN;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return parseNumber(value);
  return undefined;
}

function describeCell(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'bigint') return value.toString();
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Converts one table row given as cells (JSON Lines, Parquet); returns the reason when it cannot.
 * `scratch` receives the features.
 */
function convertCells(
  plan: ColumnPlan,
  cell: (index: number) => unknown,
  scratch: Float64Array,
): { label: number | undefined } | { reason: string } {
  let label: number | undefined;
  if (plan.labelIndex !== undefined) {
    const raw = cell(plan.labelIndex);
    const v = cellNumber(raw);
    if (v === undefined)
      return { reason: `column '${plan.label}': expected a number, got ${describeCell(raw)}` };
    if (Number.isNaN(v)) return { reason: `column '${plan.label}': the label is missing` };
    label = v;
  }
  for (let j = 0; j < plan.featureIndices.length; j++) {
    const raw = cell(plan.featureIndices[j]!);
    const v = cellNumber(raw);
    if (v === undefined)
      return { reason: `column '${plan.features[j]}': expected a number, got ${describeCell(raw)}` };
    scratch[j] = v;
  }
  return { label };
}

/**
 * A streaming converter.
 *
 * @example
 * const converter = new Converter({ from: 'csv', to: 'recordio-protobuf', source: key });
 * for await (const chunk of body) send(converter.push(chunk));
 * const { result, ...last } = await converter.end();
 */
export class Converter {
  readonly #options: ConvertOptions;
  readonly #writer: RowWriter;
  #bytesIn = 0;
  #ended = false;
  #plan: ColumnPlan | undefined;
  /** Chunks held back while sniffing columns (CSV, JSON Lines) or until the footer (Parquet). */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #csv: NumericCsvReader | undefined;
  #csvNames: readonly string[] = [];
  #jsonl: JsonLinesReader | undefined;
  #jsonColumns: string[] = [];
  #jsonHeld: JsonLinesRecord[] = [];
  #jsonRejected: JsonLinesRejectedLine[] = [];
  #scratch = new Float64Array(0);

  constructor(options: ConvertOptions) {
    if (!INPUT_FORMATS.includes(options.from)) {
      throw new ConversionError(
        `unknown input format '${options.from}' (expected ${INPUT_FORMATS.join(', ')})`,
      );
    }
    if (!OUTPUT_FORMATS.includes(options.to)) {
      throw new ConversionError(
        `unknown output format '${options.to}' (expected ${OUTPUT_FORMATS.join(', ')})`,
      );
    }
    if (options.sparse === true && options.to !== 'recordio-protobuf') {
      throw new ConversionError(`sparse output is a RecordIO-protobuf option, not a ${options.to} one`);
    }
    this.#options = options;
    this.#writer = new RowWriter(options.to, options.sparse === true);
    if (options.from === 'jsonl') {
      this.#jsonl = new JsonLinesReader({
        onInvalidLine: 'collect',
        ...(options.source === undefined ? {} : { source: options.source }),
      });
    }
  }

  /** The chosen label and feature columns, once known (after enough input). */
  get columns(): { label: string | undefined; features: readonly string[] } | undefined {
    return this.#plan === undefined ? undefined : { label: this.#plan.label, features: this.#plan.features };
  }

  /** Converts a chunk; returns the output (and quarantine) bytes it produced. */
  push(chunk: Uint8Array): ConvertOutput {
    if (this.#ended) throw new ConversionError('push() after end()');
    this.#bytesIn += chunk.length;
    if (this.#options.from === 'csv') this.#pushCsv(chunk, false);
    else if (this.#options.from === 'jsonl') this.#pushJsonLines(chunk, false);
    else {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
    }
    return this.#writer.take();
  }

  /** Ends the input: converts what is left and reports the result. */
  async end(): Promise<ConvertEnd> {
    if (this.#ended) throw new ConversionError('end() called twice');
    this.#ended = true;
    if (this.#options.from === 'csv') this.#pushCsv(new Uint8Array(0), true);
    else if (this.#options.from === 'jsonl') this.#pushJsonLines(new Uint8Array(0), true);
    else {
      const bytes = concatBytes(this.#held);
      this.#held = [];
      this.#plan = await convertParquetInto(bytes, this.#options, this.#writer);
    }
    const last = this.#writer.take();
    return { ...last, result: this.#result() };
  }

  #result(): ConvertResult {
    const w = this.#writer;
    return {
      rows: w.rows,
      quarantined: w.quarantined,
      label: this.#plan?.label,
      features: this.#plan?.features ?? [],
      from: this.#options.from,
      to: this.#options.to,
      contentType: CONTENT_TYPES[this.#options.to],
      sparse: this.#options.sparse === true,
      bytesIn: this.#bytesIn,
      bytesOut: w.bytesOut,
      quarantineBytes: w.quarantineBytes,
    };
  }

  // CSV ----------------------------------------------------------------------------------------

  #pushCsv(chunk: Uint8Array, final: boolean): void {
    if (this.#csv !== undefined) {
      this.#writeCsvBatch(final ? this.#csv.end() : this.#csv.push(chunk));
      return;
    }
    if (chunk.length > 0) {
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
    }
    if (!final && this.#heldBytes < SAMPLE_BYTES && !this.#enoughLines()) return;
    const head = concatBytes(this.#held);
    this.#held = [];
    const sniff = new CsvReader({
      ...(this.#options.delimiter === undefined ? {} : { delimiter: this.#options.delimiter }),
      ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
      maxRecordBytes: Number.POSITIVE_INFINITY,
    });
    const records: CsvRecord[] = sniff.push(head);
    if (final) records.push(...sniff.end());
    const header = records[0];
    if (header === undefined) {
      if (!final) {
        this.#held = [head];
        return;
      }
      const where = this.#options.source ?? 'the input';
      throw new ConversionError(`${where} is empty: expected a header row naming the columns`);
    }
    const sample = records.slice(1, 1 + SAMPLE_ROWS);
    const names = header.fields.map((f) => f.trim());
    const plan = planColumns(names, (i) => mostlyNumeric(sample.map((r) => r.fields[i])), this.#options);
    this.#plan = plan;
    this.#csvNames = names;
    const select =
      plan.labelIndex === undefined ? [...plan.featureIndices] : [plan.labelIndex, ...plan.featureIndices];
    this.#csv = new NumericCsvReader({
      columns: names.length,
      select,
      onInvalidRow: 'collect',
      required: plan.labelIndex === undefined ? [] : [0],
      startLine: header.nextLine,
      startOffset: header.end,
      ...(this.#options.delimiter === undefined ? {} : { delimiter: this.#options.delimiter }),
      ...(this.#options.source === undefined ? {} : { source: this.#options.source }),
    });
    const rest = head.subarray(Math.min(header.end, head.length));
    this.#writeCsvBatch(this.#csv.push(rest));
    if (final) this.#writeCsvBatch(this.#csv.end());
  }

  /** Whether the held bytes hold the header and the sample rows already (counting line breaks). */
  #enoughLines(): boolean {
    let lines = 0;
    for (const chunk of this.#held) {
      for (let i = chunk.indexOf(0x0a); i >= 0; i = chunk.indexOf(0x0a, i + 1)) {
        if (++lines > SAMPLE_ROWS + 1) return true;
      }
    }
    return false;
  }

  #writeCsvBatch(batch: ReturnType<NumericCsvReader['push']>): void {
    const w = this.#writer;
    const { values, width } = batch;
    const labelled = this.#plan!.labelIndex !== undefined;
    if (labelled) {
      for (let r = 0, at = 0; r < batch.rows; r++, at += width)
        w.write(values[at]!, values, at + 1, width - 1);
    } else {
      for (let r = 0, at = 0; r < batch.rows; r++, at += width) w.write(undefined, values, at, width);
    }
    for (const bad of batch.rejected) {
      const column = bad.fieldIndex === undefined ? '' : `column '${this.#csvNames[bad.fieldIndex]}': `;
      const reason =
        labelled && bad.fieldIndex === this.#plan!.labelIndex && bad.reason.endsWith('the field is empty')
          ? 'the label is missing'
          : bad.reason;
      w.reject({ line: bad.line, reason: `line ${bad.line}: ${column}${reason}`, record: bad.text });
    }
  }

  // JSON Lines ---------------------------------------------------------------------------------

  #pushJsonLines(chunk: Uint8Array, final: boolean): void {
    const reader = this.#jsonl!;
    const batch = final ? reader.end() : reader.push(chunk);
    if (this.#plan === undefined) {
      this.#jsonHeld.push(...batch.records);
      this.#jsonRejected.push(...batch.rejected);
      this.#heldBytes += chunk.length;
      if (!final && this.#jsonHeld.length < SAMPLE_ROWS && this.#heldBytes < SAMPLE_BYTES) return;
      const sample = this.#jsonHeld.slice(0, SAMPLE_ROWS);
      if (sample.length === 0 && final) {
        if (this.#jsonRejected.length === 0) {
          const where = this.#options.source ?? 'the input';
          throw new ConversionError(`${where} is empty: expected JSON objects, one per line`);
        }
        // Every line is to be quarantined: there is nothing to choose columns from.
        this.#plan = { labelIndex: undefined, featureIndices: [], label: undefined, features: [] };
        this.#writeJsonLines([], this.#jsonRejected);
        return;
      }
      const names: string[] = [];
      for (const r of sample)
        for (const key of Object.keys(r.value)) if (!names.includes(key)) names.push(key);
      this.#jsonColumns = names;
      this.#plan = planColumns(
        names,
        (i) => mostlyNumeric(sample.map((r) => r.value[names[i]!])),
        this.#options,
      );
      this.#scratch = new Float64Array(this.#plan.featureIndices.length);
      const held = this.#jsonHeld;
      const rejected = this.#jsonRejected;
      this.#jsonHeld = [];
      this.#jsonRejected = [];
      this.#writeJsonLines(held, rejected);
      return;
    }
    this.#writeJsonLines(batch.records, batch.rejected);
  }

  /** Writes records and quarantines rejected lines, in line order. */
  #writeJsonLines(records: readonly JsonLinesRecord[], rejected: readonly JsonLinesRejectedLine[]): void {
    let k = 0;
    for (const record of records) {
      while (k < rejected.length && rejected[k]!.line < record.line) this.#rejectJsonLine(rejected[k++]!);
      this.#writeJsonRecord(record);
    }
    while (k < rejected.length) this.#rejectJsonLine(rejected[k++]!);
  }

  #writeJsonRecord(record: JsonLinesRecord): void {
    const names = this.#jsonColumns;
    const converted = convertCells(this.#plan!, (i) => record.value[names[i]!], this.#scratch);
    if ('reason' in converted) {
      this.#writer.reject({
        line: record.line,
        reason: `line ${record.line}: ${converted.reason}`,
        record: record.text,
      });
    } else this.#writer.write(converted.label, this.#scratch, 0, this.#scratch.length);
  }

  #rejectJsonLine(bad: JsonLinesRejectedLine): void {
    this.#writer.reject({ line: bad.line, reason: `line ${bad.line}: ${bad.reason}`, record: bad.text });
  }
}

/** Converts a Parquet file into a writer, one row group at a time; returns the column plan. */
async function convertParquetInto(
  file: ParquetInput,
  options: ConvertOptions,
  writer: RowWriter,
  flush?: (output: ConvertOutput) => void | Promise<void>,
): Promise<ColumnPlan> {
  const source = options.source === undefined ? {} : { source: options.source };
  const columns = await parquetColumns(file, source);
  const names = columns.map((c) => c.name);
  const plan = planColumns(names, (i) => columns[i]!.numeric, options);
  const wanted = [...(plan.labelIndex === undefined ? [] : [plan.labelIndex]), ...plan.featureIndices].map(
    (i) => names[i]!,
  );
  const scratch = new Float64Array(plan.featureIndices.length);
  for await (const batch of readParquetBatches(file, { columns: wanted, ...source })) {
    const data = names.map((name) => batch.columns.get(name));
    for (let r = 0; r < batch.rows; r++) {
      const converted = convertCells(plan, (i) => data[i]?.[r], scratch);
      if ('reason' in converted) {
        const row = batch.rowStart + r + 1;
        const record = Object.fromEntries(wanted.map((name) => [name, batch.columns.get(name)?.[r]]));
        writer.reject({ row, reason: `row ${row}: ${converted.reason}`, record });
      } else writer.write(converted.label, scratch, 0, scratch.length);
    }
    if (flush !== undefined) await flush(writer.take());
  }
  return plan;
}

/**
 * Converts a whole Parquet file read through an AsyncBuffer (e.g. S3 range reads), handing each row
 * group's output to `onOutput` as it is produced, so the object is never held whole.
 */
export async function convertParquet(
  file: ParquetInput,
  options: Omit<ConvertOptions, 'from'>,
  onOutput: (output: ConvertOutput) => void | Promise<void>,
): Promise<ConvertResult> {
  const full: ConvertOptions = { ...options, from: 'parquet' };
  const writer = new RowWriter(full.to, full.sparse === true);
  const plan = await convertParquetInto(file, full, writer, onOutput);
  await onOutput(writer.take());
  const byteLength = file.byteLength;
  return {
    rows: writer.rows,
    quarantined: writer.quarantined,
    label: plan.label,
    features: plan.features,
    from: 'parquet',
    to: full.to,
    contentType: CONTENT_TYPES[full.to],
    sparse: full.sparse === true,
    bytesIn: byteLength,
    bytesOut: writer.bytesOut,
    quarantineBytes: writer.quarantineBytes,
  };
}

/**
 * Converts a whole input held in memory.
 *
 * @example
 * const { output, quarantine, result } = await convert(csvBytes, { from: 'csv', to: 'libsvm' });
 * // result: { rows: 1000, quarantined: 2, label: 'label', features: ['age', 'income'], … }
 * @throws ConversionError when the columns cannot be chosen; FormatError subclasses for input
 *   that is malformed beyond one row (an unterminated quote, a corrupt Parquet file).
 */
export async function convert(input: Uint8Array, options: ConvertOptions): Promise<ConvertEnd> {
  const converter = new Converter(options);
  const first = converter.push(input);
  const last = await converter.end();
  return {
    output: concatBytes([first.output, last.output]),
    quarantine: concatBytes([first.quarantine, last.quarantine]),
    result: last.result,
  };
}
