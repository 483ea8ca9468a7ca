/**
 * Distributed Map ResultWriter: the child executions' results, written through the resource
 * registry (`s3:putObject`) as `<Prefix>/<map run id>/SUCCEEDED_<n>.json`, `FAILED_<n>.json` and
 * `manifest.json` (SPEC §7.3), or returned as an array when the Map state has no ResultWriter.
 */
import type { ResourceCall } from './resource-call';

type Json = Record<string, unknown>;

/** One child execution's outcome, as ResultWriter reports it. */
export interface ChildOutcome {
  readonly name: string;
  readonly arn: string;
  readonly input: unknown;
  readonly startDate: Date;
  readonly stopDate: Date;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** An evaluated ResultWriter and the Map Run it reports. */
export interface ResultWriterSpec {
  readonly resource: string;
  readonly params: Json;
  readonly config: Json;
  readonly mapRunArn: string;
  readonly mapRunId: string;
  /** The parent state machine's ARN (each entry's StateMachineArn). */
  readonly stateMachineArn: string;
  /** Size at which the next `<STATUS>_<n>` file starts. */
  readonly fileBytes: number;
}

function value(o: ChildOutcome): unknown {
  return o.status === 'SUCCEEDED' ? o.output : { Error: o.error, Cause: o.cause ?? '' };
}

/** The Map state's result without a ResultWriter: each child's output, or its `{Error, Cause}`. */
export function inlineResults(outcomes: readonly ChildOutcome[]): unknown[] {
  return outcomes.map(value);
}

/** Writes the result files and the manifest; returns `{MapRunArn, ResultWriterDetails}`. */
export async function writeResults(
  outcomes: readonly ChildOutcome[],
  spec: ResultWriterSpec,
  call: ResourceCall,
): Promise<unknown> {
  const transformation = String(spec.config.Transformation ?? 'NONE');
  const outputType = String(spec.config.OutputType ?? 'JSON');
  const bucket = String(spec.params.Bucket ?? '');
  const prefix = typeof spec.params.Prefix === 'string' ? spec.params.Prefix.replace(/\/+$/, '') : '';
  const base = prefix === '' ? spec.mapRunId : `${prefix}/${spec.mapRunId}`;
  const extension = outputType === 'JSONL' ? 'jsonl' : 'json';
  const put = (key: string, body: string) => call(spec.resource, { Bucket: bucket, Key: key, Body: body });
  const files: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  for (const status of ['SUCCEEDED', 'FAILED'] as const) {
    const selected = outcomes.filter((o) => o !== undefined && o.status === status);
    if (selected.length === 0) continue;
    let entries: unknown[];
    if (transformation === 'COMPACT' || transformation === 'FLATTEN') {
      const values = selected.map(value);
      entries = transformation === 'FLATTEN' ? values.flatMap((v) => (Array.isArray(v) ? v : [v])) : values;
    } else {
      entries = selected.map((o) => executionEntry(o, spec.stateMachineArn));
    }
    // One file per status until it would pass the size limit, then SUCCEEDED_1, SUCCEEDED_2, …
    let parts: string[] = [];
    let size = 2;
    const flush = async () => {
      const body = outputType === 'JSONL' ? `${parts.join('\n')}\n` : `[${parts.join(',')}]`;
      const key = `${base}/${status}_${files[status].length}.${extension}`;
      await put(key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body, 'utf8') });
      parts = [];
      size = 2;
    };
    for (const entry of entries) {
      const text = JSON.stringify(entry);
      const bytes = Buffer.byteLength(text, 'utf8') + 1;
      if (parts.length > 0 && size + bytes > spec.fileBytes) await flush();
      parts.push(text);
      size += bytes;
    }
    if (parts.length > 0) await flush();
  }
  const manifestKey = `${base}/manifest.json`;
  await put(
    manifestKey,
    JSON.stringify({ DestinationBucket: bucket, MapRunArn: spec.mapRunArn, ResultFiles: files }),
  );
  return { MapRunArn: spec.mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
}

function executionEntry(o: ChildOutcome, stateMachineArn: string): Json {
  const entry: Json = {
    ExecutionArn: o.arn,
    Input: JSON.stringify(o.input ?? null),
    InputDetails: { Included: true },
    Name: o.name,
  };
  if (o.status === 'SUCCEEDED') {
    entry.Output = JSON.stringify(o.output ?? null);
    entry.OutputDetails = { Included: true };
  } else {
    entry.Error = o.error;
    if (o.cause !== undefined) entry.Cause = o.cause;
  }
  entry.RedriveCount = 0;
  entry.RedriveStatus = 'NOT_REDRIVABLE';
  entry.RedriveStatusReason = `Execution is ${o.status} and cannot be redriven`;
  entry.StartDate = o.startDate.toISOString();
  entry.StateMachineArn = stateMachineArn;
  entry.Status = o.status;
  entry.StopDate = o.stopDate.toISOString();
  return entry;
}
