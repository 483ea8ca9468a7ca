/**
 * Distributed Map: ItemReader (S3 JSON, JSONL, CSV, MANIFEST, listObjectsV2), ItemSelector,
 * ItemBatcher, child executions run through a real concurrency pool, tolerated failures and
 * ResultWriter (SPEC §7.3). Child executions record no history in the parent.
 */
import { StateEvaluationError, StatesError } from './errors';
import { evaluateJsonataValue, evaluateTemplate, jsonataBody, Scope, toJson } from './payload';
import { asStatesError, childController, type Frame, Interruption, pool, release } from './runtime';
import { jsonataEnv, type MapSetup, processorOf, readItems, runProgram, type StateRun } from './states';

const MAX_BATCH_BYTES = 262144;

/** One child execution's outcome, as ResultWriter reports it. */
interface ChildOutcome {
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

type Json = Record<string, unknown>;

/** Evaluates a field of the Map state or its sub-objects in the state's query language. */
async function evalField(run: StateRun, value: unknown, field: string, input: unknown): Promise<unknown> {
  if (run.jsonata) {
    return evaluateJsonataValue(value, jsonataEnv(run), field);
  }
  return evaluateTemplate(value, {
    input,
    context: run.context,
    scope: run.frame.scope,
    random: run.frame.run.config.random,
  });
}

/** Reads `name` / `namePath` / a JSONata `name` as a number, with AWS's messages for bad values. */
async function readNumber(
  run: StateRun,
  holder: Json | undefined,
  name: string,
  input: unknown,
  kind: 'integer' | 'float',
): Promise<number | undefined> {
  if (holder === undefined) return undefined;
  const raw = holder[name];
  if (raw !== undefined) {
    if (run.jsonata && jsonataBody(raw) !== undefined) {
      const v = await evalField(run, raw, name, input);
      return typeof v === 'number' ? v : Number(v);
    }
    return typeof raw === 'number' ? raw : Number(raw);
  }
  const path = holder[`${name}Path`];
  if (typeof path !== 'string') return undefined;
  const v = (await evalField(run, { 'v.$': path }, `${name}Path`, input)) as { v: unknown };
  const value = v.v;
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new StateEvaluationError(
      'States.Runtime',
      `The ${name}Path field refers to value "${typeof value === 'string' ? value : toJson(value)}" which is not a valid ${kind}: ${path}`,
    );
  }
  return n;
}

/** Runs a Distributed Map state's Map Run and returns its result (or the ResultWriter details). */
export async function runDistributedMap(run: StateRun, setup: MapSetup): Promise<unknown> {
  const def = run.def;
  const frame = run.frame;
  const cfg = frame.run.config;
  const effective = setup.effective;
  const reader = def.ItemReader as Json | undefined;
  const label = typeof def.Label === 'string' ? def.Label : run.name;
  const mapRunId = cfg.uuid();
  const mapRunArn = `arn:${cfg.partition}:states:${cfg.region}:${cfg.account}:mapRun:${cfg.stateMachineName}/${label}:${mapRunId}`;
  let items: unknown[] | undefined;
  if (reader === undefined) items = await readItems(run, effective);
  frame.run.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items?.length ?? 0 });
  const tolerated = await readTolerance(run, effective);
  frame.run.emit(frame, 'MapRunStarted', 'mapRunStartedEventDetails', { mapRunArn });
  try {
    if (items === undefined) items = await readFromItemReader(run, reader!, effective);
    const inputs = await selectAndBatch(run, setup, items, effective);
    const { outcomes, exceeded } = await runChildren(run, setup, inputs, label, tolerated);
    if (exceeded) {
      // As on AWS, a Map Run that fails on its tolerance still exports the results it has (FAILED_n.json
      // carries each failed child's Error and Cause), so a Catch can read them.
      if (def.ResultWriter !== undefined) await writeResults(run, outcomes, mapRunArn, mapRunId, effective);
      throw new StatesError(
        'States.ExceedToleratedFailureThreshold',
        'The specified tolerance threshold was exceeded',
      );
    }
    const result = await writeResults(run, outcomes, mapRunArn, mapRunId, effective);
    frame.run.emit(frame, 'MapRunSucceeded');
    frame.run.emitAside(frame, 'MapStateSucceeded');
    return result;
  } catch (thrown) {
    if (thrown instanceof Interruption || frame.signal.aborted) throw thrown;
    const error = asStatesError(thrown);
    const d: Json = { error: error.error };
    if (error.cause !== undefined) d.cause = error.cause;
    frame.run.emit(frame, 'MapRunFailed', 'mapRunFailedEventDetails', d);
    frame.run.emit(frame, 'MapStateFailed');
    throw error;
  }
}

