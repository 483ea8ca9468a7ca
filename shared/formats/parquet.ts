/**
 * Parquet feature tables, read with hyparquet and written with hyparquet-writer. The file is given
 * as bytes or as an `AsyncBuffer` (`{ byteLength, slice(start, end) }`), so a caller can back it with
 * S3 range reads: Parquet keeps its schema in a footer, so it cannot be read front to back, but it
 * can be read one row group at a time without holding the whole object.
 */
import {
  type AsyncBuffer,
  type FileMetaData,
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
} from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { compressors } from 'hyparquet-compressors';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { type FormatErrorLocation, ParquetFormatError } from '../errors';

/**
 * The page decompressors every Parquet read passes to hyparquet (which decodes only uncompressed
 * and Snappy pages itself): GZIP, ZSTD, LZ4, LZ4_RAW and BROTLI from hyparquet-compressors.
 */
export const PARQUET_COMPRESSORS = compressors;

/** What a Parquet reader accepts: bytes, or an AsyncBuffer (e.g. backed by range reads). */
export type ParquetInput = Uint8Array | ArrayBuffer | AsyncBuffer;

/** A top-level column of a Parquet file. */
export interface ParquetColumnInfo {
  readonly name: string;
  /** Physical type (`DOUBLE`, `INT64`, `BYTE_ARRAY`, …), or `GROUP` for nested columns. */
  readonly physicalType: string;
  /** Logical or converted type when there is one (`STRING`, `DATE`, `TIMESTAMP_MILLIS`, …). */
  readonly logicalType?: string;
  /** Whether its values are numbers a model can use: ints, floats, decimals and booleans (as 0/1). */
  readonly numeric: boolean;
}

/** Options of the Parquet readers. */
export interface ParquetReadOptions {
  /** Columns to read (default: all). */
  readonly columns?: readonly string[];
  /** Name of the input, for error messages. */
  readonly source?: string;
}

/** One row group's worth of rows, column by column. */
export interface ParquetBatch {
  /** 0-based index of the first row of the batch in the file. */
  readonly rowStart: number;
  readonly rows: number;
  /** Column name → values (numbers, bigints, booleans, strings, null for missing, …). */
  readonly columns: ReadonlyMap<string, ArrayLike<unknown>>;
}

const MAGIC = 0x31524150; // "PAR1" read as little-endian uint32

function toAsyncBuffer(input: ParquetInput): AsyncBuffer {
  if (input instanceof ArrayBuffer) return input;
  if (input instanceof Uint8Array) {
    const bytes = input;
    return {
      byteLength: bytes.length,
      slice: (start: number, end?: number) => bytes.slice(start, end).buffer,
    };
  }
  return input;
}

function location(source: string | undefined, offset: number): FormatErrorLocation {
  return source === undefined ? { offset } : { source, offset };
}

async function checkMagic(file: AsyncBuffer, source: string | undefined): Promise<void> {
  if (file.byteLength < 12) {
    throw new ParquetFormatError(
      `not a Parquet file: ${file.byteLength} bytes is shorter than the 12-byte minimum`,
      location(source, 0),
    );
  }
  const head = new DataView(await file.slice(0, 4));
  if (head.getUint32(0, true) !== MAGIC) {
    throw new ParquetFormatError(
      "not a Parquet file: expected the magic 'PAR1' at the start",
      location(source, 0),
    );
  }
  const tail = new DataView(await file.slice(file.byteLength - 4, file.byteLength));
  if (tail.getUint32(0, true) !== MAGIC) {
    throw new ParquetFormatError(
      "not a Parquet file (or truncated): expected the magic 'PAR1' at the end",
      location(source, file.byteLength - 4),
    );
  }
}

/** Reads and checks a file's footer. */
async function readMetadata(file: AsyncBuffer, source: string | undefined): Promise<FileMetaData> {
  await checkMagic(file, source);
  try {
    const metadata = await parquetMetadataAsync(file);
    columnsOf(metadata); // the schema must make sense too
    return metadata;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ParquetFormatError(
      `unreadable Parquet footer: ${reason}`,
      location(source, file.byteLength - 8),
      {
        cause: error,
      },
    );
  }
}

const NUMERIC_PHYSICAL = new Set(['INT32', 'INT64', 'FLOAT', 'DOUBLE', 'BOOLEAN']);
const NON_NUMERIC_LOGICAL = new Set([
  'DATE',
  'TIME',
  'TIME_MILLIS',
  'TIME_MICROS',
  'TIMESTAMP',
  'TIMESTAMP_MILLIS',
  'TIMESTAMP_MICROS',
  'INTERVAL',
]);

