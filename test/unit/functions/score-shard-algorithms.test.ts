import { beforeEach, describe, expect, it } from 'vitest';
import { clearScoreCaches } from '../../../functions/lib/score-shard';
import { handler } from '../../../functions/score-shard';
import { createModelTarGz } from '../../../local/services/sagemaker/artifact';
import {
  algorithmRows,
  formatCsvResponse,
  loadAlgorithmModel,
  writeLinearLearnerModelAlgo,
} from '../../../shared/algorithms';
import { writeNDArrayFile } from '../../../shared/model/ndarray';
import { lambdaContext } from './context';
import { fakeS3 } from './s3-fake';

const context = lambdaContext('score-shard');
let fake = fakeS3();
const tarGz = (data: Uint8Array): Uint8Array => createModelTarGz([{ name: 'model_algo-1', data }]);
const artifacts = {
  kmeans: tarGz(writeNDArrayFile([{ shape: [2, 2], data: [0, 0, 3, 4] }])),
  pca: tarGz(
    writeNDArrayFile(
      [
        { shape: [1], data: [2] },
        { shape: [2, 1], data: [0.6, 0.8] },
        { shape: [1, 2], data: [1, 1] },
      ],
      ['s', 'v', 'mean'],
    ),
  ),
  'linear-learner': tarGz(
    writeLinearLearnerModelAlgo([1, -1], 0.5, {
      threshold: 0.5,
      loss_type: 'logistic',
      predictor_type: 'binary_classifier',
    }),
  ),
};
const rows = ['1,2', '3,5', ',4'];
const table = `customer_id,f_0,f_1\n${rows.map((r, i) => `c${i},${r}`).join('\n')}\n`;

describe('score-shard with the 1P algorithms', () => {
  beforeEach(() => {
    fake.s3.restore();
    fake = fakeS3();
    clearScoreCaches();
  });

  it.each([
    ['kmeans', 'id,closest_cluster,distance_to_cluster'],
    ['pca', 'id,projection_0'],
    ['linear-learner', 'id,score,predicted_label'],
  ] as const)(
    'scores %s in Lambda with its own output columns, the values batch transform gives',
    async (name, header) => {
      // Prepare
      await fake.store.putObject('artifacts', `models/${name}/model.tar.gz`, artifacts[name]);
      await fake.store.putObject('data', 'features/part-0.csv', table);
      // Act
      const result = await handler(
        {
          Items: [{ shardId: '00000', source: 's3://data/features/part-0.csv', format: 'csv' }],
          BatchInput: {
            runId: 'r',
            modelUri: `s3://artifacts/models/${name}/model.tar.gz`,
            outputUri: 's3://data/scores/',
            dt: '2024-01-01',
          },
        },
        context,
      );
      // Assess
      const text = await fake.text('data', result.shards[0]!.outputKey);
      const model = loadAlgorithmModel(artifacts[name]);
      const { x, rows: n } = algorithmRows(new TextEncoder().encode(`${rows.join('\n')}\n`), 'text/csv', 2);
      const expected = formatCsvResponse(model.score(x, n));
      expect(text).toBe(
        `${header}\n${expected
          .trimEnd()
          .split('\n')
          .map((line, i) => `c${i},${line}`)
          .join('\n')}\n`,
      );
    },
  );
});
