/**
 * evaluate: joins batch-transform output with labels (`label,prediction` lines) and writes the
 * metrics the quality gate reads: AUC, logloss, accuracy (classification) or RMSE (regression).
 */
import { s3Client } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { evaluateTransformOutput } from './lib/evaluate';
import { Payload } from './lib/payload';

const s3 = s3Client(awsSettings(process.env, 'evaluate'));

export const handler = lambdaHandler('evaluate', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'evaluate');
  const result = await evaluateTransformOutput(s3, {
    transformOutput: payload.location('transformOutputUri'),
    objective: payload.string('objective'),
    metrics: payload.location('metricsUri'),
  });
  logger.info('model evaluated', { ...result.metrics, metricsUri: result.metricsUri });
  metrics.addMetric('EvaluatedRows', MetricUnit.Count, result.metrics.count);
  return result;
});