function columnsOf(metadata: FileMetaData): ParquetColumnInfo[] {
  const root = parquetSchema(metadata);
  return root.children.map((child) => {
    const element = child.element;
    const physicalType = child.children.length > 0 ? 'GROUP' : (element.type ?? 'GROUP');
    const logicalType = element.logical_type?.type ?? element.converted_type;
    const numeric =
      physicalType === 'GROUP'
        ? false
        : logicalType === 'DECIMAL' ||
          (NUMERIC_PHYSICAL.has(physicalType) &&
            (logicalType === undefined || !NON_NUMERIC_LOGICAL.has(logicalType)));
    return logicalType === undefined
      ? { name: element.name, physicalType, numeric }
      : { name: element.name, physicalType, logicalType, numeric };
  });
}

/**
 * Lists the top-level columns of a Parquet file and whether each is numeric.
 *
 * @throws ParquetFormatError when the bytes are not a readable Parquet file.
 */
export async function parquetColumns(
  input: ParquetInput,
  options: { source?: string } = {},
): Promise<ParquetColumnInfo[]> {
  return columnsOf(await readMetadata(toAsyncBuffer(input), options.source));
}

/** The number of rows of a Parquet file (from its footer). */
export async function parquetRowCount(
  input: ParquetInput,
  options: { source?: string } = {},
): Promise<number> {
  return Number((await readMetadata(toAsyncBuffer(input), options.source)).num_rows);
}

/**
 * Reads a Parquet file one row group at a time, column by column.
 *
 * @example
 * for await (const batch of readParquetBatches(bytes, { columns: ['label', 'x'] })) use(batch.columns.get('x'));
 * @throws ParquetFormatError when the file (or a row group) cannot be decoded, or a column does not exist.
 */
