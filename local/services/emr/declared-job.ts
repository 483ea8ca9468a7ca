/** The declared-plan path of the feature job (`--plan`). */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BadCellsError, FeatureJobError } from '../../../shared/errors';
import {
  parsePlan,
  requiredColumns,
  specOf,
  type Vocabulary,
  vocabularyOf,
  vocabularyRows,
} from '../../../shared/features';
import { closest } from '../../../shared/fields';
import { countBadCells } from './bad-cells';
import { literal, quote, reader, validateCsv, withDuckDb, writeFeatureTable } from './feature-duckdb';
import type { FeatureJobArguments, FeatureJobOptions, FeatureJobResult } from './feature-job-args';
import { defaultSpecUri, inputFiles, localPathOf, partitionsOf, uriOf } from './feature-paths';

/**
 * Runs a declared feature job: the plan's DuckDB statements (shared/features/compile.ts) over the
 * input with every column read as a string. Counts bad cells per checked column, writes the rows
 * holding them (with `_reason`) to the quarantine prefix and stops with {@link BadCellsError} when a
 * column's share passes the plan's threshold. Training learns the vocabulary and writes the feature
 * spec; scoring applies the vocabulary of the spec it is given.
 */
export async function runDeclaredJob(
  options: FeatureJobOptions,
  args: FeatureJobArguments,
): Promise<FeatureJobResult> {
  const planUri = args.plan as string;
  const planFile = localPathOf(options.s3Root, planUri);
  const planText = await readFile(planFile, 'utf8').catch((error: unknown) => {
    throw new FeatureJobError(`feature job ${args.runId}: cannot read the feature plan ${planUri}`, {
      cause: error,
    });
  });
  const plan = parsePlan(planText, planUri);
  const hasCategorical = plan.ir.features.some((f) => f.kind === 'categorical');
  if (args.mode === 'score' && hasCategorical && plan.vocabulary === undefined) {
    throw new FeatureJobError(
      `feature job ${args.runId}: ${planUri} is a plan, not a trained feature spec: scoring needs the vocabulary training learned (the model's feature-spec.json)`,
    );
  }
  const sql = plan.sql.duckdb;
  const inputs = await inputFiles(options.s3Root, args.input, args.inputFormat);
  if (args.inputFormat === 'csv') {
    for (const file of inputs) await validateCsv(file, uriOf(options.s3Root, file), options.signal);
  }
  const outputDir = localPathOf(options.s3Root, args.output);
  const runDate = args.runDate ?? new Date().toISOString().slice(0, 10);

  return withDuckDb(
    args.runId,
    options.signal,
    (e) => e instanceof FeatureJobError || e instanceof BadCellsError,
    async (connection) => {
      const step = async (what: string, statement: string): Promise<void> => {
        try {
          await connection.run(statement);
        } catch (error) {
          throw new FeatureJobError(
            `feature job ${args.runId}: the ${what} statement failed in DuckDB: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
      };
      await connection.run(`CREATE VIEW source AS SELECT * FROM ${reader(args.inputFormat, inputs)}`);
      const present = (await connection.runAndReadAll('DESCRIBE source'))
        .getRowObjectsJS()
        .map((row) => String(row.column_name));
      const required = [
        ...requiredColumns(plan.ir),
        ...(args.mode === 'train' && plan.ir.label ? [plan.ir.label.name] : []),
      ];
      const absent = required.filter((column) => !present.includes(column));
      if (absent.length > 0) {
        const hints = absent.map((column) => {
          const near = closest(column, present);
          return `'${column}'${near === undefined ? '' : ` (did you mean '${near}'?)`}`;
        });
        throw new FeatureJobError(
          `feature job ${args.runId}: the input ${args.input} has no column ${hints.join(', ')}, which ${planUri} needs; its columns: ${present.join(', ')}`,
        );
      }
      // Every column as a string (as Spark reads CSV without inferSchema); absent optional ones NULL.
      const rawColumns = [
        ...present.map((c) => `CAST(${quote(c)} AS VARCHAR) AS ${quote(c)}`),
        ...plan.ir.columns
          .filter((c) => !present.includes(c.name))
          .map((c) => `CAST(NULL AS VARCHAR) AS ${quote(c.name)}`),
      ];
      await connection.run(`CREATE VIEW raw AS SELECT ${rawColumns.join(', ')} FROM source`);
      await connection.run(`CREATE VIEW job AS SELECT ${literal(runDate)} AS run_date`);
      await step('typed', `CREATE TABLE typed AS ${sql.typed}`);

      const badCells = await countBadCells(connection, plan, args, options.s3Root);

      if (args.mode === 'train') {
        await step('vocabulary', `CREATE TABLE vocabulary AS ${sql.vocabulary}`);
      } else {
        await connection.run('CREATE TABLE vocabulary (column_name VARCHAR, code INTEGER, value VARCHAR)');
        const rows = vocabularyRows(plan.vocabulary ?? {});
        if (rows.length > 0) {
          await connection.run(
            `INSERT INTO vocabulary VALUES ${rows.map((r) => `(${literal(r.column_name)}, ${r.code}, ${literal(r.value)})`).join(', ')}`,
          );
        }
      }
      const vocabulary: Vocabulary =
        args.mode === 'train'
          ? vocabularyOf(
              (
                await connection.runAndReadAll('SELECT column_name, code, value FROM vocabulary')
              ).getRowObjectsJS() as {
                column_name: unknown;
                code: unknown;
                value: unknown;
              }[],
              plan.ir,
            )
          : (plan.vocabulary ?? {});

      await step('features', `CREATE TABLE features AS ${sql.features}`);
      const columns = ['id', 'dt', 'split', 'label', ...plan.featureColumns];
      const rows = await writeFeatureTable(connection, options.s3Root, args, outputDir, columns, 'id');

      let specUri: string | undefined;
      if (args.mode === 'train') {
        specUri = args.specOutput ?? defaultSpecUri(args.output);
        const specFile = localPathOf(options.s3Root, specUri);
        await mkdir(path.dirname(specFile), { recursive: true });
        await writeFile(specFile, `${JSON.stringify(specOf(plan, vocabulary, args.runId), null, 2)}\n`);
      }
      return {
        runId: args.runId,
        mode: args.mode,
        outputUri: args.output,
        rows,
        partitions: await partitionsOf(outputDir),
        featureColumns: plan.featureColumns,
        badCells: badCells.counts,
        ...(badCells.quarantineUri === undefined ? {} : { quarantineUri: badCells.quarantineUri }),
        ...(specUri === undefined ? {} : { specUri }),
      };
    },
  );
}
