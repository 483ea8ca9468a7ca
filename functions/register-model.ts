/**
 * register-model: after the quality gate passes, registers the trained model as a version of its
 * model package group (created on first use) with the run's metrics and feature columns as metadata.
 */
import { sageMakerClient } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler } from '../shared/logging';
import { Payload } from './lib/payload';
import { registerModel } from './lib/registry';

const sm = sageMakerClient(awsSettings(process.env, 'register-model'));

export const handler = lambdaHandler('register-model', async (event: unknown, { logger }) => {
  const payload = new Payload(event, 'register-model');
  const metricsPayload = payload.object('metrics');
  const metrics: Record<string, number> = {};
  for (const name of ['count', 'auc', 'logloss', 'accuracy', 'rmse']) {
    const value = metricsPayload.raw(name);
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) return metricsPayload.fail(name, 'a number');
    metrics[name] = value;
  }
  const featureColumnsUri = payload.optionalString('featureColumnsUri');
  const featureSpecUri = payload.optionalString('featureSpecUri');
  payload.location('modelDataUrl');
  const result = await registerModel(sm, {
    modelPackageGroup: payload.string('modelPackageGroup'),
    approvalStatus: payload.oneOf('approvalStatus', ['Approved', 'PendingManualApproval', 'Rejected']),
    modelDataUrl: payload.string('modelDataUrl'),
    image: payload.string('image'),
    metrics,
    runId: payload.string('runId'),
    ...(featureColumnsUri === undefined ? {} : { featureColumnsUri }),
    ...(featureSpecUri === undefined ? {} : { featureSpecUri }),
  });
  logger.info('model registered', { modelPackageArn: result.modelPackageArn });
  return result;
});
