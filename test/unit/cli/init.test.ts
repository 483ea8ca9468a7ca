import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../../local/cli/commands/init';
import { proposeDeclaration, sniffCsv } from '../../../shared/features';

const CSV = [
  'account,signup,plan,spend,active,price',
  ...Array.from(
    { length: 30 },
    (_, i) =>
      `a${i},2024-01-${String((i % 28) + 1).padStart(2, '0')},${['free', 'pro'][i % 2]},${i * 1.5},${i % 3 === 0},${100 + i * 7.25}`,
  ),
].join('\n');

describe('sparkmaker init', () => {
  let dir: string;
  let printed: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'init-'));
    printed = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      printed += String(text);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('proposes a declaration, writes training.json and scoring.json and uploads the file to the local bucket', async () => {
    writeFileSync(path.join(dir, 'sales.csv'), CSV);
    const code = await command.run([
      path.join(dir, 'sales.csv'),
      ...['--label', 'price', '--out', path.join(dir, 'out'), '--state-dir', path.join(dir, 'state')],
    ]);
    expect(code).toBe(0);
    const training = JSON.parse(readFileSync(path.join(dir, 'out', 'training.json'), 'utf8'));
    expect(training).toMatchObject({
      input: { uri: 's3://sparkmaker-data/tables/sales.csv', format: 'csv' },
      table: {
        id: 'account',
        label: 'price',
        time: 'signup',
        features: ['signup', { column: 'plan', kind: 'categorical', top: 2 }, 'spend', 'active'],
      },
      hyperparameters: { objective: 'reg:squarederror' },
      gate: { metric: 'rmse' },
      modelPackageGroup: 'sales',
    });
    const scoring = JSON.parse(readFileSync(path.join(dir, 'out', 'scoring.json'), 'utf8'));
    expect(scoring.model).toEqual({ modelPackageGroup: 'sales' });
    expect(
      readFileSync(path.join(dir, 'state', 's3', 'sparkmaker-data', 'tables', 'sales.csv'), 'utf8'),
    ).toBe(CSV);
    expect(printed).toContain('sparkmaker run training --input');
  });

  it('names a misspelt --label and suggests the nearest column', async () => {
    writeFileSync(path.join(dir, 'sales.csv'), CSV);
    await expect(
      command.run([
        path.join(dir, 'sales.csv'),
        '--label',
        'prise',
        '--out',
        dir,
        '--state-dir',
        path.join(dir, 's'),
      ]),
    ).rejects.toThrow("--label: no column 'prise' (did you mean 'price'?)");
  });

  it('refuses to overwrite an earlier declaration without --force', async () => {
    writeFileSync(path.join(dir, 'sales.csv'), CSV);
    writeFileSync(path.join(dir, 'training.json'), '{}');
    await expect(
      command.run([path.join(dir, 'sales.csv'), '--out', dir, '--state-dir', path.join(dir, 's')]),
    ).rejects.toThrow('already exist; pass --force');
  });
});

describe('proposeDeclaration', () => {
  it('guesses a 0/1 label as binary, small integer classes as multi-class', () => {
    const binary = proposeDeclaration(sniffCsv('id,x,churned\na,1,0\nb,2,1\n', { complete: true }));
    expect(binary.table.label).toBe('churned');
    expect(binary.hyperparameters.objective).toBe('binary:logistic');
    const multi = proposeDeclaration(sniffCsv('x,class\n1,0\n2,1\n3,2\n', { complete: true }));
    expect(multi.hyperparameters).toMatchObject({ objective: 'multi:softprob', num_class: '3' });
    expect(multi.gate.metric).toBe('accuracy');
  });
});
