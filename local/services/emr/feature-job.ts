/**
 * The offline stand-in for the EMR Serverless feature job: runs `jobs/features/features.sql` with
 * DuckDB under the Spark job's argument contract (docs/contracts.md), against buckets kept as plain
 * directories (`s3://b/k` → `<s3Root>/b/k`). It writes the same layout as `jobs/features/main.py`:
 * train: `<output>/split=<split>/dt=<dt>/part-*.parquet`; score: `<output>/dt=<dt>/part-*.parquet`;
 * then `<output>/_SUCCESS`.
 *
 * @example
 * ```ts
 * const result = await runFeatureJob({
 *   s3Root: '.sparkmaker/s3',
 *   entryPointArguments: ['--input', 's3://sparkmaker-data/incoming/', '--input-format', 'csv',
 *     '--output', 's3://sparkmaker-data/features/train-1/', '--run-id', 'train-1', '--mode', 'train'],
 * });
 * ```
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureJobError } from '../../../shared/errors';
import { runDeclaredJob } from './declared-job';
import { reader, validateCsv, withDuckDb, writeFeatureTable } from './feature-duckdb';
import { type FeatureJobOptions, type FeatureJobResult, parseFeatureJobArguments } from './feature-job-args';
import { inputFiles, localPathOf, partitionsOf, uriOf } from './feature-paths';

export {
  type FeatureInputFormat,
  type FeatureJobArguments,
  type FeatureJobMode,
  type FeatureJobOptions,
  type FeatureJobResult,
  parseFeatureJobArguments,
} from './feature-job-args';
export { defaultQuarantineUri, defaultSpecUri, localPathOf } from './feature-paths';

/** The feature SQL shipped with the Spark job: the one both engines run. */
export const FEATURE_SQL_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../jobs/features/features.sql',
);

/** Runs the feature job. Throws {@link FeatureJobError} carrying DuckDB's message when the SQL fails. */
export async function runFeatureJob(options: FeatureJobOptions): Promise<FeatureJobResult> {
  const args = parseFeatureJobArguments(options.entryPointArguments);
  if (args.plan !== undefined) return runDeclaredJob(options, args);
  const sqlFile =
    args.sql !== undefined ? localPathOf(options.s3Root, args.sql) : (options.sqlFile ?? FEATURE_SQL_FILE);
  if (args.sql !== undefined && !(await stat(sqlFile).catch(() => undefined))?.isFile()) {
    throw new FeatureJobError(`feature job: no SQL object at ${args.sql} (--sql)`);
  }
  const sql = (await readFile(sqlFile, 'utf8')).trim().replace(/;\s*$/, '');
  const inputs = await inputFiles(options.s3Root, args.input, args.inputFormat);
  if (args.inputFormat === 'csv') {
    for (const file of inputs) await validateCsv(file, uriOf(options.s3Root, file), options.signal);
  }
  const outputDir = localPathOf(options.s3Root, args.output);

  return withDuckDb(
    args.runId,
    options.signal,
    (e) => e instanceof FeatureJobError,
    async (connection) => {
      await connection.run(`CREATE VIEW source AS SELECT * FROM ${reader(args.inputFormat, inputs)}`);
      const columns = (await connection.runAndReadAll('DESCRIBE source'))
        .getRowObjectsJS()
        .map((row) => String(row.column_name));
      const churned = columns.includes('churned') ? '' : ', CAST(NULL AS VARCHAR) AS churned';
      await connection.run(`CREATE VIEW raw AS SELECT *${churned} FROM source`);

      try {
        await connection.run(`CREATE TABLE features AS ${sql}`);
      } catch (error) {
        throw new FeatureJobError(
          `feature job ${args.runId}: ${path.basename(sqlFile)} failed in DuckDB: ${(error as Error).message}`,
          { cause: error },
        );
      }
      const featureColumns = (await connection.runAndReadAll('DESCRIBE features'))
        .getRowObjectsJS()
        .map((row) => String(row.column_name));
      for (const required of ['dt', 'split', 'label']) {
        if (!featureColumns.includes(required)) {
          throw new FeatureJobError(
            `feature job ${args.runId}: ${path.basename(sqlFile)} must yield a column '${required}'`,
          );
        }
      }
      const idColumn = ['customer_id', 'id'].find((c) => featureColumns.includes(c));
      if (idColumn === undefined) {
        throw new FeatureJobError(
          `feature job ${args.runId}: ${path.basename(sqlFile)} must yield an id column ('customer_id' or 'id')`,
        );
      }
      const rows = await writeFeatureTable(
        connection,
        options.s3Root,
        args,
        outputDir,
        featureColumns,
        idColumn,
      );
      return {
        runId: args.runId,
        mode: args.mode,
        outputUri: args.output,
        rows,
        partitions: await partitionsOf(outputDir),
        featureColumns: featureColumns.filter((column) => column.startsWith('f_')),
      };
    },
  );
}
