/**
 * validate-input: the first state of both workflows. Validates the execution input and returns the
 * normalised run configuration (defaults filled in), or fails with InputValidationError naming every
 * bad field — what a person starting a run from the console sees. A declared table (`table`) is
 * checked against the input's columns, and for training its compiled plan is written for the
 * feature job (functions/lib/declared-table.ts).
 */
import { s3Client } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { lambdaHandler } from '../shared/logging';
import { prepareDeclaredTable } from './lib/declared-table';
import { type RunDefaults, validateRunInput } from './lib/run-config';

const settings = new Settings(process.env, 'validate-input');
const defaults: RunDefaults = {
  dataBucket: settings.string('DATA_BUCKET'),
  artifactBucket: settings.string('ARTIFACT_BUCKET'),
  modelPackageGroup: settings.string('MODEL_PACKAGE_GROUP', 'sparkmaker'),
  region: settings.string('AWS_REGION', 'us-east-1'),
};
const s3 = s3Client(awsSettings(process.env, 'validate-input'));

export const handler = lambdaHandler('validate-input', async (event: unknown, { logger }) => {
  const config = validateRunInput(event, defaults, new Date());
  const workflow = 'featuresUri' in config && 'gate' in config ? 'training' : 'scoring';
  const checked = await prepareDeclaredTable(s3, config, workflow);
  logger.info('run input valid', {
    runId: checked.runId,
    input: checked.input.uri,
    declared: checked.table !== undefined,
  });
  return checked;
});
