/**
 * score-shard: the Distributed Map child of the scoring workflow (ItemBatcher input
 * `{Items: [shard…], BatchInput: {runId, modelUri, featureColumnsUri?, outputUri, dt}}`). Scores each
 * shard in-process with the XGBoost model (cached across invocations by URI + ETag) and writes
 * `<outputUri>dt=<dt>/part-<shardId>.csv`; a retry overwrites the same keys. First removes an earlier
 * run's `_SUCCESS` / `_manifest.json` of the partition, so parts being replaced are never marked complete.
 */
import { s3Client } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { checkDt, checkShardEntry } from '../shared/partitions';
import { Payload } from './lib/payload';
import { scoreBatch } from './lib/score-shard';

const settings = new Settings(process.env, 'score-shard');
const options = {
  idColumn: settings.string('ID_COLUMN', 'customer_id'),
  blockRows: settings.integer('SCORE_BLOCK_ROWS', { default: 4096, min: 1, max: 1_000_000 }),
};
const s3 = s3Client(awsSettings(process.env, 'score-shard'));

export const handler = lambdaHandler('score-shard', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'score-shard');
  const items = payload.array('Items').map((item, i) => checkShardEntry(item, { field: `Items[${i}]` }));
  const batch = payload.object('BatchInput');
  const featureColumnsUri = batch.optionalString('featureColumnsUri');
  const result = await scoreBatch(
    s3,
    items,
    {
      runId: batch.string('runId'),
      modelUri: batch.string('modelUri'),
      outputUri: batch.string('outputUri'),
      dt: checkDt(batch.string('dt'), 'BatchInput.dt'),
      ...(featureColumnsUri === undefined ? {} : { featureColumnsUri }),
    },
    options,
  );
  const rows = result.shards.reduce((sum, s) => sum + s.rows, 0);
  logger.info('shards scored', { shards: result.shards.length, rows });
  metrics.addMetric('ScoredRows', MetricUnit.Count, rows);
  return result;
});
