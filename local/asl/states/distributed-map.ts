/**
 * Distributed Map: ItemReader (S3 JSON, JSONL, CSV, MANIFEST, listObjectsV2), ItemSelector,
 * ItemBatcher, child executions run through a real concurrency pool, tolerated failures and
 * ResultWriter (SPEC §7.3). Child executions record no history in the parent.
 */
import { StateEvaluationError, StatesError } from '../errors';
import type { StateRun } from '../exec';
import { readerFailed, readItemsFrom } from '../map/item-reader';
import { type ResourceCall, resourceCaller } from '../map/resource-call';
import { type ChildOutcome, inlineResults, type ResultWriterSpec, writeResults } from '../map/result-writer';
import type { FieldObject, MapState } from '../model';
import { Scope, toJson } from '../payload';
import { asStatesError, childController, type Frame, Interruption, pool, release } from '../runtime';
import { type MapSetup, readItems } from './map-items';

const MAX_BATCH_BYTES = 262144;

type Json = Record<string, unknown>;
type Run = StateRun<MapState>;

/** Reads `name` / `namePath` / a JSONata `name` as a number, with AWS's messages for bad values. */
async function readNumber(
  run: Run,
  holder: object | undefined,
  name: string,
  input: unknown,
  kind: 'integer' | 'float',
): Promise<number | undefined> {
  if (holder === undefined) return undefined;
  const field = await run.flow.field(run, holder, name, input);
  if (field === undefined) return undefined;
  const value = field.value;
  if (field.path === undefined) return typeof value === 'number' ? value : Number(value);
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  if (!Number.isFinite(n) || (kind === 'integer' && !Number.isInteger(n))) {
    throw new StateEvaluationError(
      'States.Runtime',
      `The ${name}Path field refers to value "${typeof value === 'string' ? value : toJson(value)}" which is not a valid ${kind}: ${field.path}`,
    );
  }
  return n;
}

/** Evaluates a field object's Arguments (JSONata) or Parameters (JSONPath). */
function evalArguments(run: Run, holder: FieldObject, owner: string, input: unknown): Promise<Json> {
  const jsonata = run.flow.language === 'JSONata';
  const field = `${owner}/${jsonata ? 'Arguments' : 'Parameters'}`;
  return run.flow.evaluate(
    run,
    (jsonata ? holder.Arguments : holder.Parameters) ?? {},
    field,
    input,
  ) as Promise<Json>;
}

/** Runs a Distributed Map state's Map Run and returns its result (or the ResultWriter details). */
export async function runDistributedMap(run: Run, setup: MapSetup): Promise<unknown> {
  const def = run.state;
  const frame = run.frame;
  const cfg = frame.run.config;
  const effective = setup.effective;
  const reader = def.ItemReader;
  const label = def.Label ?? def.name;
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
      if (def.ResultWriter !== undefined) await writeResultsOf(run, outcomes, mapRunArn, mapRunId, effective);
      throw new StatesError(
        'States.ExceedToleratedFailureThreshold',
        'The specified tolerance threshold was exceeded',
      );
    }
    const result = await writeResultsOf(run, outcomes, mapRunArn, mapRunId, effective);
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

async function readTolerance(run: Run, input: unknown): Promise<Tolerance> {
  const count = await readNumber(run, run.state, 'ToleratedFailureCount', input, 'integer');
  const percentage = await readNumber(run, run.state, 'ToleratedFailurePercentage', input, 'float');
  if (count !== undefined && count < 0) {
    throw new StateEvaluationError('States.Runtime', 'ToleratedFailureCount cannot be negative.');
  }
  if (percentage !== undefined && (percentage < 0 || percentage > 100)) {
    throw new StateEvaluationError('States.Runtime', 'ToleratedFailurePercentage must be between 0 and 100.');
  }
  return { ...(count !== undefined ? { count } : {}), ...(percentage !== undefined ? { percentage } : {}) };
}

// ---------------------------------------------------------------- ItemReader

function caller(run: Run, error: 'States.ItemReaderFailed' | 'States.ResultWriterFailed'): ResourceCall {
  return resourceCaller(run.frame.run.config.registry, run.frame.signal, run.context, error);
}

async function readFromItemReader(run: Run, reader: FieldObject, input: unknown): Promise<unknown[]> {
  const params = await evalArguments(run, reader, 'ItemReader', input);
  const config = (reader.ReaderConfig as Json | undefined) ?? {};
  let maxItems = await readNumber(run, config, 'MaxItems', input, 'integer');
  if (maxItems !== undefined && maxItems < 0) throw readerFailed('field MaxItems must be positive');
  if (maxItems === 0) maxItems = undefined;
  const spec = { resource: String(reader.Resource ?? ''), params, config };
  return readItemsFrom(
    maxItems === undefined ? spec : { ...spec, maxItems },
    caller(run, 'States.ItemReaderFailed'),
  );
}

// ---------------------------------------------------------------- ItemSelector / ItemBatcher

async function selectAndBatch(
  run: Run,
  setup: MapSetup,
  items: unknown[],
  input: unknown,
): Promise<unknown[]> {
  const selected: unknown[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) selected[i] = await setup.select(items[i], i);
  const batcher = run.state.ItemBatcher;
  if (batcher === undefined) return selected;
  const maxItems = await readNumber(run, batcher, 'MaxItemsPerBatch', input, 'integer');
  const maxBytes = Math.min(
    (await readNumber(run, batcher, 'MaxInputBytesPerBatch', input, 'integer')) ?? MAX_BATCH_BYTES,
    MAX_BATCH_BYTES,
  );
  let batchInput: unknown;
  if (batcher.BatchInput !== undefined)
    batchInput = await run.flow.evaluate(run, batcher.BatchInput, 'ItemBatcher/BatchInput', input);
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
  run: Run,
  setup: MapSetup,
  inputs: unknown[],
  label: string,
  tolerance: Tolerance,
): Promise<{ outcomes: ChildOutcome[]; exceeded: boolean }> {
  const frame = run.frame;
  const cfg = frame.run.config;
  const program = run.state.processor;
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
      // ExecutionStarted is the child's event #1.
      ids: { last: 1 },
    };
    try {
      const output = await run.engine.runProgram(program, input, childFrame);
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

async function writeResultsOf(
  run: Run,
  outcomes: ChildOutcome[],
  mapRunArn: string,
  mapRunId: string,
  input: unknown,
): Promise<unknown> {
  const writer = run.state.ResultWriter;
  if (writer === undefined) return inlineResults(outcomes);
  const params = await evalArguments(run, writer, 'ResultWriter', input);
  const cfg = run.frame.run.config;
  const spec: ResultWriterSpec = {
    resource: String(writer.Resource ?? ''),
    params,
    config: (writer.WriterConfig as Json | undefined) ?? {},
    mapRunArn,
    mapRunId,
    stateMachineArn: cfg.stateMachineArn,
    fileBytes: cfg.resultFileBytes,
  };
  return writeResults(outcomes, spec, caller(run, 'States.ResultWriterFailed'));
}
