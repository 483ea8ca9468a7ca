import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { command as score } from '../../../local/cli/commands/score';
import { command as train } from '../../../local/cli/commands/train';
import { algorithmRows, loadAlgorithmModel } from '../../../shared/algorithms';
import { decodeRecordIO, encodeRecordIO, tensor } from '../../../shared/formats';

let dir: string;
const out: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cli-algo-'));
  out.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** 200 rows in two blobs; label = blob. */
function data(): { x: number[][]; y: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 200; i++) {
    const c = i % 2;
    x.push([c * 4 + ((i * 13) % 10) / 10, -c * 2 + ((i * 7) % 10) / 10, ((i * 3) % 10) / 10]);
    y.push(c);
  }
  return { x, y };
}

const csv = (rows: number[][]): string => `${rows.map((r) => r.join(',')).join('\n')}\n`;

describe('sparkmaker train and score with the 1P algorithms', () => {
  it('trains KMeans from CSV and scores to closest_cluster,distance_to_cluster by default, as the Lambda scorer does', async () => {
    // Prepare
    const { x } = data();
    writeFileSync(join(dir, 'train.csv'), csv(x));
    writeFileSync(join(dir, 'score.csv'), csv(x.slice(0, 10)));
    // Act
    await train.run([
      '--algorithm',
      'kmeans',
      '--train',
      join(dir, 'train.csv'),
      '--hyperparameters',
      '{"k":"2","feature_dim":"3"}',
      '--output',
      join(dir, 'model.tar.gz'),
    ]);
    await score.run([
      '--model',
      join(dir, 'model.tar.gz'),
      '--input',
      join(dir, 'score.csv'),
      '--output',
      join(dir, 'score.csv.out'),
    ]);
    await score.run([
      '--model',
      join(dir, 'model.tar.gz'),
      '--input',
      join(dir, 'score.csv'),
      '--output',
      join(dir, 'score.json'),
      '--accept',
      'application/json',
    ]);
    // Assess
    expect(out.join('')).toMatch(
      /^kmeans: k=2 on 200 records x 3 features.*\nwrote .*model\.tar\.gz \(member model_algo-1\)\n$/s,
    );
    const model = loadAlgorithmModel(readFileSync(join(dir, 'model.tar.gz')));
    const rows = algorithmRows(new TextEncoder().encode(csv(x.slice(0, 10))), 'text/csv', 3);
    const scored = model.score(rows.x, rows.rows);
    const text = readFileSync(join(dir, 'score.csv.out'), 'utf8');
    expect(text).toBe(model.formatBatch(scored, 'text/csv'));
    const clusters = text
      .trimEnd()
      .split('\n')
      .map((line) => line.split(',')[0]);
    expect(clusters[0]).toBe(clusters[2]);
    expect(clusters[0]).not.toBe(clusters[1]);
    expect(readFileSync(join(dir, 'score.json'), 'utf8')).toBe(model.formatBatch(scored, 'application/json'));
  });

  it('trains PCA from Spark-style 1-based LibSVM and scores JSON Lines projections', async () => {
    // Prepare
    const { x, y } = data();
    writeFileSync(
      join(dir, 'train.libsvm'),
      `${x.map((r, i) => `${y[i]} ${r.map((v, j) => `${j + 1}:${v}`).join(' ')}`).join('\n')}\n`,
    );
    writeFileSync(join(dir, 'score.csv'), csv(x.slice(0, 4)));
    // Act
    await train.run([
      '--algorithm',
      'pca',
      '--train',
      join(dir, 'train.libsvm'),
      '--hyperparameters',
      '{"num_components":"2","feature_dim":"3","mini_batch_size":"50"}',
      '--output',
      join(dir, 'pca.tar.gz'),
    ]);
    await score.run([
      '--model',
      join(dir, 'pca.tar.gz'),
      '--input',
      join(dir, 'score.csv'),
      '--output',
      join(dir, 'score.out'),
    ]);
    // Assess
    expect(readFileSync(join(dir, 'score.out'), 'utf8')).toMatch(/^(\{"projection": \[\S+, \S+\]\}\n){4}$/);
  });

  it('trains a Linear Learner regressor from RecordIO-protobuf and scores RecordIO answers', async () => {
    // Prepare
    const { x } = data();
    const target = x.map((r) => 2 * r[0]! - r[1]! + 0.5);
    writeFileSync(
      join(dir, 'train.rec'),
      encodeRecordIO(
        x.map((r, i) => ({
          features: { values: tensor('float32', r) },
          label: { values: tensor('float32', [target[i]!]) },
        })),
      ),
    );
    writeFileSync(join(dir, 'score.csv'), csv(x.slice(0, 5)));
    // Act
    await train.run([
      '--algorithm',
      'linear-learner',
      '--train',
      join(dir, 'train.rec'),
      '--hyperparameters',
      '{"predictor_type":"regressor","mini_batch_size":"20","epochs":"30"}',
      '--output',
      join(dir, 'll.tar.gz'),
    ]);
    await score.run([
      '--model',
      join(dir, 'll.tar.gz'),
      '--input',
      join(dir, 'score.csv'),
      '--output',
      join(dir, 'score.rec'),
      '--accept',
      'application/x-recordio-protobuf',
    ]);
    // Assess
    const records = decodeRecordIO(readFileSync(join(dir, 'score.rec')));
    expect(records).toHaveLength(5);
    records.forEach((record, i) => {
      const value = (record.label.get('score') as { values: Float32Array }).values[0]!;
      expect(Math.abs(value - target[i]!)).toBeLessThan(0.05);
    });
  });

  it('refuses an Accept the algorithm does not answer and bad hyperparameters with the container reason', async () => {
    // Prepare
    const { x } = data();
    writeFileSync(join(dir, 'train.csv'), csv(x));
    await train.run([
      '--algorithm',
      'pca',
      '--train',
      join(dir, 'train.csv'),
      '--hyperparameters',
      '{"num_components":"1","feature_dim":"3","mini_batch_size":"10"}',
      '--output',
      join(dir, 'pca.tar.gz'),
    ]);
    // Act / Assess
    await expect(
      score.run([
        '--model',
        join(dir, 'pca.tar.gz'),
        '--input',
        join(dir, 'train.csv'),
        '--output',
        join(dir, 'x.out'),
        '--accept',
        'text/csv',
      ]),
    ).rejects.toThrow(/Accept 'text\/csv' is not answered/);
    await expect(
      train.run([
        '--algorithm',
        'kmeans',
        '--train',
        join(dir, 'train.csv'),
        '--hyperparameters',
        '{"k":"1","feature_dim":"3"}',
        '--output',
        join(dir, 'k.tar.gz'),
      ]),
    ).rejects.toThrow(
      "ClientError: The value '1' is not valid for the 'k' hyperparameter which expects an integer >= 2 (caused by ValidationError) (train.csv)",
    );
  });
});
