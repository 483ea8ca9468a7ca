/**
 * validate-input: the first state of both workflows. Validates the execution input and returns the
 * normalised run configuration (defaults filled in), or fails with InputValidationError naming every
 * bad field — what a person starting a run from the console sees.
 */
import { Settings } from '../shared/config';
import { lambdaHandler } from '../shared/logging';
import { type RunDefaults, validateRunInput } from './lib/run-config';

const settings = new Settings(process.env, 'validate-input');
const defaults: RunDefaults = {
  dataBucket: settings.string('DATA_BUCKET'),
  artifactBucket: settings.string('ARTIFACT_BUCKET'),
  modelPackageGroup: settings.string('MODEL_PACKAGE_GROUP', 'sparkmaker'),
  region: settings.string('AWS_REGION', 'us-east-1'),
};

export const handler = lambdaHandler('validate-input', async (event: unknown, { logger }) => {
  const config = validateRunInput(event, defaults, new Date());
  logger.info('run input valid', { runId: config.runId, input: config.input.uri });
  return config;
});
