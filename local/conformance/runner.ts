/**
 * Runs conformance cases with the interpreter: the case's Lambda functions are simulated
 * (see lambdas.ts), its S3 objects are loaded into a MemoryObjectStore that ItemReader and
 * ResultWriter reach through the registry's S3 integrations (s3.ts), waits are
 * scaled down, and each case has a wall-clock limit.
 */
import { randomUUID } from 'node:crypto';
import {
  type Execution,
  type LambdaInvokeResult,
  ResourceRegistry,
  registerLambda,
  StateMachine,
  StatesError,
} from '../asl';
import { MemoryObjectStore } from '../services/object-store';
import type { ConformanceCase } from './case';
import { type ActualResult, compareHistory, type EventSkeleton, judge, type Verdict } from './compare';
import { pythonJsonDumps, simulateHandler } from './lambdas';
import { registerS3Integrations } from './s3';

/** How cases run. */
export interface RunOptions {
  /** Multiplies waits, retry intervals, timeouts and the simulated Lambda sleeps (default 0.01). */
  timeScale?: number;
  /** Wall-clock limit per case in milliseconds (default 20 s). */
  timeoutMs?: number;
}

/** One case's outcome: what the interpreter did and the verdict against AWS's recording. */
export interface CaseOutcome extends ActualResult {
  pass: boolean;
  differences: string[];
  durationMs: number;
  /** How the history differs from the recorded events (undefined when it matches or none is recorded). */
  historyDifference?: string;
}

/** The account and region the recordings were made in (their ARNs show them). */
const REGION = 'us-east-1';
const ACCOUNT = '111111111111';

/** The function name in `name`, `name:qualifier`, or a full or partial function ARN. */
export function functionNameOf(reference: string): string {
  const parts = reference.split(':');
  const at = parts.indexOf('function');
  if (at >= 0 && parts[at + 1] !== undefined) return parts[at + 1]!;
  return parts[0]!;
}

function lambdaNotFound(name: string): StatesError {
  return new StatesError(
    'Lambda.ResourceNotFoundException',
    `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

function buildRegistry(testCase: ConformanceCase, timeScale: number): ResourceRegistry {
  const registry = new ResourceRegistry();
  const functions = new Map<string, string>();
  for (const [name, fn] of Object.entries(testCase.lambda_functions ?? {})) {
    functions.set(name, fn.handler);
    functions.set(functionNameOf(fn.arn), fn.handler);
  }
  registerLambda(registry, async (reference, payload, request) => {
    const name = functionNameOf(reference);
    const handler = functions.get(name);
    if (handler === undefined) throw lambdaNotFound(name);
    const result = await simulateHandler(handler, payload, { timeScale, signal: request.signal });
    // The Python runtime answers with json.dumps text: AWS shows it verbatim as the cause of a bare
    // function ARN task and counts its bytes in Content-Length. `rawPayload` carries that text.
    const response: LambdaInvokeResult & { readonly rawPayload: string } = {
      payload: result.payload,
      rawPayload: pythonJsonDumps(result.payload),
      ...(result.functionError ? { functionError: result.functionError } : {}),
    };
    return response;
  });
  return registry;
}

async function buildStore(testCase: ConformanceCase): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  for (const [location, body] of Object.entries(testCase.s3_objects ?? {})) {
    const slash = location.indexOf('/');
    const bucket = location.slice(0, slash);
    const key = location.slice(slash + 1);
    store.createBucket(bucket);
    const bytes = body.base64 !== undefined ? Buffer.from(body.base64, 'base64') : (body.text ?? '');
    await store.putObject(bucket, key, bytes);
  }
  return store;
}

/**
 * Cases recorded around a StopExecution call (expected ABORTED) get the same call once their
 * first state is entered, as the recording test did.
 */
function stopWhenStarted(execution: Execution): void {
  const stopIfEntered = (type: string): boolean => {
    if (!type.endsWith('StateEntered')) return false;
    setTimeout(() => execution.stop(), 0);
    return true;
  };
  if (execution.events.some((e) => stopIfEntered(e.type))) return;
  const unsubscribe = execution.onEvent((event) => {
    if (stopIfEntered(event.type)) unsubscribe();
  });
}

/** Runs one case and judges it. Never throws: a crash is reported as a failing outcome. */
export async function runCase(testCase: ConformanceCase, options: RunOptions = {}): Promise<CaseOutcome> {
  const timeScale = options.timeScale ?? 0.01;
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = performance.now();
  let actual: ActualResult;
  let events: readonly EventSkeleton[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const machine = new StateMachine(testCase.definition, {
      registry: registerS3Integrations(buildRegistry(testCase, timeScale), await buildStore(testCase)),
      timeScale,
      region: REGION,
      account: ACCOUNT,
      name: `conformance-${testCase.id.slice(0, 40).replace(/[^A-Za-z0-9_]/g, '_')}`,
      type: testCase.state_machine_type ?? 'STANDARD',
    });
    const execution = machine.start(testCase.input);
    if (testCase.expected.status === 'ABORTED') stopWhenStarted(execution);
    const limit = new Promise<ActualResult>((resolve) => {
      timer = setTimeout(() => {
        execution.stop('Conformance.RunnerTimeout', `the case did not finish within ${timeoutMs} ms`);
        resolve({ status: 'RUNNER_TIMEOUT', error: 'Conformance.RunnerTimeout' });
      }, timeoutMs);
    });
    const result = await Promise.race([execution.done, limit]);
    events = execution.events;
    actual = { status: result.status, output: result.output, error: result.error, cause: result.cause };
  } catch (error) {
    actual =
      error instanceof StatesError
        ? { status: 'DEFINITION_REJECTED', error: error.error, cause: error.cause }
        : {
            status: 'RUNNER_ERROR',
            error: (error as Error).name,
            cause: (error as Error).stack ?? String(error),
          };
  } finally {
    clearTimeout(timer);
  }
  const verdict: Verdict = judge(testCase, actual);
  const historyDifference = Array.isArray(testCase.expected_events)
    ? compareHistory(testCase.expected_events, events)
    : undefined;
  return {
    ...actual,
    ...verdict,
    durationMs: Math.round(performance.now() - started),
    ...(historyDifference === undefined ? {} : { historyDifference }),
  };
}

/** Runs `cases` with at most `concurrency` in flight; `onDone` sees each outcome as it lands. */
export async function runCases(
  cases: ConformanceCase[],
  options: RunOptions & { concurrency?: number },
  onDone?: (testCase: ConformanceCase, outcome: CaseOutcome) => void,
): Promise<Map<string, CaseOutcome>> {
  const outcomes = new Map<string, CaseOutcome>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const testCase = cases[next++]!;
      const outcome = await runCase(testCase, options);
      outcomes.set(testCase.id, outcome);
      onDone?.(testCase, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  return outcomes;
}
