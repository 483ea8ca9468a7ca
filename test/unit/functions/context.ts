import type { Context } from 'aws-lambda';

/** A Lambda-shaped context for invoking a handler in a test. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `sparkmaker-test-${functionName}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:sparkmaker-test-${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: '00000000-0000-0000-0000-000000000000',
    logGroupName: `/aws/lambda/sparkmaker-test-${functionName}`,
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Environment every handler test sets before importing the handler (quiet logs, no EMF output). */
export const quietEnvironment = {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_MAX_ATTEMPTS: '1',
};
