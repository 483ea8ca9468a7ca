/**
 * DuckDB input and output shared by both paths of the feature job: the CSV check before reading,
 * the reader of the input, the partitioned Parquet writer and SQL quoting.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FeatureJobError, FormatError } from '../../../shared/errors';
import { CsvReader } from '../../../shared/formats/csv';
import { parseS3Uri } from '../../../shared/s3/uri';
import { proveInside } from '../s3/key-path';
import type { FeatureInputFormat, FeatureJobArguments } from './feature-job-args';

/**
 * Writes the `features` table as the job's output: train: `split=<split>/dt=<dt>/part-*.parquet`
 * (rows without a label dropped), score: `dt=<dt>/part-*.parquet` (no split, no label), then
 * `_SUCCESS`. Returns the rows written.
 */
export async function writeFeatureTable(
  connection: DuckDBConnection,
  s3Root: string,
  args: FeatureJobArguments,
  outputDir: string,
  featureColumns: readonly string[],
  idColumn: string,
): Promise<number> {
  const partitionBy = args.mode === 'train' ? ['split', 'dt'] : ['dt'];
  const kept = featureColumns.filter(
    (column) => args.mode === 'train' || !['split', 'label'].includes(column),
  );
  const where = args.mode === 'train' ? 'WHERE label IS NOT NULL' : '';
  const select = `SELECT ${kept.map(quote).join(', ')} FROM features ${where} ORDER BY dt, ${quote(idColumn)}`;
  const rows = Number(
    (await connection.runAndReadAll(`SELECT count(*) AS n FROM (${select})`)).getRowObjectsJS()[0]?.n ?? 0,
  );
  // Prove the folder is strictly inside its bucket before emptying it (never the bucket itself).
  const bucketDir = path.resolve(s3Root, parseS3Uri(args.output, '--output').bucket);
  await proveInside(bucketDir, outputDir, `the output folder of ${args.output}`).catch((error: Error) => {
    throw new FeatureJobError(`feature job ${args.runId}: ${error.message}`, { cause: error });
  });
  await rm(outputDir, { recursive: true, force: true });
  await mkdir(outputDir, { recursive: true });
  if (rows > 0) {
    await connection.run(
      `COPY (${select}) TO ${literal(outputDir)} (FORMAT PARQUET, PARTITION_BY (${partitionBy.join(', ')}), ` +
        `FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
    );
  }
  await writeFile(path.join(outputDir, '_SUCCESS'), '');
  return rows;
}

/**
 * Checks a raw CSV object the way Spark's FAILFAST reader would refuse it, before DuckDB's sniffer
 * guesses around it: RFC 4180 syntax and one field per header column on every row. The error names
 * the object and the line.
 */
export async function validateCsv(file: string, uri: string, signal?: AbortSignal): Promise<void> {
  const reader = new CsvReader({ source: uri });
  let columns: number | undefined;
  const check = (records: { fields: string[]; line: number }[]): void => {
    for (const record of records) {
      if (columns === undefined) {
        columns = record.fields.length;
      } else if (record.fields.length !== columns) {
        throw new FeatureJobError(
          `feature job: malformed CSV ${uri}, line ${record.line}: ${record.fields.length} fields where the header has ${columns}`,
        );
      }
    }
  };
  try {
    for await (const chunk of createReadStream(file, signal ? { signal } : {}))
      check(reader.push(chunk as Buffer));
    check(reader.end());
  } catch (error) {
    if (error instanceof FormatError) {
      throw new FeatureJobError(`feature job: malformed CSV ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/** The DuckDB table function reading the input like Spark's reader in main.py. */
export function reader(format: FeatureInputFormat, files: readonly string[]): string {
  const list = `[${files.map(literal).join(', ')}]`;
  switch (format) {
    case 'csv':
      // Spark: header row, every column a string (inferSchema false), empty field = NULL.
      return `read_csv(${list}, header = true, all_varchar = true, union_by_name = true)`;
    case 'parquet':
      return `read_parquet(${list}, union_by_name = true, hive_partitioning = true)`;
    case 'json':
      return `read_json(${list}, format = 'newline_delimited', union_by_name = true)`;
  }
}

/** A SQL string literal. */
export function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier. */
export function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/**
 * Runs `body` on a fresh in-memory DuckDB connection that `signal` interrupts, and closes it after.
 * An error `keep` accepts passes unchanged; any other becomes a {@link FeatureJobError} naming the
 * run (`cancelled` when the signal fired).
 */
export async function withDuckDb<T>(
  runId: string,
  signal: AbortSignal | undefined,
  keep: (error: unknown) => boolean,
  body: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const abort = (): void => connection.interrupt();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    signal?.throwIfAborted();
    return await body(connection);
  } catch (error) {
    if (keep(error)) throw error;
    if (signal?.aborted) throw new FeatureJobError(`feature job ${runId}: cancelled`, { cause: error });
    throw new FeatureJobError(`feature job ${runId}: ${(error as Error).message}`, { cause: error });
  } finally {
    signal?.removeEventListener('abort', abort);
    connection.closeSync();
    instance.closeSync();
  }
}
