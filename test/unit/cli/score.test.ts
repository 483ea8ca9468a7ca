import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../../local/cli/args';
import { command } from '../../../local/cli/commands/score';
import { CsvFormatError, UnsupportedModelError } from '../../../shared/errors';

const FIXTURES = fileURLToPath(new URL('../../fixtures/model/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

describe('sparkmaker score', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sparkmaker-score-'));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['binary_logistic.xgboost-model', 'binary_logistic.input.csv', []],
    ['binary_logistic.json', 'binary_logistic.input.libsvm', []],
    ['binary_logistic.ubj', 'binary_logistic.input.dense.rec', []],
    ['binary_logistic.xgboost-model', 'binary_logistic.input.sparse.rec', []],
    ['multi_softprob.xgboost-model', 'multi_softprob.input.libsvm', ['--content-type', 'text/libsvm']],
    [
      'multi_softprob.ubj',
      'multi_softprob.input.dense.rec',
      ['--content-type', 'application/x-recordio-protobuf'],
    ],
  ])('scores %s on %s into what batch transform writes as <input>.out', async (model, input, extra) => {
    // Prepare
    const output = join(dir, 'out');
    const expected = readFileSync(fixture(`${input.split('.')[0]}.input.out`), 'utf8');
    // Act
    const code = await command.run([
      '--model',
      fixture(model),
      '--input',
      fixture(input),
      '--output',
      output,
      ...extra,
    ]);
    // Assess
    expect(code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe(expected);
  });

  it('scores a SageMaker model.tar.gz of the wide model', async () => {
    // Prepare
    const input = join(dir, 'wide.csv');
    writeFileSync(input, gunzipSync(readFileSync(fixture('wide.input.csv.gz'))));
    // Act
    const code = await command.run([
      '--model',
      fixture('wide.model.tar.gz'),
      '--input',
      input,
      '--output',
      join(dir, 'o'),
    ]);
    // Assess
    expect(code).toBe(0);
    expect(readFileSync(join(dir, 'o'), 'utf8')).toBe(readFileSync(fixture('wide.input.out'), 'utf8'));
  });

  it('leaves no output, not even a partial one, when a row fails late in the input', async () => {
    // Prepare: many good rows, then one too wide for the model
    const good = readFileSync(fixture('binary_logistic.input.csv'), 'utf8');
    const input = join(dir, 'in.csv');
    writeFileSync(input, `${good.repeat(3000)}1,2,3,4,5,6,7,8,9\n`);
    const output = join(dir, 'out.csv');
    // Act / Assess
    await expect(
      command.run([
        '--model',
        fixture('binary_logistic.xgboost-model'),
        '--input',
        input,
        '--output',
        output,
      ]),
    ).rejects.toThrow(CsvFormatError);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(dir)).toEqual(['in.csv']);
  });

  it('refuses an unsupported model with a typed error', async () => {
    await expect(
      command.run([
        '--model',
        fixture('dart.json'),
        '--input',
        fixture('binary_logistic.input.csv'),
        '--output',
        join(dir, 'o'),
      ]),
    ).rejects.toThrow(UnsupportedModelError);
  });

  it('prints its usage with --help', async () => {
    // Prepare
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    // Act
    const code = await command.run(['--help']);
    // Assess
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/^Usage: sparkmaker score --model/);
  });

  it('refuses a missing option or an unknown content type as a usage error', async () => {
    await expect(command.run(['--model', fixture('dart.json')])).rejects.toThrow(UsageError);
    await expect(
      command.run([
        '--model',
        fixture('binary_logistic.json'),
        '--input',
        fixture('binary_logistic.input.csv'),
        '--output',
        join(dir, 'o'),
        '--content-type',
        'application/json',
      ]),
    ).rejects.toThrow(UsageError);
  });
});
