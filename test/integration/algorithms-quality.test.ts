/**
 * The embedded KMeans, PCA and Linear Learner trainers against scikit-learn in the same run
 * (Debian python3-sklearn, test-only; skipped with a printed reason without it), and the
 * sagemaker-spark README example: KMeans k=10 on the digits written to LibSVM by
 * `scripts/fixtures/sklearn_reference.py`, trained from RecordIO-protobuf in the local SageMaker and
 * batch-transformed to closest_cluster,distance_to_cluster.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../local/services/object-store';
import { inertia } from '../../local/services/sagemaker/kmeans/train';
import { createSageMakerService } from '../../local/services/sagemaker/service';
import { trainBuiltin } from '../../local/services/sagemaker/trainers';
import { algorithmByName, algorithmImage, algorithmRows, loadAlgorithmModel } from '../../shared/algorithms';
import { encodeRecordIO, LibSvmReader, tensor, utf8Text } from '../../shared/formats';
import { gunzip, readTar } from '../../shared/model';
import { readNDArrayFile } from '../../shared/model/ndarray';

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(__dirname, '../../scripts/fixtures/sklearn_reference.py');
const hasSklearn =
  spawnSync(PYTHON, ['-c', 'import sklearn, threadpoolctl'], { encoding: 'utf8' }).status === 0;
if (!hasSklearn) {
  console.warn(
    'skipping the scikit-learn quality tests: /usr/bin/python3 cannot import sklearn (Debian python3-sklearn)',
  );
}

function reference<T>(...args: string[]): T {
  const run = spawnSync(PYTHON, [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`sklearn_reference.py ${args.join(' ')} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const channel = (name: string, text: string | Uint8Array, contentType: string) =>
  [name, { files: [{ name, bytes: typeof text === 'string' ? enc(text) : text }], contentType }] as const;

function digits(dir: string): { x: number[][]; y: number[]; libsvm: string } {
  reference('digits-libsvm', join(dir, 'digits.libsvm'));
  const libsvm = readFileSync(join(dir, 'digits.libsvm'), 'utf8');
  const reader = new LibSvmReader({ indexBase: 1 });
  const rows = [...reader.push(enc(libsvm)), ...reader.end()];
  const x = rows.map((r) => {
    const dense = new Array<number>(64).fill(0);
    r.indices.forEach((j, k) => {
      dense[j] = r.values[k]!;
    });
    return dense;
  });
  return { x, y: rows.map((r) => r.label), libsvm };
}

describe.skipIf(!hasSklearn)('embedded trainers against scikit-learn', () => {
  it('reproduces the sagemaker-spark KMeans example on the digits: k=10 from RecordIO, scored to closest_cluster,distance_to_cluster, inertia within 2 % of sklearn', async () => {
    // Prepare: LibSVM (the example's input) → dense RecordIO-protobuf, as sagemaker-spark writes it
    const dir = mkdtempSync(join(tmpdir(), 'digits-'));
    const { x } = digits(dir);
    const store = new MemoryObjectStore();
    const service = createSageMakerService({ store, stateDir: mkdtempSync(join(tmpdir(), 'sm-digits-')) });
    await store.putObject(
      'data',
      'digits/train/part-0.pbr',
      encodeRecordIO(x.map((r) => ({ features: { values: tensor('float32', r) } }))),
    );
    await store.putObject('data', 'digits/score/part-0.csv', `${x.map((r) => r.join(',')).join('\n')}\n`);
    const image = algorithmImage('kmeans', 'us-east-1');
    // Act
    const job = (await service.resources['arn:aws:states:::sagemaker:createTrainingJob.sync']!({
      TrainingJobName: 'digits-kmeans',
      AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' },
      HyperParameters: { k: '10', feature_dim: '64', init_method: 'kmeans++', local_lloyd_num_trials: '10' },
      InputDataConfig: [
        {
          ChannelName: 'train',
          ContentType: 'application/x-recordio-protobuf',
          DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/digits/train/' } },
        },
      ],
      OutputDataConfig: { S3OutputPath: 's3://data/models/' },
    })) as { ModelArtifacts: { S3ModelArtifacts: string } };
    await service.resources['arn:aws:states:::sagemaker:createModel']!({
      ModelName: 'digits-kmeans',
      PrimaryContainer: { Image: image, ModelDataUrl: job.ModelArtifacts.S3ModelArtifacts },
    });
    await service.resources['arn:aws:states:::sagemaker:createTransformJob.sync']!({
      TransformJobName: 'digits-kmeans',
      ModelName: 'digits-kmeans',
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://data/digits/score/' } },
        ContentType: 'text/csv',
        SplitType: 'Line',
      },
      TransformOutput: { S3OutputPath: 's3://data/digits/out/', Accept: 'text/csv', AssembleWith: 'Line' },
    });
    const sklearn = reference<{ inertia: number }>('kmeans', writeCsv(dir, 'digits.csv', x), '10', '10');
    // Assess
    const artifact = await store.getObject('data', 'models/digits-kmeans/output/model.tar.gz');
    const centroids = readNDArrayFile(readTar(gunzip(artifact))[0]!.data).arrays[0]!;
    expect(centroids.shape).toEqual([10, 64]);
    const ours = inertia(
      { rows: x.length, cols: 64, x: Float32Array.from(x.flat()), y: new Float32Array(0) },
      Float32Array.from(centroids.data),
      10,
    );
    console.info(
      `digits k=10: inertia ours ${ours.toFixed(1)} vs sklearn ${sklearn.inertia.toFixed(1)} (ratio ${(ours / sklearn.inertia).toFixed(4)})`,
    );
    expect(ours / sklearn.inertia).toBeLessThan(1.02);
    const out = utf8Text(await store.getObject('data', 'digits/out/part-0.csv.out'));
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(1797);
    for (const line of lines) expect(line).toMatch(/^[0-9]\.0,\d+\.\d+$/);
    const model = loadAlgorithmModel(artifact);
    const rows = algorithmRows(enc(`${x.map((r) => r.join(',')).join('\n')}\n`), 'text/csv', 64);
    expect(out).toBe(model.formatBatch(model.score(rows.x, rows.rows), 'text/csv'));
  });

  it('matches sklearn PCA (exact) explained variance within 1e-6 relative, components equal up to sign', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'pca-'));
    const { x } = digits(dir);
    const path = writeCsv(dir, 'digits.csv', x);
    // Act
    const result = await trainBuiltin(
      algorithmByName('pca'),
      new Map([channel('train', readFileSync(path, 'utf8'), 'text/csv')]),
      { feature_dim: '64', num_components: '8', mini_batch_size: '500' },
    );
    const sklearn = reference<{ explained_variance: number[]; components: number[][] }>('pca', path, '8');
    // Assess: our components are smallest first, sklearn's largest first
    const file = readNDArrayFile(result.modelAlgo);
    const s = file.arrays[0]!;
    const v = file.arrays[1]!;
    for (let j = 0; j < 8; j++) {
      const ours = s.data[7 - j]! ** 2 / (x.length - 1);
      expect(Math.abs(ours / sklearn.explained_variance[j]! - 1)).toBeLessThan(1e-6);
      const component = Array.from({ length: 64 }, (_, f) => v.data[f * 8 + (7 - j)]!);
      const dot = component.reduce((a, c, f) => a + c * sklearn.components[j]![f]!, 0);
      const sign = Math.sign(dot);
      for (let f = 0; f < 64; f++)
        expect(Math.abs(component[f]! - sign * sklearn.components[j]![f]!)).toBeLessThan(1e-5);
    }
  });

  it('reaches LogisticRegression AUC within 0.01 and LinearRegression RMSE within 2 % with Linear Learner', async () => {
    // Prepare
    const binaryDir = mkdtempSync(join(tmpdir(), 'll-bin-'));
    const regressionDir = mkdtempSync(join(tmpdir(), 'll-reg-'));
    reference('dataset', 'breast_cancer', binaryDir);
    reference('dataset', 'diabetes', regressionDir);
    const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
    // Act
    const binary = await trainBuiltin(
      algorithmByName('linear-learner'),
      new Map([channel('train', read(binaryDir, 'train.csv'), 'text/csv')]),
      // wd = 1 / (C × n): the same L2 penalty as LogisticRegression's default C = 1 on these 426 rows
      { predictor_type: 'binary_classifier', mini_batch_size: '32', epochs: '30', wd: '0.0023' },
    );
    const regression = await trainBuiltin(
      algorithmByName('linear-learner'),
      new Map([channel('train', read(regressionDir, 'train.csv'), 'text/csv')]),
      { predictor_type: 'regressor', mini_batch_size: '32', epochs: '50' },
    );
    const logistic = reference<{ auc: number }>(
      'logistic',
      join(binaryDir, 'train.csv'),
      join(binaryDir, 'test.csv'),
    );
    const linear = reference<{ rmse: number }>(
      'linear',
      join(regressionDir, 'train.csv'),
      join(regressionDir, 'test.csv'),
    );
    // Assess
    const score = (modelAlgo: Uint8Array, dir: string): { y: number[]; s: number[] } => {
      const model = loadAlgorithmModel(modelAlgo);
      const lines = read(dir, 'test.csv').trimEnd().split('\n');
      const features = `${lines.map((l) => l.slice(l.indexOf(',') + 1)).join('\n')}\n`;
      const rows = algorithmRows(enc(features), 'text/csv', model.numFeature);
      const scored = model.score(rows.x, rows.rows);
      return { y: lines.map((l) => Number(l.split(',')[0])), s: Array.from(scored.fields[0]!.values) };
    };
    const b = score(binary.modelAlgo, binaryDir);
    const ourAuc = auc(b.y, b.s);
    const r = score(regression.modelAlgo, regressionDir);
    const ourRmse = Math.sqrt(r.y.reduce((a, y, i) => a + (y - r.s[i]!) ** 2, 0) / r.y.length);
    console.info(
      `Linear Learner: AUC ${ourAuc.toFixed(4)} vs LogisticRegression ${logistic.auc.toFixed(4)}; RMSE ${ourRmse.toFixed(3)} vs LinearRegression ${linear.rmse.toFixed(3)}`,
    );
    expect(ourAuc).toBeGreaterThan(logistic.auc - 0.01);
    expect(ourRmse / linear.rmse).toBeLessThan(1.02);
  });
});

function writeCsv(dir: string, name: string, x: number[][]): string {
  const path = join(dir, name);
  writeFileSync(path, `${x.map((r) => r.join(',')).join('\n')}\n`);
  return path;
}

function auc(labels: number[], scores: number[]): number {
  const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const rank = (i + j + 1) / 2;
    for (let k = i; k < j; k++)
      if (order[k]![1] === 1) {
        positives++;
        rankSum += rank;
      }
    i = j;
  }
  const negatives = order.length - positives;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
