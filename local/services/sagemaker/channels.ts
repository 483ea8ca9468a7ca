/**
 * Training channels as the SageMaker XGBoost 1.7-1 container reads them (SPEC §3;
 * `data_utils.py`): the content type decides the parser — CSV label-first without a header
 * (delimiter sniffed from the first line, empty field = missing, `csv_weights=1` → column 1 is the
 * instance weight), LibSVM with 0-based indices taken literally, RecordIO-protobuf (`values`
 * tensors, dense or sparse), Parquet (column 0 = label). Files whose name starts with `.` or `_`
 * (`_SUCCESS`) are skipped, as the container skips them. Failures carry the container's reasons.
 */
import { parquetRead } from 'hyparquet';
import {
  decodeRecordIO,
  LibSvmReader,
  NumericCsvReader,
  recordFeatures,
  recordLabel,
  utf8Text,
} from '../../../shared/formats';
import { PARQUET_COMPRESSORS } from '../../../shared/formats/parquet';
import { parseS3Uri as parseLocation } from '../../../shared/s3/uri';
import type { ObjectStore } from '../object-store';
import { type Dataset, widenDataset } from './xgboost/dataset';

/** A data problem the container reports as a user error (`ClientError: <message>`). */
export class ChannelError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ChannelError';
  }
}

/** The container's canonical content types. */
export type ChannelFormat = 'csv' | 'libsvm' | 'parquet' | 'recordio-protobuf';

const VALID_CONTENT_TYPES = [
  'csv',
  'libsvm',
  'parquet',
  'recordio-protobuf',
  'text/csv',
  'text/libsvm',
  'text/x-libsvm',
  'application/x-parquet',
  'application/x-recordio-protobuf',
];

/**
 * `data_utils.get_content_type`: the channel's ContentType to one of four formats; unset = LibSVM.
 * Throws {@link ChannelError} with the container's message for anything else.
 */
export function channelFormat(contentType: string | undefined): ChannelFormat {
  if (contentType === undefined || contentType === '') return 'libsvm';
  const [base = '', ...paramParts] = contentType.toLowerCase().split(';');
  const type = base.trim();
  const params = new Map(
    paramParts.map((p) => {
      const [k = '', v = ''] = p.split('=');
      return [k.trim(), v.trim().replace(/^"|"$/g, '')] as const;
    }),
  );
  if (type === 'csv' || type === 'text/csv') {
    const labelSize = params.get('label_size');
    if (labelSize !== undefined && labelSize !== '1') {
      throw new ChannelError(
        `${contentType} is not an accepted csv ContentType. Optional parameter label_size must be equal to 1`,
      );
    }
    return 'csv';
  }
  if (type === 'libsvm' || type === 'text/libsvm' || type === 'text/x-libsvm') return 'libsvm';
  if (type === 'parquet' || type === 'application/x-parquet') return 'parquet';
  if (type === 'recordio-protobuf' || type === 'application/x-recordio-protobuf') return 'recordio-protobuf';
  throw new ChannelError(`${contentType} is not an accepted ContentType: ${VALID_CONTENT_TYPES.join(', ')}.`);
}

/** One object of a channel. */
export interface ChannelFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Splits `s3://bucket/key` into its parts. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  try {
    return parseLocation(uri, 'S3Uri');
  } catch (error) {
    throw new ChannelError(`expected an s3://bucket/key URI, got '${uri}': ${(error as Error).message}`);
  }
}

function isDataFile(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name !== '' && !name.startsWith('.') && !name.startsWith('_');
}

