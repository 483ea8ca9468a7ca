/**
 * plan-conversion: lists the feature job's output of a training run and returns one conversion item
 * per object (`{split, source, target, to, sparse}`; the test split always becomes label-first CSV for
 * batch transform), plus the feature columns, also written to `<trainingDataUri>feature-columns.json`.
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
    trainingData: payload.location('trainingDataUri'),
    contentType: payload.oneOf('contentType', ['text/csv', 'text/libsvm', 'application/x-recordio-protobuf']),
    sparse: payload.boolean('sparse', false),
  });
  logger.info('conversion planned', { items: result.items.length, features: result.featureColumns.length });
  metrics.addMetric('ConversionItems', MetricUnit.Count, result.items.length);
  return result;
});
