import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { prepareDeclaredTable } from '../../../functions/lib/declared-table';
import {
  normaliseScoringInput,
  normaliseTrainingInput,
  type RunDefaults,
} from '../../../functions/lib/run-config';
import { InputValidationError } from '../../../shared/errors';
import { parsePlan } from '../../../shared/features';
import { writeParquetTable } from '../../../shared/formats/parquet';
import { fakeS3 } from './s3-fake';

const DEFAULTS: RunDefaults = { dataBucket: 'data', artifactBucket: 'artifacts', modelPackageGroup: 'g' };
const CSV = 'customer_id,signup,tenure,plan,churned\nC1,2024-01-01,3,gold,1\nC2,2024-01-02,5,silver,0\n';

describe('validating a declared table against the data', () => {
  const fake = fakeS3();
  const s3 = new S3Client({ region: 'us-east-1' });

  const training = (table: unknown, uri = 's3://data/tables/t.csv', format = 'csv') =>
    normaliseTrainingInput({ input: { uri, format }, table }, 'train-1', DEFAULTS);

  it('writes the compiled plan of a valid training declaration and points the spec beside the model', async () => {
    await fake.store.putObject('data', 'tables/t.csv', CSV);
    const config = await prepareDeclaredTable(
      s3,
      training({ id: 'customer_id', label: 'churned', time: 'signup' }),
      'training',
    );
    expect(config.featurePlanUri).toBe('s3://artifacts/runs/train-1/feature-plan.json');
    expect(config.featureSpecUri).toBe('s3://artifacts/models/train-1/feature-spec.json');
    const plan = parsePlan(await fake.text('artifacts', 'runs/train-1/feature-plan.json'), 'plan');
    expect(plan.featureColumns.slice(0, 1)).toEqual(['f_tenure']);
  });

  it('fails at validation naming a declared column absent from the data, with the nearest column', async () => {
    await fake.store.putObject('data', 'tables/t.csv', CSV);
    const failure = prepareDeclaredTable(
      s3,
      training({ label: 'churned', features: ['tenure', 'plna'] }),
      'training',
    );
    await expect(failure).rejects.toThrow(InputValidationError);
    await expect(failure).rejects.toThrow(
      "table.features[1].column: no column 'plna' in s3://data/tables/t.csv (did you mean 'plan'?)",
    );
  });

  it('fails at validation naming a label that is not numeric', async () => {
    await fake.store.putObject(
      'data',
      'tables/t.csv',
      CSV.replace(/,1\n/, ',yes\n').replace(/,0\n/, ',no\n'),
    );
    await expect(prepareDeclaredTable(s3, training({ label: 'churned' }), 'training')).rejects.toThrow(
      "table.label: the label column 'churned' must be numeric",
    );
  });

  it('reads column types from a Parquet schema under a prefix', async () => {
    const parquet = writeParquetTable([
      { name: 'id', type: 'STRING', data: ['a', 'b'] },
      { name: 'x', type: 'DOUBLE', data: [1, 2] },
      { name: 'y', type: 'DOUBLE', data: [0, 1] },
    ]);
    await fake.store.putObject('data', 'tables/p/part-0.parquet', parquet);
    const config = await prepareDeclaredTable(
      s3,
      training({ id: 'id', label: 'y' }, 's3://data/tables/p/', 'parquet'),
      'training',
    );
    const plan = parsePlan(await fake.text('artifacts', 'runs/train-1/feature-plan.json'), 'plan');
    expect(config.table?.label).toBe('y');
    expect(plan.ir.features).toMatchObject([{ column: 'x', kind: 'numeric' }]);
  });

  it('checks a scoring declaration without needing the label in the scoring data', async () => {
    await fake.store.putObject(
      'data',
      'tables/s.csv',
      'customer_id,signup,tenure,plan\nC9,2024-02-01,1,gold\n',
    );
    const config = normaliseScoringInput(
      {
        input: { uri: 's3://data/tables/s.csv', format: 'csv' },
        table: { id: 'customer_id', label: 'churned' },
      },
      'score-1',
      DEFAULTS,
      '2024-06-01',
    );
    await expect(prepareDeclaredTable(s3, config, 'scoring')).resolves.toBe(config);
    const typo = { ...config, table: { ...config.table!, id: 'customerid' } };
    await expect(prepareDeclaredTable(s3, typo, 'scoring')).rejects.toThrow("did you mean 'customer_id'?");
  });

  it('refuses table together with featureSql, and takes a featureSql path inside the artifact bucket', () => {
    expect(() =>
      normaliseTrainingInput(
        { input: { uri: 's3://data/t.csv' }, table: { label: 'y' }, featureSql: 's3://artifacts/x.sql' },
        'train-1',
        DEFAULTS,
      ),
    ).toThrow('give table (a declaration) or featureSql (hand-written SQL), not both');
    const config = normaliseTrainingInput(
      { input: { uri: 's3://data/t.csv' }, featureSql: 'jobs/features/mine.sql' },
      'train-1',
      DEFAULTS,
    );
    expect(config.featureSql).toBe('s3://artifacts/jobs/features/mine.sql');
    expect(config.featurePlanUri).toBeUndefined();
  });
});
