/** The evaluate step: batch-transform output (`label,prediction` lines) → metrics JSON in S3. */
import type { S3Client } from '@aws-sdk/client-s3';
import { EvaluationError } from '../../shared/errors';
import {
  computeMetrics,
  emptyScoredRows,
  type Metrics,
  TransformOutputReader,
} from '../../shared/evaluation';
import { isDataKey } from '../../shared/partitions';
import {
  formatS3Uri,
  isPrefix,
  listAllObjects,
  putJson,
  readObjectChunks,
  type S3Location,
} from '../../shared/s3';

/** The evaluate payload, parsed. */
export interface EvaluateRequest {
  readonly transformOutput: S3Location;
  readonly objective: string;
  readonly metrics: S3Location;
}

/** The evaluate result (docs/contracts.md). */
export interface EvaluateResult {
  readonly metrics: Metrics;
  readonly metricsUri: string;
}

/**
 * Streams every `.out` object under the transform output prefix (or the one object named), computes
 * the objective's metrics and writes `{objective, metrics, sources}` to the metrics URI.
 *
 * @throws {EvaluationError} when there is no output; {@link CsvFormatError} naming file and line.
 */
export async function evaluateTransformOutput(
  s3: S3Client,
  request: EvaluateRequest,
): Promise<EvaluateResult> {
  const sourceKeys = isPrefix(request.transformOutput)
    ? (await listAllObjects(s3, request.transformOutput))
        .filter((o) => isDataKey(o.key) && o.key.endsWith('.out'))
        .map((o) => o.key)
    : [request.transformOutput.key];
  if (sourceKeys.length === 0) {
    throw new EvaluationError(
      `no batch-transform output (*.out) under ${formatS3Uri(request.transformOutput)}`,
    );
  }
  const rows = emptyScoredRows();
  const sources: string[] = [];
  for (const key of sourceKeys) {
    const location = { bucket: request.transformOutput.bucket, key };
    const uri = formatS3Uri(location);
    // Streamed: only the rows' numbers are kept (AUC needs them all), never an object's text.
    const reader = new TransformOutputReader(uri, rows);
    const decoder = new TextDecoder();
    for await (const chunk of readObjectChunks(s3, location))
      reader.push(decoder.decode(chunk, { stream: true }));
    reader.push(decoder.decode());
    reader.end();
    sources.push(uri);
  }
  const metrics = computeMetrics(rows, request.objective);
  const metricsUri = formatS3Uri(request.metrics);
  await putJson(s3, request.metrics, { objective: request.objective, metrics, sources });
  return { metrics, metricsUri };
}
