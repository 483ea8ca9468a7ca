import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createModelTarGz } from '../../../../local/services/sagemaker/artifact';
import {
  algorithmByName,
  algorithmForImage,
  algorithmImage,
  algorithmRows,
  KMeansModel,
  LinearLearnerModel,
  loadAlgorithmModel,
  readKMeansArtifact,
  writeLinearLearnerModelAlgo,
} from '../../../../shared/algorithms';
import { HyperparameterValidationError, ModelFormatError, SparkmakerError } from '../../../../shared/errors';
import { decodeRecordIO } from '../../../../shared/formats';
import { writeNDArrayFile } from '../../../../shared/model/ndarray';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const tarGz = (data: Uint8Array): Uint8Array => createModelTarGz([{ name: 'model_algo-1', data }]);

const kmeansArtifact = tarGz(writeNDArrayFile([{ shape: [2, 2], data: [0, 0, 3, 4] }]));
const pcaArtifact = tarGz(
  writeNDArrayFile(
    [
      { shape: [2], data: [1, 2] },
      { shape: [3, 2], data: [1, 0, 0, 1, 0, 0] },
      { shape: [1, 3], data: [1, 1, 1] },
    ],
    ['s', 'v', 'mean'],
  ),
);
const llArtifact = tarGz(
  writeLinearLearnerModelAlgo([1, -1], 0, {
    threshold: 0.5,
    loss_type: 'logistic',
    predictor_type: 'binary_classifier',
  }),
);

describe('the algorithm registry', () => {
  it('knows every algorithm by name and the built-ins by their image in any region', () => {
    // Act
    const image = algorithmImage('kmeans', 'eu-west-1');
    // Assess
    expect(image).toBe('438346466558.dkr.ecr.eu-west-1.amazonaws.com/kmeans:1');
    expect(algorithmImage('pca', 'cn-north-1')).toBe(
      '390948362332.dkr.ecr.cn-north-1.amazonaws.com.cn/pca:1',
    );
    expect(algorithmForImage(image)?.name).toBe('kmeans');
    expect(algorithmForImage(algorithmImage('linear-learner', 'us-east-1'))?.name).toBe('linear-learner');
    expect(
      algorithmForImage('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1')?.name,
    ).toBe('xgboost');
    expect(algorithmForImage('my-registry/my-algo:3')).toBeUndefined();
    expect(algorithmByName('pca').trainingContentType).toBe('application/x-recordio-protobuf');
    expect(() => algorithmByName('svm')).toThrow(/not one of xgboost, kmeans, pca, linear-learner, custom/);
  });

  it('validates hyperparameters as the containers do: required, extraneous, ranges, defaults', () => {
    // Act
    const km = algorithmByName('kmeans').validateHyperparameters({ k: '10', feature_dim: '64' });
    // Assess
    expect(km).toMatchObject({
      k: 10,
      feature_dim: 64,
      init_method: 'random',
      epochs: 1,
      local_lloyd_max_iter: 300,
    });
    expect(() => algorithmByName('kmeans').validateHyperparameters({ k: '10' })).toThrow(
      "No value(s) were specified for 'feature_dim' which are required hyperparameter(s) (caused by ValidationError)",
    );
    expect(() =>
      algorithmByName('pca').validateHyperparameters({
        feature_dim: '3',
        mini_batch_size: '10',
        num_components: '2',
        foo: '1',
      }),
    ).toThrow(
      "Additional hyperparameters are not allowed ('foo' was unexpected) (caused by ValidationError)",
    );
    expect(() =>
      algorithmByName('linear-learner').validateHyperparameters({
        predictor_type: 'binary_classifier',
        epochs: '0',
      }),
    ).toThrow(HyperparameterValidationError);
    expect(() =>
      algorithmByName('linear-learner').validateHyperparameters({ predictor_type: 'ranker' }),
    ).toThrow(
      "The value 'ranker' is not valid for the 'predictor_type' hyperparameter which expects one of 'binary_classifier', 'multiclass_classifier', 'regressor' (caused by ValidationError)",
    );
    expect(
      algorithmByName('linear-learner').validateHyperparameters({
        predictor_type: 'regressor',
        l1: 'auto',
        wd: '0.01',
      }),
    ).toMatchObject({ l1: 'auto', wd: 0.01, optimizer: 'auto' });
  });
});

