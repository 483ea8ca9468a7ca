/**
 * `sparkmaker convert <input> <output> --to csv|libsvm|recordio-protobuf [--label <column>]
 * [--features <c1,c2,…>] [--sparse] [--no-label] [--from csv|parquet|jsonl]`
 *
 * Streams the input file through the conversion API of `shared/formats`. The output is written to a
 * temporary file beside it and renamed at the end, so a failed conversion leaves no partial output.
 * Rows that cannot be converted go to `<output>.quarantine` (JSON Lines, one reason per row).
 */
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { ConversionError } from '../../../shared/errors';
import {
  Converter,
  type ConvertOutput,
  type ConvertResult,
  convertParquet,
  INPUT_FORMATS,
  type InputFormat,
  OUTPUT_FORMATS,
  type OutputFormat,
} from '../../../shared/formats/convert';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

const USAGE = `Usage: sparkmaker convert <input> <output> --to csv|libsvm|recordio-protobuf [options]

Converts a feature table (CSV with a header row, Parquet, JSON Lines) to SageMaker's training formats:
  csv                label first, no header (SageMaker XGBoost)
  libsvm             label idx:value ..., 0-based indices, missing values omitted
  recordio-protobuf  Amazon Record, float32, dense unless --sparse

Options:
  --to <format>        output format (required)
  --from <format>      input format: csv, parquet or jsonl (default: from the input's extension)
  --label <column>     label column (default: label)
  --features <a,b,..>  feature columns, in order (default: every other numeric column)
  --no-label           write features only (scoring input)
  --sparse             RecordIO-protobuf: sparse tensors
Rows that cannot be converted are written to <output>.quarantine with the reason.
`;

const EXTENSIONS: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
};

function inputFormat(path: string, from: string | undefined): InputFormat {
  if (from !== undefined) {
    if (!(INPUT_FORMATS as readonly string[]).includes(from)) {
      throw new UsageError(`--from must be one of ${INPUT_FORMATS.join(', ')}, got '${from}'`);
    }
    return from as InputFormat;
  }
  const format = EXTENSIONS[extname(path).toLowerCase()];
  if (format === undefined) {
    throw new UsageError(
      `cannot tell the format of '${path}' from its extension: pass --from csv|parquet|jsonl`,
    );
  }
  return format;
}

/** Appends bytes to an open file (a no-op for empty chunks). */
async function append(file: FileHandle, bytes: Uint8Array): Promise<void> {
  if (bytes.length > 0) await file.write(bytes);
}

async function openInput(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code);
    throw new ConversionError(`cannot read the input '${path}': ${reason}`, { cause: error });
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      to: { type: 'string' },
      from: { type: 'string' },
      label: { type: 'string' },
      features: { type: 'string' },
      sparse: { type: 'boolean' },
      'no-label': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [input, output, ...extra] = positionals;
  if (input === undefined || output === undefined || extra.length > 0) {
    throw new UsageError('expected <input> <output> --to csv|libsvm|recordio-protobuf (see --help)');
  }
  if (values.to === undefined) throw new UsageError('--to csv|libsvm|recordio-protobuf is required');
  if (!(OUTPUT_FORMATS as readonly string[]).includes(values.to)) {
    throw new UsageError(`--to must be one of ${OUTPUT_FORMATS.join(', ')}, got '${values.to}'`);
  }
  const to = values.to as OutputFormat;
  if (values.sparse === true && to !== 'recordio-protobuf') {
    throw new UsageError('--sparse applies to --to recordio-protobuf only');
  }
  if (values['no-label'] === true && values.label !== undefined) {
    throw new UsageError('--label and --no-label contradict each other');
  }
  if (resolve(input) === resolve(output)) throw new UsageError('the output must not be the input');
  const from = inputFormat(input, values.from);
  const features = values.features
    ?.split(',')
    .map((f) => f.trim())
    .filter((f) => f.length > 0);
  const options = {
    to,
    source: basename(input),
    ...(values.label === undefined ? {} : { label: values.label }),
    ...(features === undefined ? {} : { features }),
    ...(values['no-label'] === true ? { labels: false } : {}),
    ...(values.sparse === true ? { sparse: true } : {}),
  };

  const quarantinePath = `${output}.quarantine`;
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const tmpOutput = join(dirname(output), `.${basename(output)}.${suffix}.tmp`);
  const tmpQuarantine = join(dirname(output), `.${basename(quarantinePath)}.${suffix}.tmp`);
  const source = await openInput(input);
  let out: FileHandle | undefined;
  let quarantine: FileHandle | undefined;
  let result: ConvertResult;
  try {
    try {
      out = await open(tmpOutput, 'w');
      quarantine = await open(tmpQuarantine, 'w');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'its directory does not exist' : String(code);
      throw new ConversionError(`cannot write the output '${output}': ${reason}`, { cause: error });
    }
    const write = async (chunk: ConvertOutput) => {
      await append(out!, chunk.output);
      await append(quarantine!, chunk.quarantine);
    };
    if (from === 'parquet') {
      // Parquet is read by row group through positioned reads, never whole.
      const { size } = await source.stat();
      const file = {
        byteLength: size,
        slice: async (start: number, end?: number) => {
          const length = (end ?? size) - start;
          const buffer = new Uint8Array(length);
          await source.read(buffer, 0, length, start);
          return buffer.buffer;
        },
      };
      result = await convertParquet(file, options, write);
    } else {
      const converter = new Converter({ ...options, from });
      const stream = source.createReadStream({ autoClose: false, highWaterMark: 1024 * 1024 });
      for await (const chunk of stream) await write(converter.push(chunk as Uint8Array));
      const last = await converter.end();
      await write(last);
      result = last.result;
    }
    await out.close();
    out = undefined;
    await quarantine.close();
    quarantine = undefined;
    if (result.rows === 0 && result.quarantined > 0) {
      await rename(tmpQuarantine, quarantinePath);
      throw new ConversionError(
        `no row of '${input}' could be converted: all ${result.quarantined} were quarantined (see ${quarantinePath})`,
      );
    }
    await rename(tmpOutput, output);
    if (result.quarantined > 0) await rename(tmpQuarantine, quarantinePath);
    else await rm(quarantinePath, { force: true });
  } finally {
    await out?.close().catch(() => undefined);
    await quarantine?.close().catch(() => undefined);
    await source.close().catch(() => undefined);
    await rm(tmpOutput, { force: true });
    await rm(tmpQuarantine, { force: true });
  }
  const shape = to === 'recordio-protobuf' ? `${to}, ${result.sparse ? 'sparse' : 'dense'} float32` : to;
  const label = result.label === undefined ? 'no label' : `label '${result.label}'`;
  process.stdout.write(
    `converted ${result.rows} rows of ${input} (${from}) to ${output} (${shape}; ${label}; ${result.features.length} features: ${result.features.join(', ')})\n`,
  );
  if (result.quarantined > 0) {
    process.stdout.write(`quarantined ${result.quarantined} rows in ${quarantinePath}\n`);
  }
  return 0;
}

/** `sparkmaker convert`: a feature table to csv, libsvm or recordio-protobuf. */
export const command: Command = {
  summary: 'convert a feature table to csv, libsvm or recordio-protobuf',
  run,
};
