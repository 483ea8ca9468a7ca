/**
 * `sparkmaker init <table> [--label <column>] [--out <dir>] [--name <group>] [--state-dir .sparkmaker]`:
 * reads a local CSV, Parquet or JSON Lines file, proposes a table declaration (types sniffed from
 * the first rows or the Parquet schema; likely id, time and label columns), writes `training.json`
 * and `scoring.json` into `--out` (default: the current directory) and uploads the file to the
 * local data bucket (`s3://sparkmaker-data/tables/<file>`), so that
 * `sparkmaker run training --input training.json` trains on it with no other step.
 */
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  parquetColumnTypes,
  proposeDeclaration,
  type SniffedTable,
  sniffCsv,
  sniffJsonLines,
} from '../../../shared/features';
import { parquetColumns } from '../../../shared/formats/parquet';
import { findProjectRoot } from '../../runtime/project';
import { FileObjectStore } from '../../services/s3/file-store';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

const DATA_BUCKET = 'sparkmaker-data';
const HEAD_BYTES = 1024 * 1024;

function formatOf(file: string): 'csv' | 'parquet' | 'json' {
  const lower = file.toLowerCase();
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson') || lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.csv')) return 'csv';
  throw new UsageError(`${file}: cannot tell the format from the name; use a .csv, .parquet or .jsonl file`);
}

async function head(file: string, size: number): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

/** A model package group name from a file name. */
function groupName(file: string): string {
  const base = basename(file)
    .replace(/\.[^.]+$/, '')
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return (base === '' ? 'table' : base).slice(0, 63);
}

export const command: Command = {
  summary: 'propose a table declaration for a local file: init <table> [--label <column>] [--out <dir>]',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        label: { type: 'string' },
        out: { type: 'string', default: '.' },
        name: { type: 'string' },
        'state-dir': { type: 'string' },
        force: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker init <table.csv|.parquet|.jsonl> [--label <column>] [--out <dir>] [--name <model package group>] [--state-dir .sparkmaker] [--force]\n\n' +
          'Proposes a table declaration, writes training.json and scoring.json to --out (default .) and\n' +
          'uploads the file to the local data bucket, so `sparkmaker run training --input training.json` trains on it.\n',
      );
      return 0;
    }
    const file = positionals[0];
    if (file === undefined || positionals.length > 1)
      throw new UsageError('init takes one table file: init <table> [--label <column>]');
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`no file ${file}`);
    const format = formatOf(file);

    let sniffed: SniffedTable;
    if (format === 'parquet') {
      const bytes = new Uint8Array(await readFile(file));
      sniffed = { columns: parquetColumnTypes(await parquetColumns(bytes, { source: file })), rows: [] };
    } else {
      const text = await head(file, info.size);
      const complete = info.size <= HEAD_BYTES;
      sniffed =
        format === 'csv' ? sniffCsv(text, { complete, source: file }) : sniffJsonLines(text, { complete });
    }
    if (sniffed.columns.length === 0) throw new UsageError(`${file}: no columns found`);
    let proposal: ReturnType<typeof proposeDeclaration>;
    try {
      proposal = proposeDeclaration(sniffed, values.label === undefined ? {} : { label: values.label });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }

    const key = `tables/${basename(file)}`;
    const uri = `s3://${DATA_BUCKET}/${key}`;
    const group = values.name ?? groupName(file);
    const training = {
      input: { uri, format },
      table: proposal.table,
      hyperparameters: proposal.hyperparameters,
      gate: proposal.gate,
      modelPackageGroup: group,
      approvalStatus: 'Approved',
    };
    const scoring = { input: { uri, format }, table: proposal.table, model: { modelPackageGroup: group } };

    const out = resolve(values.out);
    await mkdir(out, { recursive: true });
    const targets = [join(out, 'training.json'), join(out, 'scoring.json')];
    const existing = targets.filter((t) => existsSync(t));
    if (existing.length > 0 && !values.force) {
      throw new UsageError(`${existing.join(' and ')} already exist; pass --force to overwrite`);
    }
    await writeFile(targets[0] as string, `${JSON.stringify(training, null, 2)}\n`);
    await writeFile(targets[1] as string, `${JSON.stringify(scoring, null, 2)}\n`);

    const stateDir = resolve(values['state-dir'] ?? join(findProjectRoot(), '.sparkmaker'));
    const store = new FileObjectStore(stateDir);
    await store.createBucket(DATA_BUCKET).catch(() => undefined);
    await store.putObject(DATA_BUCKET, key, await readFile(file));

    const w = (text: string) => process.stdout.write(text);
    w(
      `${file}: ${sniffed.columns.length} columns (${sniffed.columns.map((c) => `${c.name} ${c.type}`).join(', ')})\n`,
    );
    for (const note of proposal.notes) w(`  ${note}\n`);
    w(`uploaded to ${uri} (the local data bucket in ${stateDir})\n`);
    w(`wrote ${targets.join(' and ')}; edit them, then:\n  sparkmaker run training --input ${targets[0]}\n`);
    w(
      `(scoring.json scores the same file; point its input.uri at new data under s3://${DATA_BUCKET}/ to score that)\n`,
    );
    return 0;
  },
};
