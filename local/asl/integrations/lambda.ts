/**
 * The Step Functions Lambda integrations: the optimized `arn:aws:states:::lambda:invoke`
 * (+ `.waitForTaskToken`), whose result wraps the payload in the Invoke response, and bare function
 * ARNs (`arn:aws:lambda:…:function:name`), whose result is the function's raw output.
 */
import { randomUUID } from 'node:crypto';
import { StatesError } from '../errors';
import type { ResourceRegistry } from '../registry';
import type { TaskRequest } from '../types';

/** What invoking a function returned (Lambda's Invoke response, payload parsed from JSON). */
export interface LambdaInvokeResult {
  readonly payload: unknown;
  /** Set when the function raised: the payload is then the error envelope (`errorType`, …). */
  readonly functionError?: 'Handled' | 'Unhandled';
  readonly executedVersion?: string;
  readonly statusCode?: number;
  /**
   * The response body exactly as the function's runtime serialised it (optional). When given it sets
   * Content-Length, and a bare function ARN reports it verbatim as the error cause, as AWS does (a
   * Python function's `json.dumps` spacing, for instance); `lambda:invoke` re-serialises it compactly.
   */
  readonly rawPayload?: string;
  /**
   * The invocation's log as the function's runtime wrote it (its output, and the START/END/REPORT
   * lines when the invoker writes them). Asked for with `LogType: 'Tail'`; the integration returns
   * the base64 of its last 4 KB as `LogResult`, as Lambda's Invoke does.
   */
  readonly log?: string;
}

/** How the optimized integration asks for the invocation (Lambda Invoke's `LogType`). */
export interface LambdaInvokeOptions {
  /** `Tail` asks the invoker to capture the invocation's log into {@link LambdaInvokeResult.log}. */
  readonly logType: 'None' | 'Tail';
}

type Invoke = (
  functionName: string,
  payload: unknown,
  request: TaskRequest,
  options: LambdaInvokeOptions,
) => Promise<LambdaInvokeResult>;

/** The size of the log tail Lambda returns in `LogResult`. */
export const LOG_TAIL_BYTES = 4096;

/** Base64 of the last {@link LOG_TAIL_BYTES} bytes of `log` (Lambda Invoke's `LogResult`). */
export function logTail(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - LOG_TAIL_BYTES)).toString('base64');
}

const INVOKE = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;
const FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]+:[^:]+:function:[^:]+(:[^:]+)?$/;

/**
 * Fails the task the way Step Functions reports a function error. The optimized `lambda:invoke`
 * integration re-serialises the error payload as compact JSON; a bare function ARN passes the
 * function's response body through as it was written (`rawPayload` when the invoker has it).
 */
function failWith(result: LambdaInvokeResult, optimized: boolean): never {
  const payload = result.payload as { errorType?: unknown } | null;
  const errorType =
    typeof payload === 'object' && payload !== null && typeof payload.errorType === 'string'
      ? payload.errorType
      : 'Lambda.Unknown';
  const compact =
    typeof result.payload === 'string' ? result.payload : JSON.stringify(result.payload ?? null);
  const cause = optimized ? compact : (result.rawPayload ?? compact);
  throw new StatesError(errorType, cause);
}

/**
 * What the function receives for the Payload parameter: a string is sent as raw bytes (so JSON
 * text arrives parsed), no payload arrives as `{}`.
 */
function rawPayload(payload: unknown): unknown {
  if (payload === undefined || payload === null) return {};
  if (typeof payload === 'string') {
    try {
      return JSON.parse(payload) as unknown;
    } catch {
      return payload;
    }
  }
  return payload;
}

/** The `lambda:invoke` result as Step Functions shapes it. */
function invokeResponse(result: LambdaInvokeResult, logType: 'None' | 'Tail'): Record<string, unknown> {
  const version = result.executedVersion ?? '$LATEST';
  const status = result.statusCode ?? 200;
  const requestId = randomUUID();
  const length = String(
    Buffer.byteLength(result.rawPayload ?? JSON.stringify(result.payload ?? null), 'utf8'),
  );
  const date = new Date().toUTCString();
  const trace = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`;
  const headers: Record<string, string> = {
    Connection: 'keep-alive',
    'Content-Length': length,
    'Content-Type': 'application/json',
    Date: date,
    'X-Amz-Executed-Version': version,
    ...(logType === 'Tail' ? { 'X-Amz-Log-Result': logTail(result.log ?? '') } : {}),
    'X-Amzn-Trace-Id': trace,
    'x-amzn-Remapped-Content-Length': '0',
    'x-amzn-RequestId': requestId,
  };
  const all: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers)) all[k] = [v];
  return {
    ExecutedVersion: version,
    ...(logType === 'Tail' ? { LogResult: logTail(result.log ?? '') } : {}),
    Payload: result.payload ?? null,
    SdkHttpMetadata: { AllHttpHeaders: all, HttpHeaders: headers, HttpStatusCode: status },
    SdkResponseMetadata: { RequestId: requestId },
    StatusCode: status,
  };
}

/**
 * Registers the Lambda integrations on `registry`, invoking functions through `invoke`.
 *
 * @example
 * registerLambda(registry, async (name, payload) => ({ payload: await handlers[name](payload) }));
 */
export function registerLambda(registry: ResourceRegistry, invoke: Invoke): void {
  registry.register(INVOKE, async (request) => {
    const params = (request.input ?? {}) as Record<string, unknown>;
    const functionName = params.FunctionName;
    if (typeof functionName !== 'string') {
      throw new StatesError(
        'States.Runtime',
        `The field 'FunctionName' is required by ${request.resource} and must be a string, but was ${JSON.stringify(functionName)}`,
      );
    }
    const qualifier = typeof params.Qualifier === 'string' ? `:${params.Qualifier}` : '';
    const logType = params.LogType === 'Tail' ? 'Tail' : 'None';
    const result = await invoke(`${functionName}${qualifier}`, rawPayload(params.Payload), request, {
      logType,
    });
    if (result.functionError !== undefined) failWith(result, true);
    return invokeResponse(result, logType);
  });
  registry.register(FUNCTION_ARN, async (request) => {
    const result = await invoke(request.resource, request.input, request, { logType: 'None' });
    if (result.functionError !== undefined) failWith(result, false);
    return result.payload ?? null;
  });
}
