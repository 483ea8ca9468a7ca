/**
 * The evaluate step: batch-transform output → metrics JSON in S3. XGBoost and custom containers:
 * `label,prediction` lines (the transform joins the label back). KMeans, PCA and Linear Learner:
 * each `<test object>.out` is read beside its test object (label-first CSV) and paired row by row,
 * then evaluated by the algorithm's kind: supervised (Linear Learner's `score` as a prediction),
 * clustering (WCSS, silhouette on a sample, cluster sizes), projection (explained variance).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { EvaluationError } from '../../shared/errors';
import {
  binaryCurves,
  clusteringMetrics,
  computeMetrics,
  emptyScoredRows,
  type Metrics,
  projectionMetrics,
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
  readObjectText,
  type S3Location,
} from '../../shared/s3';

/** The evaluate payload, parsed. */
export interface EvaluateRequest {
  readonly transformOutput: S3Location;
  readonly objective: string;
  readonly metrics: S3Location;
  /** How to read the output (default `supervised` with joined `label,prediction` lines). */
  readonly kind?: 'supervised' | 'clustering' | 'projection';
  /** The test split (label-first CSV) the `.out` objects pair with, row by row; absent = joined. */
  readonly test?: S3Location;
}

/** The evaluate result (docs/contracts.md): numeric metrics, by name. */
export interface EvaluateResult {
  readonly metrics: Metrics | Record<string, unknown>;
  readonly metricsUri: string;
}

function parseNumberCells(line: string, where: string): number[] {
  return line.split(',').map((cell, j) => {
    const v = cell.trim() === '' ? 0 : Number(cell);
    if (!Number.isFinite(v))
      throw new EvaluationError(`${where} column ${j + 1}: expected a number (the value is not shown)`);
    return v;
  });
}

/** The values of one output line: CSV numbers, or the numbers of a JSON Lines object in key order. */
function outputValues(line: string, where: string): number[] {
  if (!line.startsWith('{')) return parseNumberCells(line, where);
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    throw new EvaluationError(`${where}: not a JSON object`, { cause: error });
  }
  return Object.values(parsed).flatMap((v) => (Array.isArray(v) ? (v as number[]) : [v as number]));
}

/** Pairs each `<test key>.out` with its test object and evaluates by kind. */
async function evaluatePaired(
  s3: S3Client,
  request: EvaluateRequest,
  test: S3Location,
): Promise<EvaluateResult> {
  const testKeys = (isPrefix(test) ? (await listAllObjects(s3, test)).map((o) => o.key) : [test.key]).filter(
    isDataKey,
  );
  const outPrefix =
    request.transformOutput.key.endsWith('/') || request.transformOutput.key === ''
      ? request.transformOutput.key
      : `${request.transformOutput.key}/`;
  const base = isPrefix(test) ? test.key : test.key.slice(0, test.key.lastIndexOf('/') + 1);
  const labels: number[] = [];
  const features: number[][] = [];
  const outputs: number[][] = [];
  const sources: string[] = [];
  for (const key of testKeys) {
    const outKey = `${outPrefix}${key.slice(base.length)}.out`;
    const outUri = formatS3Uri({ bucket: request.transformOutput.bucket, key: outKey });
    const testLines = (await readObjectText(s3, { bucket: test.bucket, key }))
      .split('\n')
      .filter((l) => l.trim() !== '');
    const outLines = (await readObjectText(s3, { bucket: request.transformOutput.bucket, key: outKey }))
      .split('\n')
      .filter((l) => l.trim() !== '');
    if (testLines.length !== outLines.length) {
      throw new EvaluationError(
        `${outUri} has ${outLines.length} predictions for ${testLines.length} test rows`,
      );
    }
    testLines.forEach((line, i) => {
      const cells = parseNumberCells(line, `s3://${test.bucket}/${key} line ${i + 1}`);
      labels.push(cells[0]!);
      features.push(cells.slice(1));
      outputs.push(outputValues(outLines[i]!, `${outUri} line ${i + 1}`));
    });
    sources.push(outUri);
  }
  if (outputs.length === 0) throw new EvaluationError(`no test rows under ${formatS3Uri(test)}`);
  let metrics: Record<string, unknown>;
  if (request.kind === 'clustering') {
    const m = clusteringMetrics(
      features,
      outputs.map((o) => o[0]!),
      outputs.map((o) => o[1]!),
    );
    metrics = { ...m };
  } else if (request.kind === 'projection') {
    const m = projectionMetrics(outputs, features);
    metrics = { ...m };
    // One scalar per component, so a quality gate can name it.
    m.explainedVariance.forEach((v, j) => {
      metrics[`explained_variance_${j}`] = v;
    });
  } else {
    const rows = emptyScoredRows();
    labels.forEach((y, i) => {
      rows.labels.push(y);
      rows.predictions.push(outputs[i]![0]!);
    });
    metrics = { ...computeMetrics(rows, request.objective) };
  }
  const metricsUri = formatS3Uri(request.metrics);
  await putJson(s3, request.metrics, {
    objective: request.objective,
    kind: request.kind ?? 'supervised',
    metrics,
    sources,
  });
  return { metrics, metricsUri };
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
  if (request.test !== undefined) return evaluatePaired(s3, request, request.test);
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
