/**
 * The bridge from the interpreter's Lambda integration (`registerLambda`) to the local Lambda
 * service, with the Step Functions payload limit: a task whose input or result is over 262,144
 * bytes (UTF-8 JSON) fails with `States.DataLimitExceeded`, as on AWS.
 */
import type { TaskRequest } from '../../asl';
import { StatesError } from '../../asl/errors';
import type { LambdaService } from './index';

/** Step Functions' cap on state input, output and task results (SPEC §7.2). */
export const STATES_PAYLOAD_LIMIT = 262_144;

/** The result shape `registerLambda`'s invoke callback returns. */
export interface StepFunctionsInvokeResult {
  payload: unknown;
  functionError?: 'Handled' | 'Unhandled';
  executedVersion?: string;
  statusCode?: number;
  /** Base64 of the last 4 KB of the invocation's log, when the task asked `LogType: Tail`. */
  logResult?: string;
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** Whether a `lambda:invoke` task asked for the log tail (`"LogType": "Tail"` in its parameters). */
function wantsTail(request: TaskRequest | undefined): boolean {
  if (request === undefined || !/:states:::lambda:invoke/.test(request.resource)) return false;
  const input = request.input as { LogType?: unknown } | null | undefined;
  return input?.LogType === 'Tail';
}

/** The `invoke` callback to pass to `registerLambda(registry, invoke)`. */
export function stepFunctionsInvoker(
  service: LambdaService,
): (functionName: string, payload: unknown, request?: TaskRequest) => Promise<StepFunctionsInvokeResult> {
  return async (functionName, payload, request) => {
    const inputSize = sizeOf(payload);
    if (inputSize > STATES_PAYLOAD_LIMIT) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The payload for function ${functionName} is ${inputSize} bytes, over the ${STATES_PAYLOAD_LIMIT}-byte limit of Step Functions: pass S3 locations instead of data.`,
      );
    }
    let result: Awaited<ReturnType<LambdaService['invoke']>>;
    try {
      result = await service.invoke(functionName, payload, wantsTail(request) ? { logType: 'Tail' } : {});
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        throw new StatesError('Lambda.ResourceNotFoundException', error.message);
      }
      throw error;
    }
    const outputSize = sizeOf(result.payload);
    if (outputSize > STATES_PAYLOAD_LIMIT) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The result of function ${functionName} is ${outputSize} bytes, over the ${STATES_PAYLOAD_LIMIT}-byte limit of Step Functions: write data to S3 and return its location.`,
      );
    }
    return {
      payload: result.payload,
      executedVersion: result.executedVersion,
      statusCode: result.statusCode,
      ...(result.logResult === undefined ? {} : { logResult: result.logResult }),
      ...(result.functionError === undefined ? {} : { functionError: result.functionError }),
    };
  };
}
