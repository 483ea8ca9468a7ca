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
  const kind = (payload.optionalString('kind') ?? 'supervised') as 'supervised' | 'clustering' | 'projection';
  if (kind !== 'supervised' && kind !== 'clustering' && kind !== 'projection') {
    payload.fail('kind', "'supervised', 'clustering' or 'projection'");
  }
  const result = await evaluateTransformOutput(s3, {
    transformOutput: payload.location('transformOutputUri'),
    objective: kind === 'supervised' ? payload.string('objective') : String(payload.raw('objective') ?? ''),
    metrics: payload.writableLocation('metricsUri'),
    kind,
    ...(payload.has('testUri') ? { test: payload.location('testUri') } : {}),
  });
  logger.info('model evaluated', { kind, count: result.metrics.count, metricsUri: result.metricsUri });
  metrics.addMetric('EvaluatedRows', MetricUnit.Count, Number(result.metrics.count));
  return result;
});