interface Tolerance {
  readonly count?: number;
  readonly percentage?: number;
}

async function readTolerance(run: StateRun, input: unknown): Promise<Tolerance> {
  const count = await readNumber(run, run.def, 'ToleratedFailureCount', input, 'integer');
  const percentage = await readNumber(run, run.def, 'ToleratedFailurePercentage', input, 'float');
  if (count !== undefined && count < 0) {
    throw new StateEvaluationError('States.Runtime', 'ToleratedFailureCount cannot be negative.');
  }
  if (percentage !== undefined && (percentage < 0 || percentage > 100)) {
    throw new StateEvaluationError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100.');
  }
  return { ...(count !== undefined ? { count } : {}), ...(percentage !== undefined ? { percentage } : {}) };
}

// ---------------------------------------------------------------- ItemReader

function readerFailed(cause: string): StatesError {
  return new StatesError('States.ItemReaderFailed', cause);
}

async function readFromItemReader(run: StateRun, reader: Json, input: unknown): Promise<unknown[]> {
  const store = run.frame.run.config.store;
  if (store === undefined) throw readerFailed('No object store is configured for the ItemReader.');
  const resource = String(reader.Resource ?? '');
  const paramsDef = reader.Arguments ?? reader.Parameters ?? {};
  const params = (await evalField(
    run,
    paramsDef,
    run.jsonata ? 'ItemReader/Arguments' : 'ItemReader/Parameters',
    input,
  )) as Json;
  const config = (reader.ReaderConfig as Json | undefined) ?? {};
  let maxItems = await readNumber(run, config, 'MaxItems', input, 'integer');
  if (maxItems !== undefined && maxItems < 0) throw readerFailed('field MaxItems must be positive');
  if (maxItems === 0) maxItems = undefined;
  const bucket = String(params.Bucket ?? '');
  let items: unknown[];
  try {
    if (/:s3:listObjectsV2$/.test(resource)) {
      items = await listObjects(store, bucket, params, maxItems);
    } else {
      const key = String(params.Key ?? '');
      const inputType = String(config.InputType ?? 'JSON');
      if (inputType === 'MANIFEST') {
        items = await readManifest(store, bucket, key);
      } else {
        const body = new TextDecoder().decode(await store.getObject(bucket, key));
        items = parseObject(body, inputType, config);
      }
    }
  } catch (error) {
    if (error instanceof StatesError) throw error;
    const e = error as { name?: string; message?: string };
    throw readerFailed(`${e.name ?? 'Error'}: ${e.message ?? String(error)}`);
  }
  return maxItems !== undefined ? items.slice(0, maxItems) : items;
}

async function listObjects(
  store: NonNullable<StateRun['frame']['run']['config']['store']>,
  bucket: string,
  params: Json,
  maxItems: number | undefined,
): Promise<unknown[]> {
  const out: unknown[] = [];
  let token: string | undefined;
  for (;;) {
    const page = await store.listObjects(bucket, {
      ...(typeof params.Prefix === 'string' ? { prefix: params.Prefix } : {}),
      ...(typeof params.Delimiter === 'string' ? { delimiter: params.Delimiter } : {}),
      ...(typeof params.StartAfter === 'string' ? { startAfter: params.StartAfter } : {}),
      ...(token !== undefined ? { continuationToken: token } : {}),
    });
    for (const o of page.objects) {
      out.push({
        Etag: o.etag,
        Key: o.key,
        LastModified: o.lastModified.toISOString(),
        Size: o.size,
        StorageClass: o.storageClass,
      });
      if (maxItems !== undefined && out.length >= maxItems) return out;
    }
    if (!page.isTruncated || page.nextContinuationToken === undefined) return out;
    token = page.nextContinuationToken;
  }
}

