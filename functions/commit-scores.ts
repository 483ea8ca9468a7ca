/**
 * commit-scores: after the scoring Distributed Map. Verifies every shard from the ResultWriter
 * manifest and the part files themselves, deletes the partition's other `part-*` files (an earlier
 * run's or a failed shard's), writes the run manifest, and `_SUCCESS` only when the run is complete;
 * returns `PARTIAL` with the failed shards otherwise (the state machine decides).
 */
import { s3Client } from '../shared/clients';
import { awsSettings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { isShardId } from '../shared/partitions';
import { commitScores } from './lib/commit-scores';
import { Payload } from './lib/payload';

const s3 = s3Client(awsSettings(process.env, 'commit-scores'));

export const handler = lambdaHandler('commit-scores', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'commit-scores');
  const details = payload.object('resultWriterDetails');
  const shards = Array.isArray(payload.raw('shards'))
    ? payload.strings('shards')
    : payload.integer('shards', 0);
  if (Array.isArray(shards) && !shards.every(isShardId))
    payload.fail('shards', 'a count or an array of shard ids');
  const result = await commitScores(s3, {
    runId: payload.string('runId'),
    output: payload.writableLocation('outputUri'),
    dt: payload.string('dt'),
    resultWriter: { bucket: details.string('Bucket'), key: details.string('Key') },
    shards,
  });
  logger.info('scores committed', {
    status: result.status,
    rows: result.rows,
    failed: result.failedShards.length,
  });
  metrics.addMetric('ScoredRows', MetricUnit.Count, result.rows);
  metrics.addMetric('FailedShards', MetricUnit.Count, result.failedShards.length);
  return result;
});
