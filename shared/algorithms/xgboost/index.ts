/**
 * Built-in XGBoost 1.7-1 as an algorithm module: what shared/model already does (artifact reader,
 * bit-exact scorer, the container's batch body `str(p)` per line whatever the Accept), seen through
 * the {@link Algorithm} interface. Hyperparameters are checked by the training job (local SageMaker)
 * and by the run input's validator, which keep XGBoost's own rules.
 */
import { formatBatchTransform, loadModel, type XGBoostModel } from '../../model';
import type { Algorithm, AlgorithmModel, ScoredRows } from '../types';

/** XGBoost's account per region is a different set from the 1P algorithms' (serverless.yml keeps it). */
function xgboostImage(): string | undefined {
  return undefined;
}

/** An XGBoost model behind the {@link AlgorithmModel} interface. */
export class XGBoostAlgorithmModel implements AlgorithmModel {
  readonly algorithm = 'xgboost' as const;
  readonly outputColumns = ['score'] as const;
  readonly accepts = [
    'text/csv',
    'application/json',
    'application/jsonlines',
    'application/x-recordio-protobuf',
  ];
  constructor(readonly model: XGBoostModel) {}

  get numFeature(): number {
    return this.model.numFeature;
  }

  score(x: Float32Array, rows: number): ScoredRows {
    const p = this.model.predict(x, rows);
    return { rows, fields: [{ name: 'score', width: p.width, values: p.values }] };
  }

  /** `"\n".join(str(p) for p in preds) + "\n"` (SPEC §2: batch transform ignores Accept). */
  formatBatch(scored: ScoredRows): string {
    const field = scored.fields[0]!;
    return formatBatchTransform({ values: field.values, rows: scored.rows, width: field.width });
  }
}

/** The XGBoost module. */
export const xgboost: Algorithm = {
  name: 'xgboost',
  trainingContentType: 'text/csv',
  supervised: true,
  channels: ['train', 'validation'],
  image: xgboostImage,
  matchesImage: (image) => /xgboost/i.test(image),
  hyperparameters: undefined,
  validateHyperparameters: (given) => ({ ...given }),
  transformAccept: 'text/csv',
  evaluation: 'supervised',
  readArtifact: (bytes, source) =>
    new XGBoostAlgorithmModel(loadModel(bytes, source === undefined ? {} : { source })),
};
