import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const jobDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../jobs/features');
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;

/** Runs a snippet with main.py importable (pyspark is imported lazily, so it need not be installed). */
function py(code: string): string {
  return execFileSync(python as string, ['-B', '-c', `import json, main\n${code}`], {
    cwd: jobDir,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
}

describe.skipIf(python === undefined)('the PySpark entry point main.py', () => {
  it('parses the contract arguments and partitions train output by split and dt', () => {
    // Act
    const out = JSON.parse(
      py(
        "a = main.parse_args(['--input', 's3://d/incoming/', '--input-format', 'csv', '--output', 's3://d/f/', '--run-id', 'train-1', '--mode', 'train'])\n" +
          "print(json.dumps({'args': vars(a), 'train': main.partition_columns('train'), 'score': main.partition_columns('score')}))",
      ),
    );

    // Assess
    expect(out).toEqual({
      args: {
        input: 's3://d/incoming/',
        input_format: 'csv',
        output: 's3://d/f/',
        run_id: 'train-1',
        mode: 'train',
        plan: null,
        spec_output: null,
        quarantine: null,
        run_date: null,
        sql: null,
      },
      train: ['split', 'dt'],
      score: ['dt'],
    });
  });

  it('rejects an unknown mode and a non-S3 output with a usage error', () => {
    // Act
    const badMode = spawnSync(
      python as string,
      [
        '-B',
        'main.py',
        '--input',
        's3://d/i',
        '--input-format',
        'csv',
        '--output',
        's3://d/o',
        '--run-id',
        'r',
        '--mode',
        'predict',
      ],
      { cwd: jobDir, encoding: 'utf8' },
    );
    const badOutput = spawnSync(
      python as string,
      [
        '-B',
        'main.py',
        '--input',
        's3://d/i',
        '--input-format',
        'csv',
        '--output',
        '/tmp/o',
        '--run-id',
        'r',
        '--mode',
        'score',
      ],
      { cwd: jobDir, encoding: 'utf8' },
    );

    // Assess
    expect(badMode.status).toBe(2);
    expect(badMode.stderr).toContain("argument --mode: invalid choice: 'predict'");
    expect(badOutput.status).toBe(2);
    expect(badOutput.stderr).toContain("--output must be an s3:// URI, got '/tmp/o'");
  });

  it('repartitions by the partition columns before writing, so each partition is one object', () => {
    // Prepare
    const fake =
      'calls = []\n' +
      'class W:\n' +
      '    def mode(self, m): calls.append(["mode", m]); return self\n' +
      '    def partitionBy(self, *c): calls.append(["partitionBy", list(c)]); return self\n' +
      '    def parquet(self, p): calls.append(["parquet", p])\n' +
      'class D:\n' +
      '    @property\n' +
      '    def write(self): calls.append(["write"]); return W()\n' +
      '    def repartition(self, *c): calls.append(["repartition", list(c)]); return D()\n';

    // Act
    const calls = ['train', 'score'].map((mode) =>
      JSON.parse(py(`${fake}main.write_features(D(), 's3://d/f', '${mode}')\nprint(json.dumps(calls))`)),
    );

    // Assess
    expect(calls[0]).toEqual([
      ['repartition', ['split', 'dt']],
      ['write'],
      ['mode', 'overwrite'],
      ['partitionBy', ['split', 'dt']],
      ['parquet', 's3://d/f'],
    ]);
    expect(calls[1][0]).toEqual(['repartition', ['dt']]);
    expect(calls[1][3]).toEqual(['partitionBy', ['dt']]);
  });

  it('finds features.sql beside itself when not submitted with --files', () => {
    // Act
    const sql = py('print(main.load_sql())');

    // Assess
    expect(sql).toContain('FROM raw');
    expect(sql.trim().endsWith(';')).toBe(false);
  });
});
