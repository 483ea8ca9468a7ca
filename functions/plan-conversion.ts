/**
 * plan-conversion: lists the feature job's output of a training run and writes one conversion item
 * per object (`{split, source, target, to, sparse}`; the test split always becomes label-first CSV for
 * batch transform) as JSON Lines to `planUri`, for the Distributed Map to read; returns where the plan
 * is, its item count, the channel directory of each split and the feature columns (also written to
 * `<trainingDataUri>feature-columns.json`).
 */
import { s3Client } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { Payload } from './lib/payload';
import { planConversion } from './lib/plan-conversion';

const s3 = s3Client(awsSettings(process.env, 'plan-conversion'));

export const handler = lambdaHandler('plan-conversion', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'plan-conversion');
  const result = await planConversion(s3, {
    runId: payload.string('runId'),
    features: payload.location('featuresUri'),
    trainingData: payload.writableLocation('trainingDataUri'),
    contentType: payload.oneOf('contentType', ['text/csv', 'text/libsvm', 'application/x-recordio-protobuf']),
    sparse: payload.boolean('sparse', false),
    plan: payload.writableLocation('planUri'),
  });
  logger.info('conversion planned', {
    items: result.objects,
    features: result.featureColumns.length,
    planUri: result.planUri,
  });
  metrics.addMetric('ConversionItems', MetricUnit.Count, result.objects);
  return result;
});
