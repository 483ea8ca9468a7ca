/**
 * KMeans, PCA and Linear Learner through both offline workflows: the training state machine
 * converts the features to RecordIO-protobuf, trains with the embedded trainer picked by the image,
 * batch-transforms the test split in the algorithm's format, evaluates by kind, gates and registers;
 * the scoring state machine scores with the registered model in Lambda, with the algorithm's
 * output columns.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';
import type { ExecutionRecord } from '../../local/services/sfn';
import { customersCsv } from '../../scripts/make-examples';
import { gunzip, readTar } from '../../shared/model';

const root = join(import.meta.dirname, '..', '..');
const DATA = 'sparkmaker-data';
const CUSTOM_IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/nearest-centroid:1';

function output(record: ExecutionRecord): Record<string, unknown> {
  return JSON.parse(record.output ?? '{}') as Record<string, unknown>;
}

describe('the 1P algorithms through the offline workflows', () => {
  let stateDir: string;
  let runtime: Runtime;

  beforeAll(async () => {
    // The custom image runs the example script (read by the local SageMaker when the runtime starts).
    process.env.SPARKMAKER_LOCAL_IMAGES = JSON.stringify({
      [CUSTOM_IMAGE]: [process.execPath, join(root, 'examples', 'custom-algorithm', 'nearest-centroid.mjs')],
    });
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-algo-e2e-'));
    runtime = await startRuntime({ root, stateDir, timeScale: 0.001 });
    await runtime.store.putObject(
      DATA,
      'incoming/customers.csv',
      customersCsv({ rows: 1200, seed: 7, dates: ['2024-06-01'], labelled: true }),
    );
    await runtime.store.putObject(
      DATA,
      'scoring/customers.csv',
      customersCsv({ rows: 300, seed: 9, dates: ['2024-06-03'], labelled: false, idOffset: 700_000 }),
    );
  });

  afterAll(async () => {
    delete process.env.SPARKMAKER_LOCAL_IMAGES;
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it.each([
    [
      'kmeans',
      { k: '4', init_method: 'kmeans++' },
      { metric: 'wcss', threshold: 1e12 },
      'id,closest_cluster,distance_to_cluster',
      'wcss',
    ],
    [
      'pca',
      { num_components: '2', mini_batch_size: '200' },
      { metric: 'explainedVarianceRatio', threshold: 0 },
      'id,projection_0,projection_1',
      'explained_variance_0',
    ],
    [
      'linear-learner',
      { predictor_type: 'binary_classifier', mini_batch_size: '100' },
      { metric: 'auc', threshold: 0.5 },
      'id,score,predicted_label',
      'auc',
    ],
  ] as const)(
    'trains, evaluates, registers and scores %s',
    async (algorithm, hyperparameters, gate, header, metric) => {
      // Act: training
      const group = `algo-${algorithm}`;
      const training = await runtime.run(
        'training',
        {
          input: { uri: `s3://${DATA}/incoming/customers.csv`, format: 'csv' },
          algorithm,
          hyperparameters,
          gate,
          modelPackageGroup: group,
          approvalStatus: 'Approved',
        },
        `train-${algorithm}`,
      );
      // Assess: training
      expect(training.error ?? '', training.cause).toBe('');
      expect(training.status).toBe('SUCCEEDED');
      const metrics = output(training).metrics as Record<string, number>;
      expect(typeof metrics[metric]).toBe('number');
      const models = join(stateDir, 's3');
      const artifactPath = (await readdir(models, { recursive: true })).find(
        (f) => f.includes(`train-${algorithm}`) && f.endsWith('model.tar.gz'),
      );
      expect(artifactPath).toBeDefined();
      const members = readTar(gunzip(new Uint8Array(await readFile(join(models, artifactPath!)))));
      expect(members.map((m) => m.name)).toEqual(['model_algo-1']);

      // Act: scoring with the registered model
      const scoring = await runtime.run(
        'scoring',
        {
          input: { uri: `s3://${DATA}/scoring/customers.csv`, format: 'csv' },
          model: { modelPackageGroup: group },
          dt: '2024-06-03',
          outputUri: `s3://${DATA}/scores/${algorithm}/`,
        },
        `score-${algorithm}`,
      );
      // Assess: scoring
      expect(scoring.error ?? '', scoring.cause).toBe('');
      expect(scoring.status).toBe('SUCCEEDED');
      const dir = join(stateDir, 's3', DATA, 'scores', algorithm, 'dt=2024-06-03');
      const parts = (await readdir(dir)).filter((f) => f.endsWith('.csv'));
      expect(parts.length).toBeGreaterThan(0);
      let rows = 0;
      for (const part of parts) {
        const lines = (await readFile(join(dir, part), 'utf8')).trimEnd().split('\n');
        expect(lines[0]).toBe(header);
        rows += lines.length - 1;
      }
      expect(rows).toBe(300);
    },
  );

  it('trains and evaluates a custom container mapped to a local command, and registers it', async () => {
    // Act
    const training = await runtime.run(
      'training',
      {
        input: { uri: `s3://${DATA}/incoming/customers.csv`, format: 'csv' },
        algorithm: 'custom',
        image: CUSTOM_IMAGE,
        hyperparameters: { shrinkage: '0.1' },
        gate: { metric: 'auc', threshold: 0.5 },
        modelPackageGroup: 'algo-custom',
        approvalStatus: 'Approved',
      },
      'train-custom',
    );
    // Assess
    expect(training.error ?? '', training.cause).toBe('');
    expect(training.status).toBe('SUCCEEDED');
    expect((output(training).metrics as { auc: number }).auc).toBeGreaterThan(0.5);
  });
});