export async function* readParquetBatches(
  input: ParquetInput,
  options: ParquetReadOptions = {},
): AsyncGenerator<ParquetBatch> {
  const file = toAsyncBuffer(input);
  const metadata = await readMetadata(file, options.source);
  const names = columnsOf(metadata).map((c) => c.name);
  const wanted = options.columns ?? names;
  for (const name of wanted) {
    if (!names.includes(name)) {
      throw new ParquetFormatError(`no column '${name}' in the Parquet file (columns: ${names.join(', ')})`, {
        ...location(options.source, 0),
        field: name,
      });
    }
  }
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rows = Number(group.num_rows);
    await checkRowGroup(file, metadata, group, wanted, options.source);
    const rowEnd = rowStart + rows;
    const columns = new Map<string, unknown[]>(wanted.map((name) => [name, []]));
    if (rows > 0 && wanted.length > 0) {
      let data: unknown[][] = [];
      try {
        await parquetRead({
          file,
          metadata,
          compressors: PARQUET_COMPRESSORS,
          columns: [...wanted],
          rowStart,
          rowEnd,
          rowFormat: 'array',
          onComplete: (r: unknown[][]) => {
            data = r;
          },
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const offset = Number(group.columns[0]?.meta_data?.data_page_offset ?? 0n);
        throw new ParquetFormatError(
          `unreadable Parquet row group at rows ${rowStart}-${rowEnd - 1}: ${reason}`,
          location(options.source, offset),
          { cause: error },
        );
      }
      wanted.forEach((name, i) => {
        columns.set(
          name,
          data.map((row) => row[i]),
        );
      });
    }
    yield { rowStart, rows, columns };
    rowStart = rowEnd;
  }
}

/** A thrift integer as a number (NaN when the field is missing or of another type). */
function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

/** Largest page (uncompressed) the reader accepts: 1 GiB. */
const MAX_PAGE_BYTES = 2 ** 30;

/**
 * Walks the page headers of the wanted column chunks of a row group and refuses impossible values
 * (negative or out-of-chunk sizes, more values than rows, level lengths beyond the page) before
 * hyparquet decodes them: on such headers it can loop forever or allocate without bound.
 */
async function checkRowGroup(
  file: AsyncBuffer,
  metadata: FileMetaData,
  group: FileMetaData['row_groups'][number],
  wanted: readonly string[],
  source: string | undefined,
): Promise<void> {
  const rows = Number(group.num_rows);
  const fail = (message: string, offset: number) =>
    new ParquetFormatError(`corrupt Parquet column chunk: ${message}`, location(source, offset));
  if (!Number.isSafeInteger(rows) || rows < 0) throw fail(`row group of ${rows} rows`, 0);
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (meta === undefined) throw fail('a column chunk without metadata', 0);
    const name = meta.path_in_schema[0] ?? '';
    if (!wanted.includes(name)) continue;
    const flat = meta.path_in_schema.length === 1;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const end = start + Number(meta.total_compressed_size);
    const footer = file.byteLength - 8 - metadata.metadata_length;
    if (!(start >= 4 && start <= end && end <= footer)) {
      throw fail(
        `column '${name}' spans bytes ${start}-${end}, outside the data (4-${footer})`,
        Math.max(0, start),
      );
    }
    const numValues = Number(meta.num_values);
    if (!(numValues >= 0) || (flat && numValues > rows)) {
      throw fail(`column '${name}' announces ${numValues} values for ${rows} rows`, start);
    }
    const view = new DataView(await file.slice(start, end));
    const reader = { view, offset: 0 };
    let values = 0;
    while (reader.offset < view.byteLength - 1 && values < numValues) {
      const at = start + reader.offset;
      let header: ReturnType<typeof parquetHeader>;
      try {
        header = parquetHeader(reader);
      } catch (error) {
        throw fail(
          `unreadable page header in column '${name}': ${error instanceof Error ? error.message : error}`,
          at,
        );
      }
      const compressed = num(header.compressed_page_size);
      const uncompressed = num(header.uncompressed_page_size);
      if (!(compressed >= 0 && reader.offset + compressed <= view.byteLength)) {
        throw fail(`page of ${compressed} bytes in column '${name}' runs past the chunk`, at);
      }
      if (!(uncompressed >= 0 && uncompressed <= MAX_PAGE_BYTES)) {
        throw fail(`page of ${uncompressed} uncompressed bytes in column '${name}'`, at);
      }
      const v1 = header.data_page_header;
      const v2 = header.data_page_header_v2;
      const dict = header.dictionary_page_header;
      const pageValues = num(v1?.num_values ?? v2?.num_values ?? 0);
      if (!(pageValues >= 0 && pageValues <= numValues)) {
        throw fail(`page of ${pageValues} values in a column chunk of ${numValues} in column '${name}'`, at);
      }
      if (
        dict !== undefined &&
        !(num(dict.num_values) >= 0 && num(dict.num_values) <= uncompressed * 8 + 8)
      ) {
        throw fail(
          `dictionary of ${dict.num_values} values in ${uncompressed} bytes in column '${name}'`,
          at,
        );
      }
      if (v2 !== undefined) {
        const definition = num(v2.definition_levels_byte_length);
        const repetition = num(v2.repetition_levels_byte_length);
        const levels = definition + repetition;
        if (
          !(num(v2.num_nulls) >= 0 && num(v2.num_nulls) <= pageValues) ||
          !(num(v2.num_rows) >= 0 && num(v2.num_rows) <= rows) ||
          !(definition >= 0 && repetition >= 0) ||
          !(levels <= compressed && levels <= uncompressed)
        ) {
          throw fail(
            `inconsistent page header (values, nulls, rows or level lengths) in column '${name}'`,
            at,
          );
        }
      }
      if (header.type === 'DATA_PAGE' || header.type === 'DATA_PAGE_V2') {
        if (v1 === undefined && v2 === undefined)
          throw fail(`data page without its header in column '${name}'`, at);
        values += pageValues;
      } else if (header.type !== 'DICTIONARY_PAGE' && header.type !== 'INDEX_PAGE') {
        throw fail(`unknown page type in column '${name}'`, at);
      }
      reader.offset += compressed;
    }
  }
}

/** A column to write: its name, values, and optionally its type (guessed from the values otherwise). */
export interface ParquetColumnData {
  readonly name: string;
  readonly data: readonly unknown[] | Float64Array | Float32Array | Int32Array;
  /** `DOUBLE`, `FLOAT`, `INT32`, `INT64`, `BOOLEAN`, `STRING`, … (hyparquet-writer basic types). */
  readonly type?: 'DOUBLE' | 'FLOAT' | 'INT32' | 'INT64' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP';
}

/**
 * Writes a feature table as a Parquet file (Snappy-compressed), returned as bytes.
 *
 * @example
 * writeParquetTable([{ name: 'label', data: [0, 1], type: 'DOUBLE' }, { name: 'x', data: [1.5, 2], type: 'DOUBLE' }])
 */
export function writeParquetTable(
  columns: readonly ParquetColumnData[],
  options: { rowGroupSize?: number } = {},
): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({
      name: c.name,
      data: Array.isArray(c.data) ? [...c.data] : Array.from(c.data as ArrayLike<unknown>),
      ...(c.type === undefined ? {} : { type: c.type }),
    })) as Parameters<typeof parquetWriteBuffer>[0]['columnData'],
    ...(options.rowGroupSize === undefined ? {} : { rowGroupSize: options.rowGroupSize }),
  });
  return new Uint8Array(buffer);
}
