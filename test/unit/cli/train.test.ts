import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../../../local/cli/commands/train';
import { gunzip, loadModel, readTar } from '../../../shared/model';

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'cli-train-'));
  const lines = Array.from({ length: 80 }, (_, i) => `${i % 10 > 4 ? 1 : 0},${i % 10},${(i * 3) % 7}`);
  writeFileSync(join(dir, 'train.csv'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'validation.csv'), `${lines.slice(0, 20).join('\n')}\n`);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sparkmaker train', () => {
  it('writes a model.tar.gz whose xgboost-model the scorer loads and reports the final metrics', async () => {
    // Prepare
    const dir = files();
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    // Act
    const code = await command.run([
      '--algorithm',
      'xgboost',
      '--train',
      join(dir, 'train.csv'),
      '--validation',
      join(dir, 'validation.csv'),
      '--hyperparameters',
      '{"num_round":"5","objective":"binary:logistic","eval_metric":"auc"}',
      '--output',
      join(dir, 'model.tar.gz'),
      '--backend',
      'embedded',
    ]);
    // Assess
    const archive = readFileSync(join(dir, 'model.tar.gz'));
    expect(code).toBe(0);
    expect(readTar(gunzip(archive)).map((e) => e.name)).toEqual(['xgboost-model']);
    expect(loadModel(archive).numFeature).toBe(2);
    expect(out.join('')).toMatch(/trained 5 rounds on 80 rows x 2 features \(embedded, .*validation:auc=/);
  });

  it("fails with the container's reason for invalid hyperparameters", async () => {
    const dir = files();
    await expect(
      command.run([
        '--train',
        join(dir, 'train.csv'),
        '--hyperparameters',
        '{"num_round":"5","objective":"multi:softmax"}',
        '--output',
        join(dir, 'model.tar.gz'),
      ]),
    ).rejects.toThrow("ClientError: Require input for parameter 'num_class' for multi-classification");
  });

  it('refuses hyperparameters that are not strings, as SageMaker does', async () => {
    const dir = files();
    await expect(
      command.run([
        '--train',
        join(dir, 'train.csv'),
        '--hyperparameters',
        '{"num_round":5}',
        '--output',
        join(dir, 'm.tar.gz'),
      ]),
    ).rejects.toThrow(/'num_round' must be a string/);
  });

  it('asks for --content-type when the extension does not tell', async () => {
    const dir = files();
    await expect(
      command.run([
        '--train',
        join(dir, 'data.bin'),
        '--hyperparameters',
        '{"num_round":"1"}',
        '--output',
        join(dir, 'm.tar.gz'),
      ]),
    ).rejects.toMatchObject({ name: 'UsageError' });
  });
});
