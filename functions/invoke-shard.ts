/**
 * invoke-shard: the Distributed Map child of the scoring workflow in endpoint mode (ItemBatcher
 * input `{Items: [shard…], BatchInput: {runId, endpointName, algorithm, contentType,
 * maxRequestBytes, featureColumnsUri?, outputUri, dt}}`). Sends each shard's rows to the endpoint in
 * requests under `maxRequestBytes`, retrying throttling, 429, 503 and a container's 5xx with jitter,
 * and stages `<outputUri>_staging/<runId>/dt=<dt>/part-<shardId>.csv` in input order (commit-scores
 * moves it into the partition); a retry overwrites the same keys.
 */
import { s3Client, sageMakerRuntimeClient } from '../shared/clients';
import { awsSettings, Settings } from '../shared/config';
import { INVOKE_ENDPOINT_MAX_BODY_BYTES } from '../shared/endpoint';
import { lambdaHandler, MetricUnit } from '../shared/logging';
import { checkDt, checkShardEntry } from '../shared/partitions';
import { invokeBatch } from './lib/invoke-shard';
import { Payload } from './lib/payload';

const settings = new Settings(process.env, 'invoke-shard');
const options = {
  idColumn: settings.string('ID_COLUMN', 'customer_id'),
  // Rows read per block: a block is cut into requests under the cap, so blocks bigger than one
  // request (5 MiB is ~60 000 rows of 8 features) keep requests full.
  blockRows: settings.integer('SCORE_BLOCK_ROWS', { default: 65_536, min: 1, max: 1_000_000 }),
  concurrency: settings.integer('INVOKE_CONCURRENCY', { default: 4, min: 1, max: 64 }),
  retry: { maxAttempts: settings.integer('INVOKE_MAX_ATTEMPTS', { default: 8, min: 1, max: 20 }) },
};
const aws = awsSettings(process.env, 'invoke-shard');
const s3 = s3Client(aws);
const runtime = sageMakerRuntimeClient(aws);

export const handler = lambdaHandler('invoke-shard', async (event: unknown, { logger, metrics }) => {
  const payload = new Payload(event, 'invoke-shard');
  const items = payload.array('Items').map((item, i) => checkShardEntry(item, { field: `Items[${i}]` }));
  const batch = payload.object('BatchInput');
  const featureColumnsUri =
    batch.raw('featureColumnsUri') === null ? undefined : batch.optionalString('featureColumnsUri');
  const maxRequestBytes = batch.integer('maxRequestBytes', 1024);
  if (maxRequestBytes > INVOKE_ENDPOINT_MAX_BODY_BYTES) {
    batch.fail('maxRequestBytes', `at most ${INVOKE_ENDPOINT_MAX_BODY_BYTES} bytes (InvokeEndpoint's limit)`);
  }
  const result = await invokeBatch(
    s3,
    runtime,
    items,
    {
      runId: batch.string('runId'),
      endpointName: batch.string('endpointName'),
      algorithm: batch.string('algorithm'),
      contentType: batch.string('contentType'),
      maxRequestBytes,
      outputUri: batch.string('outputUri'),
      dt: checkDt(batch.string('dt'), 'BatchInput.dt'),
      ...(featureColumnsUri === undefined ? {} : { featureColumnsUri }),
    },
    options,
  );
  const rows = result.shards.reduce((sum, s) => sum + s.rows, 0);
  const requests = result.shards.reduce((sum, s) => sum + s.requests, 0);
  logger.info('shards scored on the endpoint', { shards: result.shards.length, rows, requests });
  metrics.addMetric('ScoredRows', MetricUnit.Count, rows);
  metrics.addMetric('EndpointRequests', MetricUnit.Count, requests);
  return result;
});
