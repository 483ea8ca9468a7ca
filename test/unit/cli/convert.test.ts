import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../../local/cli/commands/convert';
import { ConversionError } from '../../../shared/errors';
import { parseLibSvm } from '../../../shared/formats/libsvm';
import { writeParquetTable } from '../../../shared/formats/parquet';
import { decodeRecordIO, recordFeatures, recordLabel } from '../../../shared/formats/record-protobuf';

const bin = fileURLToPath(new URL('../../../bin/sparkmaker.js', import.meta.url));
const CSV = 'id,age,label,income\nA,30,1,1000\nB,41,0,2.5\nC,abc,0,2\n';

describe('sparkmaker convert', () => {
  let dir: string;
  let stdout: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparkmaker-convert-'));
    stdout = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('converts a CSV to dense float32 RecordIO and quarantines the bad row beside the output', async () => {
    // Prepare
    writeFileSync(join(dir, 'in.csv'), CSV);
    // Act
    const code = await command.run([join(dir, 'in.csv'), join(dir, 'out.rec'), '--to', 'recordio-protobuf']);
    // Assess
    expect(code).toBe(0);
    const records = decodeRecordIO(readFileSync(join(dir, 'out.rec')));
    expect(records.map((r) => [recordLabel(r), recordFeatures(r)])).toEqual([
      [1, { kind: 'dense', values: Float32Array.of(30, 1000) }],
      [0, { kind: 'dense', values: Float32Array.of(41, 2.5) }],
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'out.rec.quarantine'), 'utf8'))).toMatchObject({
      line: 4,
      reason: "line 4: column 'age': expected a number, got 'abc'",
    });
    expect(stdout.join('')).toMatch(/converted 2 rows .*\nquarantined 1 rows in .*out\.rec\.quarantine/);
  });

  it('writes 0-based LibSVM with the chosen label and features', async () => {
    // Prepare
    writeFileSync(join(dir, 'in.csv'), 'a,b,y\n1,0,1\n2,,0\n');
    // Act
    const code = await command.run([
      join(dir, 'in.csv'),
      join(dir, 'out.libsvm'),
      '--to',
      'libsvm',
      '--label',
      'y',
      '--features',
      'b,a',
    ]);
    // Assess
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'out.libsvm'), 'utf8')).toBe('1 0:0 1:1\n0 1:2\n');
    expect(readdirSync(dir).sort()).toEqual(['in.csv', 'out.libsvm']);
  });

  it('reads Parquet and JSON Lines, the format taken from the extension or --from', async () => {
    // Prepare
    writeFileSync(
      join(dir, 'in.parquet'),
      writeParquetTable([
        { name: 'label', data: [1, 0], type: 'DOUBLE' },
        { name: 'x', data: [0.5, 0], type: 'DOUBLE' },
      ]),
    );
    writeFileSync(join(dir, 'rows.txt'), '{"label":1,"x":0.5}\n{"label":0,"x":0}\n');
    // Act
    const fromParquet = await command.run([
      join(dir, 'in.parquet'),
      join(dir, 'a.rec'),
      '--to',
      'recordio-protobuf',
      '--sparse',
    ]);
    const fromJsonl = await command.run([
      join(dir, 'rows.txt'),
      join(dir, 'b.csv'),
      '--to',
      'csv',
      '--from',
      'jsonl',
    ]);
    // Assess
    expect([fromParquet, fromJsonl]).toEqual([0, 0]);
    const sparse = decodeRecordIO(readFileSync(join(dir, 'a.rec'))).map((r) => recordFeatures(r));
    expect(sparse).toEqual([
      { kind: 'sparse', indices: [0], values: Float32Array.of(0.5), size: 1 },
      { kind: 'sparse', indices: [0], values: Float32Array.of(0), size: 1 },
    ]);
    expect(readFileSync(join(dir, 'b.csv'), 'utf8')).toBe('1,0.5\n0,0\n');
  });

  it('writes features only with --no-label', async () => {
    // Prepare
    writeFileSync(join(dir, 'in.csv'), CSV);
    // Act
    await command.run([join(dir, 'in.csv'), join(dir, 'out.libsvm'), '--to', 'libsvm', '--no-label']);
    // Assess
    const rows = parseLibSvm(readFileSync(join(dir, 'out.libsvm')), { indexBase: 0, hasLabel: false });
    expect(rows.map((r) => r.values)).toEqual([
      [30, 1000],
      [41, 2.5],
    ]);
  });

  it('fails on bad input without leaving a partial output or temp file', async () => {
    // Prepare: an unterminated quote after many good rows (more than one read chunk)
    writeFileSync(join(dir, 'in.csv'), `label,x\n${'1,2\n'.repeat(400_000)}0,"open\n`);
    // Act
    const run = command.run([join(dir, 'in.csv'), join(dir, 'out.csv'), '--to', 'csv']);
    // Assess
    await expect(run).rejects.toThrow(/unterminated quoted field.*in\.csv, line 400002/);
    expect(readdirSync(dir)).toEqual(['in.csv']);
  });

  it('fails when no row can be converted, keeping only the quarantine', async () => {
    // Prepare
    writeFileSync(join(dir, 'in.csv'), 'label,x\n,1\n,2\n');
    // Act / Assess
    await expect(command.run([join(dir, 'in.csv'), join(dir, 'out.csv'), '--to', 'csv'])).rejects.toThrow(
      ConversionError,
    );
    expect(readdirSync(dir).sort()).toEqual(['in.csv', 'out.csv.quarantine']);
  });

  it('exits 1 with a one-line reason for a missing label column, and 2 for a bad command line', () => {
    // Prepare
    writeFileSync(join(dir, 'in.csv'), 'a,b\n1,2\n');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'convert', ...args], { encoding: 'utf8' });
    // Act
    const bad = run(join(dir, 'in.csv'), join(dir, 'out.csv'), '--to', 'csv');
    const usage = run(join(dir, 'in.csv'), join(dir, 'out.csv'), '--to', 'xml');
    // Assess
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(
      /^sparkmaker convert: no label column 'label' in in\.csv \(columns: a, b\).*\n$/,
    );
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/--to must be one of csv, libsvm, recordio-protobuf/);
    expect(readdirSync(dir)).toEqual(['in.csv']);
  });
});