describe('KMeans scoring', () => {
  it('answers closest_cluster and the Euclidean distance in every Accept, byte for byte (SPEC 2)', () => {
    // Prepare
    const model = loadAlgorithmModel(kmeansArtifact);
    const { x, rows } = algorithmRows(text('3,5\n0,1\n'), 'text/csv', model.numFeature);
    // Act
    const scored = model.score(x, rows);
    // Assess
    expect(model).toBeInstanceOf(KMeansModel);
    expect(model.formatBatch(scored, 'text/csv')).toBe('1.0,1.0\n0.0,1.0\n');
    expect(model.formatBatch(scored, 'application/json')).toBe(
      '{"predictions":[{"closest_cluster":1.0,"distance_to_cluster":1.0},{"closest_cluster":0.0,"distance_to_cluster":1.0}]}',
    );
    expect(model.formatBatch(scored, 'application/jsonlines')).toBe(
      '{"closest_cluster": 1.0, "distance_to_cluster": 1.0}\n{"closest_cluster": 0.0, "distance_to_cluster": 1.0}\n',
    );
    const records = decodeRecordIO(
      model.formatBatch(scored, 'application/x-recordio-protobuf') as Uint8Array,
    );
    expect(records).toHaveLength(2);
    expect(records[0]!.features.size).toBe(0);
    expect([...records[0]!.label.keys()]).toEqual(['closest_cluster', 'distance_to_cluster']);
    expect(
      Array.from((records[0]!.label.get('distance_to_cluster') as { values: Float32Array }).values),
    ).toEqual([1]);
  });

  it('reads JSON instances in both documented shapes and refuses an Accept it does not answer', () => {
    // Prepare
    const model = loadAlgorithmModel(kmeansArtifact);
    const body = text('{"instances":[{"features":[3,5]},{"data":{"features":{"values":[0,1]}}}]}');
    // Act
    const { x, rows } = algorithmRows(body, 'application/json', 2);
    // Assess
    expect(model.formatBatch(model.score(x, rows), 'text/csv')).toBe('1.0,1.0\n0.0,1.0\n');
    expect(() => model.formatBatch(model.score(x, rows), 'text/html')).toThrow(/not answered/);
  });
});

describe('PCA scoring', () => {
  it('projects (x - mean) onto v under the key projection, top-level key projections in JSON', () => {
    // Prepare
    const model = loadAlgorithmModel(pcaArtifact);
    const { x, rows } = algorithmRows(text('2,3,4\n'), 'text/csv', 3);
    // Act
    const scored = model.score(x, rows);
    // Assess
    expect(model.outputColumns).toEqual(['projection_0', 'projection_1']);
    expect(model.formatBatch(scored, 'application/json')).toBe('{"projections":[{"projection":[1.0,2.0]}]}');
    expect(model.formatBatch(scored)).toBe('{"projection": [1.0, 2.0]}\n');
  });
});

describe('Linear Learner scoring', () => {
  it('answers a sigmoid score and a thresholded integer predicted_label', () => {
    // Prepare
    const model = loadAlgorithmModel(llArtifact);
    const { x, rows } = algorithmRows(text('1,0\n0,1\n'), 'text/csv', 2);
    // Act
    const scored = model.score(x, rows);
    // Assess
    expect(model).toBeInstanceOf(LinearLearnerModel);
    expect(model.formatBatch(scored, 'application/jsonlines')).toBe(
      '{"score": 0.7310585975646973, "predicted_label": 1}\n{"score": 0.2689414322376251, "predicted_label": 0}\n',
    );
    expect(model.formatBatch(scored, 'application/json')).toBe(
      '{"predictions":[{"score":0.7310585975646973,"predicted_label":1},{"score":0.2689414322376251,"predicted_label":0}]}',
    );
  });
});

describe('loadAlgorithmModel on corrupt artifacts', () => {
  it('gives a typed error for every truncation and most byte flips of model_algo-1, never a model with a wrong shape', () => {
    for (const [name, artifactBytes] of [
      ['kmeans', writeNDArrayFile([{ shape: [2, 2], data: [0, 0, 3, 4] }])],
      [
        'linear-learner',
        writeLinearLearnerModelAlgo([1, -1], 0, {
          threshold: 0.5,
          loss_type: 'logistic',
          predictor_type: 'binary_classifier',
        }),
      ],
    ] as const) {
      for (let n = 0; n < artifactBytes.length; n += 3) {
        expect(() => loadAlgorithmModel(tarGz(artifactBytes.subarray(0, n))), `${name} cut at ${n}`).toThrow(
          SparkmakerError,
        );
      }
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: artifactBytes.length - 1 }),
          fc.integer({ min: 1, max: 255 }),
          (at, xor) => {
            const corrupt = artifactBytes.slice();
            corrupt[at]! ^= xor;
            try {
              const model = loadAlgorithmModel(tarGz(corrupt));
              expect(model.numFeature).toBe(2);
            } catch (error) {
              expect(error).toBeInstanceOf(SparkmakerError);
            }
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  it('names the missing model_algo-1 and refuses a dict that is no known model', () => {
    // Prepare
    const noMember = createModelTarGz([{ name: 'state_1234', data: new Uint8Array(30) }]);
    const strangeDict = tarGz(writeNDArrayFile([{ shape: [1], data: [1] }], ['w']));
    // Act / Assess
    expect(() => readKMeansArtifact(noMember)).toThrow(/no 'model_algo-1'/);
    expect(() => loadAlgorithmModel(strangeDict)).toThrow(ModelFormatError);
  });
});
