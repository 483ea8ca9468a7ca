/**
 * A Distributed Map child of the scoring workflow in endpoint mode: for each shard of its batch,
 * read the rows with the in-Lambda scorer's readers, send them to the endpoint in requests under
 * the cap (the algorithm's serializer, `shared/endpoint`), and write `id,<outputs>` rows in input
 * order to the run's staging key `<output>_staging/<runId>/dt=<dt>/part-<shard>.csv`: the same key
 * and columns as `score-shard`, so commit-scores treats both modes alike and a retried child
 * overwrites its own part.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { type EndpointCodec, endpointCodec, invokeRows, type RetryOptions } from '../../shared/endpoint';
import { InputValidationError } from '../../shared/errors';
import { formatCsvField } from '../../shared/formats/csv';
import { type ShardEntry, type ShardResult, stagedPartKey } from '../../shared/partitions';
import { ObjectWriter, parseS3Uri } from '../../shared/s3';
import { featureColumnsAt, type ScoreOptions, shardRowBlocks } from './score-shard';

/** What every shard of a batch shares (the ItemBatcher's BatchInput in endpoint mode). */
export interface InvokeBatchInput {
  readonly runId: string;
  readonly endpointName: string;
  readonly algorithm: string;
  readonly contentType: string;
  readonly maxRequestBytes: number;
  readonly featureColumnsUri?: string;
  readonly outputUri: string;
  readonly dt: string;
}

/** Options from the function's configuration. */
export interface InvokeShardOptions extends ScoreOptions {
  /** Requests in flight per shard. */
  readonly concurrency?: number;
  readonly retry?: RetryOptions;
}

/** One shard's result: rows written, and how many requests and retries it took. */
export interface InvokeShardResult extends ShardResult {
  readonly requests: number;
  readonly retries: number;
}

/** Scores one shard on the endpoint and writes its part file. */
export async function invokeShard(
  s3: S3Client,
  runtime: SageMakerRuntimeClient,
  shard: ShardEntry,
  batch: InvokeBatchInput,
  options: InvokeShardOptions,
): Promise<InvokeShardResult> {
  const codec: EndpointCodec = endpointCodec(batch.algorithm, batch.contentType);
  const features =
    batch.featureColumnsUri === undefined ? undefined : await featureColumnsAt(s3, batch.featureColumnsUri);
  const output = parseS3Uri(batch.outputUri, 'outputUri', { writable: true });
  // Staged under the run's own prefix, as score-shard does; commit-scores moves it into the partition.
  const outputKey = stagedPartKey(output.key, batch.runId, batch.dt, shard.shardId);
  const writer = new ObjectWriter(s3, { bucket: output.bucket, key: outputKey }, { contentType: 'text/csv' });
  let width = 0;
  const resolved = (chosen: string[]): void => {
    if (chosen.length === 0) {
      throw new InputValidationError(
        `shard ${shard.shardId}: no feature columns (f_*) in ${shard.source}`,
        'featureColumnsUri',
      );
    }
    width = chosen.length;
  };
  let rows = 0;
  let requests = 0;
  let retries = 0;
  let header = false;
  try {
    for await (const block of shardRowBlocks(s3, shard, features, options, resolved)) {
      const first = rows;
      const result = await invokeRows(
        runtime,
        {
          endpointName: batch.endpointName,
          codec,
          maxRequestBytes: batch.maxRequestBytes,
          describeRow: (i) => `shard ${shard.shardId} (${shard.source}) data row ${first + i + 1}`,
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
          ...(options.retry === undefined ? {} : { retry: options.retry }),
        },
        { values: block.values, rows: block.ids.length, width },
      );
      if (!header) {
        await writer.write(`${['id', ...codec.columns(result.columns[0]?.length ?? 1)].join(',')}\n`);
        header = true;
      }
      const lines: string[] = [];
      for (let r = 0; r < block.ids.length; r++) {
        lines.push(`${formatCsvField(block.ids[r] ?? '')},${(result.columns[r] ?? []).join(',')}\n`);
      }
      await writer.write(lines.join(''));
      rows += block.ids.length;
      requests += result.requests;
      retries += result.retries;
    }
    if (!header) await writer.write(`${['id', ...codec.columns(1)].join(',')}\n`);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  }
  return { shardId: shard.shardId, rows, outputKey, requests, retries };
}

/**
 * Scores every shard of a batch in order, staging each part under the run's own prefix: nothing a
 * reader of the committed partition sees changes until commit-scores.
 */
export async function invokeBatch(
  s3: S3Client,
  runtime: SageMakerRuntimeClient,
  items: readonly ShardEntry[],
  batch: InvokeBatchInput,
  options: InvokeShardOptions,
): Promise<{ shards: InvokeShardResult[] }> {
  const shards: InvokeShardResult[] = [];
  for (const item of items) shards.push(await invokeShard(s3, runtime, item, batch, options));
  return { shards };
}