/** Every data object under an `S3Prefix` URI (or listed in a `ManifestFile`), sorted by key. */
export async function downloadChannel(
  store: ObjectStore,
  uri: string,
  dataType: 'S3Prefix' | 'ManifestFile' = 'S3Prefix',
): Promise<ChannelFile[]> {
  try {
    return await download(store, uri, dataType);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'NoSuchBucket' || code === 'NoSuchKey') {
      throw new ChannelError(`Data download failed: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}

async function download(
  store: ObjectStore,
  uri: string,
  dataType: 'S3Prefix' | 'ManifestFile',
): Promise<ChannelFile[]> {
  const { bucket, key } = parseS3Uri(uri);
  const files: ChannelFile[] = [];
  if (dataType === 'ManifestFile') {
    const manifest = JSON.parse(utf8Text(await store.getObject(bucket, key))) as unknown[];
    const prefixEntry = manifest[0] as { prefix?: string } | undefined;
    const prefix = parseS3Uri(prefixEntry?.prefix ?? '');
    for (const entry of manifest.slice(1)) {
      const objectKey = `${prefix.key}${String(entry)}`;
      files.push({ name: objectKey, bytes: await store.getObject(prefix.bucket, objectKey) });
    }
    return files;
  }
  let token: string | undefined;
  do {
    const page = await store.listObjects(bucket, {
      prefix: key,
      ...(token === undefined ? {} : { continuationToken: token }),
    });
    for (const object of page.objects) {
      if (object.key.endsWith('/') || !isDataFile(object.key)) continue;
      files.push({ name: object.key, bytes: await store.getObject(bucket, object.key) });
    }
    token = page.isTruncated ? page.nextContinuationToken : undefined;
  } while (token !== undefined);
  files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files;
}

/** A typed array that grows by doubling (rows arrive before their count is known). */
class Growable<T extends Float32Array | Int32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}

  push(value: number): void {
    if (this.length === this.data.length) this.grow(this.length + 1);
    this.data[this.length++] = value;
  }

  pushAll(values: ArrayLike<number>): void {
    if (this.length + values.length > this.data.length) this.grow(this.length + values.length);
    for (let i = 0; i < values.length; i++) this.data[this.length + i] = values[i]!;
    this.length += values.length;
  }

  private grow(min: number): void {
    const next = this.make(Math.max(min, this.data.length * 2, 1024));
    next.set(this.data.subarray(0, this.length) as never);
    this.data = next;
  }

  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

const floats = (): Growable<Float32Array> => new Growable(new Float32Array(1024), (n) => new Float32Array(n));
const ints = (): Growable<Int32Array> => new Growable(new Int32Array(1024), (n) => new Int32Array(n));

/** Rows gathered from several files before they become one dense {@link Dataset}. */
class RowCollector {
  readonly values = floats();
  readonly labels = floats();
  readonly weights = floats();
  hasWeights = false;
  /** Start of each row in `values`. */
  readonly rowStarts = ints();
  /** -1 for a dense row, else the number of sparse entries (their columns are in `sparseIdx`). */
  readonly rowCounts = ints();
  readonly sparseIdx = ints();
  cols = 0;

  get rows(): number {
    return this.labels.length;
  }

  addDense(label: number, features: ArrayLike<number>, weight?: number): void {
    this.labels.push(label);
    this.weights.push(weight ?? 1);
    if (weight !== undefined) this.hasWeights = true;
    this.rowStarts.push(this.values.length);
    this.rowCounts.push(-1);
    this.values.pushAll(features);
    if (features.length > this.cols) this.cols = features.length;
  }

  addSparse(
    label: number,
    indices: ArrayLike<number>,
    values: ArrayLike<number>,
    size: number,
    weight?: number,
  ): void {
    this.labels.push(label);
    this.weights.push(weight ?? 1);
    if (weight !== undefined) this.hasWeights = true;
    this.rowStarts.push(this.values.length);
    this.rowCounts.push(indices.length);
    this.sparseIdx.pushAll(indices);
    this.values.pushAll(values);
    for (let i = 0; i < indices.length; i++) if (indices[i]! + 1 > this.cols) this.cols = indices[i]! + 1;
    if (size > this.cols) this.cols = size;
  }

  toDataset(): Dataset {
    const rows = this.rows;
    const cols = this.cols;
    if (rows * cols > 2 ** 31 - 1) {
      throw new ChannelError(
        `the data set is too large to train offline: ${rows} rows x ${cols} features exceeds 2^31 values`,
      );
    }
    const values = this.values.view();
    const starts = this.rowStarts.view();
    const counts = this.rowCounts.view();
    const sparseIdx = this.sparseIdx.view();
    const out = new Float32Array(rows * cols).fill(Number.NaN);
    let sparseCursor = 0;
    for (let r = 0; r < rows; r++) {
      const start = starts[r]!;
      const count = counts[r]!;
      if (count < 0) {
        const end = r + 1 < rows ? starts[r + 1]! : values.length;
        out.set(values.subarray(start, end), r * cols);
      } else {
        for (let i = 0; i < count; i++) out[r * cols + sparseIdx[sparseCursor + i]!] = values[start + i]!;
        sparseCursor += count;
      }
    }
    const base = { rows, cols, values: out, labels: this.labels.view().slice() };
    return this.hasWeights ? { ...base, weights: this.weights.view().slice() } : base;
  }
}

/** `csv.Sniffer` on the first line, reduced to the delimiters a numeric table can use. */
function sniffDelimiter(firstLine: string, file: string): string {
  for (const candidate of [',', '\t', ';', '|', ' ']) {
    if (firstLine.includes(candidate)) return candidate;
  }
  if (/^\s*[-+0-9.eE]+\s*$/.test(firstLine)) return ',';
  throw new ChannelError(
    `Could not determine delimiter on line ${firstLine.slice(0, 50)}:\nCould not determine delimiter (file ${file})`,
  );
}

function readCsv(files: readonly ChannelFile[], collector: RowCollector, csvWeights: boolean): void {
  for (const file of files) {
    const text = file.bytes;
    const firstLine = utf8Text(text, 0, Math.min(text.length, 65_536))
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.replace(/\r$/, '');
    if (firstLine === undefined) continue;
    const delimiter = sniffDelimiter(firstLine, file.name);
    try {
      const reader = new NumericCsvReader({ delimiter, source: file.name });
      const a = reader.push(text);
      const b = reader.end();
      for (const batch of [a, b]) {
        const width = batch.width;
        for (let r = 0; r < batch.rows; r++) {
          const row = batch.values.subarray(r * width, (r + 1) * width);
          const label = row[0]!;
          if (Number.isNaN(label)) {
            throw new ChannelError(`the label (column 1) is empty at line ${batch.lines[r]} of ${file.name}`);
          }
          if (csvWeights) collector.addDense(label, row.subarray(2), row[1]);
          else collector.addDense(label, row.subarray(1));
        }
      }
    } catch (error) {
      throw new ChannelError(`Failed to load csv data with exception:\n${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function readLibSvm(files: readonly ChannelFile[], collector: RowCollector): void {
  for (const file of files) {
    try {
      const reader = new LibSvmReader({ indexBase: 0, source: file.name });
      for (const row of [...reader.push(file.bytes), ...reader.end()]) {
        collector.addSparse(row.label, row.indices, row.values, 0, row.weight);
      }
    } catch (error) {
      const newline = file.bytes.indexOf(0x0a);
      const first = utf8Text(file.bytes, 0, newline < 0 ? file.bytes.length : newline);
      const base = file.name.slice(file.name.lastIndexOf('/') + 1);
      throw new ChannelError(
        `First line '${first.slice(0, 50)}...' of file '${base}' is not 'LIBSVM' format. Please ensure the file is in 'LIBSVM' format. (${(error as Error).message})`,
        { cause: error },
      );
    }
  }
}

function readRecordIO(files: readonly ChannelFile[], collector: RowCollector): void {
  let sparse: boolean | undefined;
  for (const file of files) {
    try {
      const records = decodeRecordIO(file.bytes, { source: file.name });
      records.forEach((record, i) => {
        const label = recordLabel(record);
        if (label === undefined) throw new Error(`record ${i + 1} of ${file.name} has no label['values']`);
        const features = recordFeatures(record);
        const isSparse = features.kind === 'sparse';
        sparse ??= isSparse;
        if (sparse !== isSparse) {
          throw new Error(
            `record ${i + 1} of ${file.name} is ${isSparse ? 'sparse' : 'dense'} but the channel started ${sparse ? 'sparse' : 'dense'}`,
          );
        }
        if (features.kind === 'dense') collector.addDense(label, features.values);
        else collector.addSparse(label, features.indices, features.values, features.size);
      });
    } catch (error) {
      throw new ChannelError(
        `Failed to load recordio-protobuf data with exception:\n${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
}

async function readParquet(files: readonly ChannelFile[], collector: RowCollector): Promise<void> {
  for (const file of files) {
    try {
      const buffer = file.bytes.buffer.slice(
        file.bytes.byteOffset,
        file.bytes.byteOffset + file.bytes.byteLength,
      );
      let rows: unknown[][] = [];
      await parquetRead({
        file: buffer as ArrayBuffer,
        compressors: PARQUET_COMPRESSORS,
        onComplete: (data: unknown[][]) => {
          rows = data;
        },
      });
      rows.forEach((row, i) => {
        const numbers = row.map((v, c) => {
          if (v === null || v === undefined) return Number.NaN;
          if (typeof v === 'number') return v;
          if (typeof v === 'bigint' || typeof v === 'boolean') return Number(v);
          throw new Error(
            `row ${i + 1} of ${file.name}: column ${c} holds ${typeof v === 'string' ? `'${v.slice(0, 40)}'` : typeof v}, expected a number (XGBoost trains on numeric columns only)`,
          );
        });
        const label = numbers[0];
        if (label === undefined || Number.isNaN(label)) {
          throw new Error(`row ${i + 1} of ${file.name}: column 0 (the label) is null or not a number`);
        }
        collector.addDense(label, numbers.slice(1));
      });
    } catch (error) {
      throw new ChannelError(`Failed to load parquet data with exception:\n${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

/** Parses a channel's files into one dense dataset. */
export async function readChannel(
  files: readonly ChannelFile[],
  format: ChannelFormat,
  options: { readonly csvWeights?: boolean; readonly channel?: string } = {},
): Promise<Dataset> {
  const collector = new RowCollector();
  if (format === 'csv') readCsv(files, collector, options.csvWeights === true);
  else if (format === 'libsvm') readLibSvm(files, collector);
  else if (format === 'recordio-protobuf') readRecordIO(files, collector);
  else await readParquet(files, collector);
  if (collector.rows === 0) {
    throw new ChannelError(
      `No data in ${options.channel ?? 'train'} channel: no rows in ${files.length} file(s)`,
    );
  }
  return collector.toDataset();
}

/** Makes train and validation the same width (XGBoost requires matching feature counts). */
export function alignChannels(
  train: Dataset,
  validation: Dataset | undefined,
): [Dataset, Dataset | undefined] {
  if (validation === undefined) return [train, undefined];
  const cols = Math.max(train.cols, validation.cols);
  return [widenDataset(train, cols), widenDataset(validation, cols)];
}
