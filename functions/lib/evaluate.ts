/** The evaluate step: batch-transform output (`label,prediction` lines) → metrics JSON in S3. */
import type { S3Client } from '@aws-sdk/client-s3';
import { EvaluationError } from '../../shared/errors';
import {
  binaryCurves,
  computeMetrics,
  emptyScoredRows,
  type Metrics,
  TransformOutputReader,
} from '../../shared/evaluation';
import { isDataKey } from '../../shared/partitions';
import { renderModelReport } from '../../shared/report';
import {
  formatS3Uri,
  isPrefix,
  listAllObjects,
  putJson,
  putObject,
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
  // Beside metrics.json: the curves (binary classifiers) and a self-contained HTML report of them.
  // metrics.json is written last: a reader that finds it finds the others complete.
  const sibling = (name: string): S3Location => ({
    bucket: request.metrics.bucket,
    key: request.metrics.key.replace(/[^/]*$/, name),
  });
  const curves =
    metrics.auc === undefined
      ? undefined
      : binaryCurves(rows.labels, rows.predictions, {
          threshold: request.objective === 'binary:logitraw' ? 0 : 0.5,
        });
  if (curves !== undefined) await putJson(s3, sibling('curves.json'), curves);
  const runId = request.metrics.key.split('/').at(-2) ?? request.metrics.key;
  const report = renderModelReport({
    runId,
    objective: request.objective,
    metrics: Object.fromEntries(Object.entries(metrics).filter(([, v]) => typeof v === 'number')),
    metricsUri,
    ...(curves === undefined ? {} : { curves }),
  });
  await putObject(s3, sibling('report.html'), report, 'text/html; charset=utf-8');
  await putJson(s3, request.metrics, { objective: request.objective, metrics, sources });
  return { metrics, metricsUri };
}
