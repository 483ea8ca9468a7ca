/**
 * The data side of validating a declared table (`table` in a run input): sniff the column types of
 * the input (the first rows of its first CSV / JSON Lines object, or its Parquet schema), resolve
 * the declaration against them (a declared column that is absent, or a label that is not numeric,
 * fails naming the field and the column, with the nearest column suggested) and, for training,
 * write the compiled plan the feature job runs.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { InputValidationError } from '../../shared/errors';
import {
  buildPlan,
  type ColumnSchema,
  parquetColumnTypes,
  resolveDeclaration,
  sniffCsv,
  sniffJsonLines,
  type TableDeclaration,
  type TableIR,
} from '../../shared/features';
import { Problems } from '../../shared/fields';
import { parquetColumns } from '../../shared/formats/parquet';
import {
  formatS3Uri,
  headObject,
  isPrefix,
  listObjects,
  parseS3Uri,
  putJson,
  readObject,
  type S3Location,
  s3RangedBuffer,
} from '../../shared/s3';
import type { InputFormat, ScoringConfig, TrainingConfig } from './run-config';

/** How much of a text object's head is read to sniff types. */
export const SNIFF_BYTES = 256 * 1024;

/** The first data object of an input (the object itself, or the first under the prefix). */
async function firstObject(
  s3: S3Client,
  uri: string,
  format: InputFormat,
): Promise<{ location: S3Location; size: number }> {
  const location = parseS3Uri(uri, 'input.uri');
  if (!isPrefix(location)) {
    const head = await headObject(s3, location);
    if (head !== undefined) return { location, size: head.size };
  }
  for await (const object of listObjects(s3, location)) {
    const name = object.key.slice(object.key.lastIndexOf('/') + 1);
    if (name.startsWith('_') || name.startsWith('.') || object.size === 0) continue;
    if (format === 'parquet' && !name.endsWith('.parquet')) continue;
    return { location: { bucket: location.bucket, key: object.key }, size: object.size };
  }
  throw new InputValidationError(
    `input.uri: no data objects at ${uri} to check the table declaration against`,
    'input.uri',
  );
}

/** The columns of an input with their sniffed types, and the object they were read from. */
export async function sniffInput(
  s3: S3Client,
  input: { uri: string; format: InputFormat },
): Promise<{ columns: readonly ColumnSchema[]; source: string }> {
  const { location, size } = await firstObject(s3, input.uri, input.format);
  const source = formatS3Uri(location);
  if (input.format === 'parquet') {
    return {
      columns: parquetColumnTypes(await parquetColumns(s3RangedBuffer(s3, location, size), { source })),
      source,
    };
  }
  const complete = size <= SNIFF_BYTES;
  const bytes = await readObject(
    s3,
    location,
    complete || size === 0 ? undefined : { start: 0, end: SNIFF_BYTES - 1 },
  );
  const text = new TextDecoder().decode(bytes);
  const table =
    input.format === 'csv' ? sniffCsv(text, { complete, source }) : sniffJsonLines(text, { complete });
  return { columns: table.columns, source };
}

/** Resolves a declaration against the input's columns; throws InputValidationError naming every problem. */
export async function resolveTable(
  s3: S3Client,
  table: TableDeclaration,
  input: { uri: string; format: InputFormat },
  workflow: 'training' | 'scoring',
): Promise<TableIR> {
  const { columns, source } = await sniffInput(s3, input);
  const problems = new Problems(`${workflow} input`);
  const ir = resolveDeclaration(table, columns, {
    workflow: workflow === 'training' ? 'train' : 'score',
    path: 'table',
    problems,
    source,
  });
  problems.throwIfAny();
  return ir as TableIR;
}

/**
 * The data checks of a normalised config: with a declared table, resolve it against the input and,
 * for training, write the compiled plan to `featurePlanUri`. Configs without `table` pass through.
 */
export async function prepareDeclaredTable<C extends TrainingConfig | ScoringConfig>(
  s3: S3Client,
  config: C,
  workflow: 'training' | 'scoring',
): Promise<C> {
  if (config.table === undefined) return config;
  const ir = await resolveTable(s3, config.table, config.input, workflow);
  if (workflow === 'training') {
    const planUri = (config as TrainingConfig).featurePlanUri;
    if (planUri !== undefined) await putJson(s3, parseS3Uri(planUri, 'featurePlanUri'), buildPlan(ir));
  }
  return config;
}
