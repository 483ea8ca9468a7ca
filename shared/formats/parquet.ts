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
import { parquetWriteBuffer } from 'hyparquet-writer';
import { type FormatErrorLocation, ParquetFormatError } from '../errors';

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
    return await parquetMetadataAsync(file);
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
    const rowEnd = rowStart + rows;
    const columns = new Map<string, unknown[]>(wanted.map((name) => [name, []]));
    if (rows > 0 && wanted.length > 0) {
      let data: unknown[][] = [];
      try {
        await parquetRead({
          file,
          metadata,
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
