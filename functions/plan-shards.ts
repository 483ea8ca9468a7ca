/**
 * plan-shards: lists the scoring input and writes the shard manifest (JSONL) the Distributed Map
 * reads; big CSV / JSON Lines objects are split into byte ranges on line boundaries, Parquet objects
 * are whole shards.
 */
import { s3Client } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { Payload } from './lib/payload';
import { planShards } from './lib/plan-shards';

const s3 = s3Client(awsSettings(process.env, 'plan-shards'));

export const handler = lambdaHandler('plan-shards', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'plan-shards');
  const result = await planShards(s3, {
    input: payload.location('inputUri'),
    format: payload.oneOf('format', ['csv', 'json', 'parquet']),
    shardSizeBytes: payload.integer('shardSizeBytes', 1),
    manifest: payload.writableLocation('manifestUri'),
  });
  logger.info('shards planned', {
    runId: payload.optionalString('runId'),
    shards: result.shards,
    bytes: result.bytes,
  });
  metrics.addMetric('Shards', MetricUnit.Count, result.shards);
  return result;
});
