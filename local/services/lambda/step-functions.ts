/**
 * The bridge from the interpreter's Lambda integration (`registerLambda`) to the local Lambda
 * service, with the Step Functions payload limit: a task whose input or result is over 262,144
 * bytes (UTF-8 JSON) fails with `States.DataLimitExceeded`, as on AWS.
 */
import type { LambdaInvokeOptions, TaskRequest } from '../../asl';
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
  /** The invocation's log, when the task asked `LogType: Tail` (the integration returns its last 4 KB). */
  log?: string;
}

function sizeOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/** The `invoke` callback to pass to `registerLambda(registry, invoke)`. */
export function stepFunctionsInvoker(
  service: LambdaService,
): (
  functionName: string,
  payload: unknown,
  request?: TaskRequest,
  options?: LambdaInvokeOptions,
) => Promise<StepFunctionsInvokeResult> {
  return async (functionName, payload, _request, options) => {
    const inputSize = sizeOf(payload);
    if (inputSize > STATES_PAYLOAD_LIMIT) {
      throw new StatesError(
        'States.DataLimitExceeded',
        `The payload for function ${functionName} is ${inputSize} bytes, over the ${STATES_PAYLOAD_LIMIT}-byte limit of Step Functions: pass S3 locations instead of data.`,
      );
    }
    let result: Awaited<ReturnType<LambdaService['invoke']>>;
    try {
      result = await service.invoke(functionName, payload, { logType: options?.logType ?? 'None' });
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
      ...(result.log === undefined ? {} : { log: result.log }),
      ...(result.functionError === undefined ? {} : { functionError: result.functionError }),
    };
  };
}