/** Parses an ItemReader object body (JSON, JSONL, CSV) into items. */
export function parseObject(body: string, inputType: string, config: Json): unknown[] {
  if (inputType === 'JSON') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw readerFailed('The ItemReader object is not valid JSON.');
    }
    if (!Array.isArray(parsed)) throw readerFailed('Attempting to map over non-iterable node.');
    return parsed;
  }
  if (inputType === 'JSONL') {
    const out: unknown[] = [];
    let start = 0;
    let line = 0;
    while (start < body.length) {
      let end = body.indexOf('\n', start);
      if (end < 0) end = body.length;
      line++;
      const text = body.slice(start, end).trim();
      start = end + 1;
      if (text === '') continue;
      try {
        out.push(JSON.parse(text));
      } catch {
        throw readerFailed(`The JSONL line ${line} is not valid JSON.`);
      }
    }
    return out;
  }
  if (inputType === 'CSV') return parseCsvItems(body, config);
  throw readerFailed(`Unsupported InputType: ${inputType}`);
}

const DELIMITERS: Record<string, string> = { COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t', SPACE: ' ' };

function parseCsvItems(body: string, config: Json): unknown[] {
  const delimiter = DELIMITERS[String(config.CSVDelimiter ?? 'COMMA')] ?? ',';
  const rows = parseCsv(body, delimiter);
  let headers: string[];
  if (config.CSVHeaderLocation === 'GIVEN') {
    headers = (config.CSVHeaders as unknown[] | undefined)?.map(String) ?? [];
  } else {
    const first = rows.shift();
    if (first === undefined) return [];
    headers = first;
  }
  if (new Set(headers).size !== headers.length) throw readerFailed('CSV headers cannot contain duplicates.');
  return rows.map((row) => {
    const item: Record<string, string> = {};
    headers.forEach((h, i) => {
      item[h] = row[i] ?? '';
    });
    return item;
  });
}

/** RFC 4180 CSV: quoted fields with doubled quotes; a trailing empty line is not a row. */
export function parseCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let rowHasContent = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
      rowHasContent = true;
      i++;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      rowHasContent = true;
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      rowHasContent = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      rowHasContent = true;
      i++;
    }
  }
  if (rowHasContent || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

async function readManifest(
  store: NonNullable<StateRun['frame']['run']['config']['store']>,
  bucket: string,
  key: string,
): Promise<unknown[]> {
  const manifest = JSON.parse(new TextDecoder().decode(await store.getObject(bucket, key))) as Json;
  const files = (manifest.files as Json[] | undefined) ?? [];
  const schema = String(manifest.fileSchema ?? 'Bucket, Key')
    .split(',')
    .map((s) => s.trim());
  const out: unknown[] = [];
  for (const file of files) {
    const body = new TextDecoder().decode(await store.getObject(bucket, String(file.key)));
    for (const row of parseCsv(body, ',')) {
      const item: Record<string, string> = {};
      schema.forEach((h, i) => {
        item[h] = row[i] ?? '';
      });
      out.push(item);
    }
  }
  return out;
}

// ---------------------------------------------------------------- ItemSelector / ItemBatcher

async function selectAndBatch(
  run: StateRun,
  setup: MapSetup,
  items: unknown[],
  input: unknown,
): Promise<unknown[]> {
  const selected: unknown[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) selected[i] = await setup.select(items[i], i);
  const batcher = run.def.ItemBatcher as Json | undefined;
  if (batcher === undefined) return selected;
  const maxItems = await readNumber(run, batcher, 'MaxItemsPerBatch', input, 'integer');
  const maxBytes = Math.min(
    (await readNumber(run, batcher, 'MaxInputBytesPerBatch', input, 'integer')) ?? MAX_BATCH_BYTES,
    MAX_BATCH_BYTES,
  );
  let batchInput: unknown;
  if (batcher.BatchInput !== undefined)
    batchInput = await evalField(run, batcher.BatchInput, 'ItemBatcher/BatchInput', input);
  const base = batchInput === undefined ? 2 : toJson(batchInput).length + 14;
  const batches: unknown[] = [];
  let current: unknown[] = [];
  let bytes = base + 11;
  const flush = () => {
    if (current.length === 0) return;
    batches.push(batchInput === undefined ? { Items: current } : { BatchInput: batchInput, Items: current });
    current = [];
    bytes = base + 11;
  };
  for (const item of selected) {
    const size = Buffer.byteLength(toJson(item), 'utf8') + 1;
    if (
      current.length > 0 &&
      ((maxItems !== undefined && current.length >= maxItems) || bytes + size > maxBytes)
    )
      flush();
    current.push(item);
    bytes += size;
  }
  flush();
  return batches;
}

// ---------------------------------------------------------------- child executions

async function runChildren(
  run: StateRun,
  setup: MapSetup,
  inputs: unknown[],
  label: string,
  tolerance: Tolerance,
): Promise<{ outcomes: ChildOutcome[]; exceeded: boolean }> {
  const frame = run.frame;
  const cfg = frame.run.config;
  const program = processorOf(run.def);
  const language =
    (program.QueryLanguage ?? (run.jsonata ? 'JSONata' : frame.queryLanguage)) === 'JSONata'
      ? 'JSONata'
      : 'JSONPath';
  const controller = childController(frame.signal);
  const outcomes: ChildOutcome[] = new Array(inputs.length);
  let failed = 0;
  let exceeded = false;
  const total = inputs.length;
  const exceeds = (): boolean => {
    if (tolerance.count === undefined && tolerance.percentage === undefined) return failed > 0;
    if (tolerance.count !== undefined && failed > tolerance.count) return true;
    if (tolerance.percentage !== undefined && (failed * 100) / total > tolerance.percentage) return true;
    return false;
  };
  const smName = `${cfg.stateMachineName}/${label}`;
  const smArn = `${cfg.stateMachineArn}/${label}`;
  await pool(inputs.length, setup.maxConcurrency, controller.signal, async (index) => {
    const name = cfg.uuid();
    const arn = `arn:${cfg.partition}:states:${cfg.region}:${cfg.account}:execution:${smName}:${name}`;
    const input = inputs[index];
    const startDate = new Date();
    const childFrame: Frame = {
      run: frame.run,
      record: false,
      prev: 0,
      scope: new Scope(),
      signal: controller.signal,
      context: {
        Execution: {
          Id: arn,
          Input: input,
          Name: name,
          RoleArn: cfg.roleArn,
          StartTime: startDate.toISOString(),
          RedriveCount: 0,
        },
        StateMachine: { Id: smArn, Name: smName },
      },
      queryLanguage: language,
      // ExecutionStarted is the child's event #1.
      ids: { last: 1 },
    };
    try {
      const output = await runProgram(program, input, childFrame);
      outcomes[index] = { name, arn, input, startDate, stopDate: new Date(), status: 'SUCCEEDED', output };
    } catch (thrown) {
      if (thrown instanceof Interruption) return;
      const error = asStatesError(thrown);
      failed++;
      outcomes[index] = {
        name,
        arn,
        input,
        startDate,
        stopDate: new Date(),
        status: 'FAILED',
        error: error.error,
        ...(error.cause !== undefined ? { cause: error.cause } : {}),
      };
      if (!exceeded && exceeds()) {
        exceeded = true;
        controller.abort(new Interruption('CANCELLED'));
      }
    }
  });
  release(controller);
  if (frame.signal.aborted) throw frame.signal.reason;
  return { outcomes, exceeded };
}

// ---------------------------------------------------------------- ResultWriter

async function writeResults(
  run: StateRun,
  outcomes: ChildOutcome[],
  mapRunArn: string,
  mapRunId: string,
  input: unknown,
): Promise<unknown> {
  const writer = run.def.ResultWriter as Json | undefined;
  if (writer === undefined) {
    return outcomes.map((o) =>
      o.status === 'SUCCEEDED' ? o.output : { Error: o.error, Cause: o.cause ?? '' },
    );
  }
  const store = run.frame.run.config.store;
  if (store === undefined)
    throw new StatesError('States.ResultWriterFailed', 'No object store is configured for the ResultWriter.');
  const params = (await evalField(
    run,
    writer.Arguments ?? writer.Parameters ?? {},
    run.jsonata ? 'ResultWriter/Arguments' : 'ResultWriter/Parameters',
    input,
  )) as Json;
  const config = (writer.WriterConfig as Json | undefined) ?? {};
  const transformation = String(config.Transformation ?? 'NONE');
  const outputType = String(config.OutputType ?? 'JSON');
  const bucket = String(params.Bucket ?? '');
  const prefix = typeof params.Prefix === 'string' ? params.Prefix.replace(/\/+$/, '') : '';
  const base = prefix === '' ? mapRunId : `${prefix}/${mapRunId}`;
  const extension = outputType === 'JSONL' ? 'jsonl' : 'json';
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
      const values = selected.map((o) =>
        status === 'SUCCEEDED' ? o.output : { Error: o.error, Cause: o.cause ?? '' },
      );
      entries = transformation === 'FLATTEN' ? values.flatMap((v) => (Array.isArray(v) ? v : [v])) : values;
    } else {
      entries = selected.map((o) => executionEntry(run, o));
    }
    // One file per status until it would pass the size limit, then SUCCEEDED_1, SUCCEEDED_2, …
    const limit = run.frame.run.config.resultFileBytes;
    let parts: string[] = [];
    let size = 2;
    const flush = async () => {
      const body = outputType === 'JSONL' ? `${parts.join('\n')}\n` : `[${parts.join(',')}]`;
      const key = `${base}/${status}_${files[status].length}.${extension}`;
      const bytes = new TextEncoder().encode(body);
      await store.putObject(bucket, key, bytes);
      files[status].push({ Key: key, Size: bytes.length });
      parts = [];
      size = 2;
    };
    for (const entry of entries) {
      const text = JSON.stringify(entry);
      const bytes = Buffer.byteLength(text, 'utf8') + 1;
      if (parts.length > 0 && size + bytes > limit) await flush();
      parts.push(text);
      size += bytes;
    }
    if (parts.length > 0) await flush();
  }
  const manifestKey = `${base}/manifest.json`;
  await store.putObject(
    bucket,
    manifestKey,
    JSON.stringify({ DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files }),
  );
  return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
}

function executionEntry(run: StateRun, o: ChildOutcome): Json {
  const cfg = run.frame.run.config;
  const entry: Json = {
    ExecutionArn: o.arn,
    Input: toJson(o.input),
    InputDetails: { Included: true },
    Name: o.name,
  };
  if (o.status === 'SUCCEEDED') {
    entry.Output = toJson(o.output);
    entry.OutputDetails = { Included: true };
  } else {
    entry.Error = o.error;
    if (o.cause !== undefined) entry.Cause = o.cause;
  }
  entry.RedriveCount = 0;
  entry.RedriveStatus = 'NOT_REDRIVABLE';
  entry.RedriveStatusReason = `Execution is ${o.status} and cannot be redriven`;
  entry.StartDate = o.startDate.toISOString();
  entry.StateMachineArn = cfg.stateMachineArn;
  entry.Status = o.status;
  entry.StopDate = o.stopDate.toISOString();
  return entry;
}
