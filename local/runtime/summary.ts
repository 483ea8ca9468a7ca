/**
 * The final summary `npm start` and `sparkmaker run` print: metrics, the quality gate's decision,
 * the model, and where every output landed under `.sparkmaker/`.
 */
import { causeForDisplay } from '../../shared/errors';
import type { LambdaService } from '../services/lambda';
import type { ExecutionRecord } from '../services/sfn';
import { localPathOf } from './samples';

function parse(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function number(value: unknown): string {
  return typeof value === 'number'
    ? Number.isInteger(value)
      ? String(value)
      : value.toFixed(4)
    : String(value);
}

function duration(record: ExecutionRecord): string {
  if (record.stopDate === undefined) return '';
  return `${((Date.parse(record.stopDate) - Date.parse(record.startDate)) / 1000).toFixed(1)}s`;
}

/** The run configuration validate-input returned (the ValidateInput state's output), if recorded. */
function validatedConfig(record: ExecutionRecord): Record<string, unknown> {
  for (const event of record.events) {
    const details = event.stateExitedEventDetails as { name?: string; output?: string } | undefined;
    if (details?.name === 'ValidateInput') return parse(details.output);
  }
  return {};
}

/** Lines describing a finished execution of either workflow. */
export function summarize(record: ExecutionRecord, stateDir: string): string[] {
  const lines: string[] = [];
  const out = parse(record.output);
  const where = (uri: unknown) => (typeof uri === 'string' ? localPathOf(uri, stateDir) : '');
  lines.push(`${record.stateMachineName} ${record.name}: ${record.status} ${duration(record)}`.trimEnd());
  if (record.status !== 'SUCCEEDED') {
    lines.push(`  error: ${record.error ?? 'unknown'}`);
    if (record.cause !== undefined && record.cause !== '')
      lines.push(`  cause: ${causeForDisplay(record.cause)}`);
    return lines;
  }
  if (out.metrics !== undefined) {
    const metrics = out.metrics as Record<string, unknown>;
    lines.push(
      `  metrics: ${Object.entries(metrics)
        .map(([k, v]) => `${k} ${number(v)}`)
        .join(', ')}`,
    );
    const gate = out.gate as { metric?: string; threshold?: number } | undefined;
    if (gate?.metric !== undefined) {
      const lower = gate.metric === 'logloss' || gate.metric === 'rmse';
      lines.push(
        `  gate: ${gate.metric} ${number(metrics[gate.metric])} ${lower ? '<=' : '>='} ${number(gate.threshold)}: passed, model registered (${String(out.approvalStatus ?? '')})`,
      );
    }
  }
  if (out.modelPackageArn !== undefined && out.modelPackageArn !== null) {
    lines.push(`  model package: ${String(out.modelPackageArn)}`);
  }
  if (typeof out.modelDataUrl === 'string') lines.push(`  model: ${where(out.modelDataUrl)}`);
  if (typeof out.modelUri === 'string') lines.push(`  model: ${where(out.modelUri)}`);
  if (typeof out.featuresUri === 'string') lines.push(`  features: ${where(out.featuresUri)}`);
  const config = validatedConfig(record);
  if (typeof config.trainingDataUri === 'string' && out.metrics !== undefined) {
    lines.push(`  training data: ${where(config.trainingDataUri)}`);
  }
  if (typeof out.transformOutputUri === 'string')
    lines.push(`  batch transform output: ${where(out.transformOutputUri)}`);
  if (typeof out.metricsUri === 'string') lines.push(`  metrics file: ${where(out.metricsUri)}`);
  if (out.rows !== undefined) {
    const failed = Array.isArray(out.failedShards) ? out.failedShards.length : 0;
    lines.push(
      `  scored: ${number(out.rows)} rows in ${number(out.shards)} shards (${String(out.status)}${failed > 0 ? `, ${failed} failed shards: ${JSON.stringify(out.failedShards)}` : ''})`,
    );
  }
  if (typeof out.outputUri === 'string') {
    const dt = typeof out.dt === 'string' ? `dt=${out.dt}/` : '';
    const marker = out.status === 'COMPLETE' ? ' (with _SUCCESS)' : ' (no _SUCCESS: shards failed)';
    lines.push(`  scores: ${where(`${out.outputUri}${dt}`)}${out.status === undefined ? '' : marker}`);
  }
  if (typeof out.manifestUri === 'string') lines.push(`  run manifest: ${where(out.manifestUri)}`);
  lines.push(`  history: sparkmaker history ${record.name}`);
  return lines;
}

/** The Lambda line of the run summary: invocations, workers and cold starts (with their load time). */
export function lambdaSummary(lambda: LambdaService): string {
  const stats = Object.values(lambda.stats());
  const invocations = stats.reduce((n, s) => n + s.invocations, 0);
  const cold = stats.reduce((n, s) => n + s.coldStarts, 0);
  const initMs = stats.reduce((n, s) => n + s.initMs, 0);
  return `Lambda: ${invocations} invocations on up to ${lambda.workers} workers, ${cold} cold starts (${(initMs / 1000).toFixed(1)}s loading modules)`;
}
