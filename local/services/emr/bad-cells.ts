/** Bad-cell quarantine of declared feature jobs. */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { BadCellsError } from '../../../shared/errors';
import type { FeaturePlan } from '../../../shared/features';
import { literal } from './feature-duckdb';
import type { FeatureJobArguments } from './feature-job-args';
import { defaultQuarantineUri, localPathOf } from './feature-paths';

/**
 * Counts the cells of each checked column that do not parse as its type; writes the rows holding
 * any to `<quarantine>bad-cells.csv` with a `_reason` column; throws {@link BadCellsError} when a
 * column's share of bad cells passes the plan's threshold.
 */
export async function countBadCells(
  connection: DuckDBConnection,
  plan: FeaturePlan,
  args: FeatureJobArguments,
  s3Root: string,
): Promise<{ counts: Record<string, number>; quarantineUri?: string }> {
  const row = (await connection.runAndReadAll(plan.sql.duckdb.badCells)).getRowObjectsJS()[0] ?? {};
  const total = Number(row.row_count ?? 0);
  const counts: Record<string, number> = {};
  plan.badCellColumns.forEach((c, i) => {
    counts[c.column] = Number(row[`bad_${i}`] ?? 0);
  });
  const bad = Object.values(counts).reduce((a, b) => a + b, 0);
  const quarantinePrefix = args.quarantine ?? defaultQuarantineUri(args.output);
  const quarantineUri = `${quarantinePrefix.replace(/\/?$/, '/')}bad-cells.csv`;
  const quarantineFile = localPathOf(s3Root, quarantineUri);
  await rm(quarantineFile, { force: true });
  if (bad === 0) return { counts };
  await mkdir(path.dirname(quarantineFile), { recursive: true });
  await connection.run(
    `COPY (${plan.sql.duckdb.quarantine}) TO ${literal(quarantineFile)} (FORMAT CSV, HEADER)`,
  );
  const over = Object.entries(counts).filter(([, n]) => total > 0 && n / total > plan.ir.badCellThreshold);
  if (over.length > 0) {
    const list = over
      .map(([column, n]) => {
        const type = plan.badCellColumns.find((c) => c.column === column)?.type ?? 'value';
        return `'${column}' ${n} of ${total} (${((100 * n) / total).toFixed(2)} %) not ${type === 'number' ? 'numbers' : `${type}s`}`;
      })
      .join(', ');
    throw new BadCellsError(
      `BadCellsError: feature job ${args.runId}: too many cells do not parse as their column's type (threshold ${(100 * plan.ir.badCellThreshold).toFixed(2)} %, table.badCellThreshold): ${list}; the rows are in ${quarantineUri} with the reason`,
    );
  }
  return { counts, quarantineUri };
}
