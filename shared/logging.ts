/**
 * Cross-cutting concerns of every Lambda handler, as middy middleware: Powertools structured logging
 * with the Lambda context, Powertools metrics (EMF, namespace `sparkmaker`, cold start captured), and
 * error translation so a thrown AWS SDK error reaches Step Functions as a typed sparkmaker error whose
 * `name` the state machines' `Retry` / `Catch` match. Logs carry names, counts and S3 locations only:
 * never data rows, never secrets.
 *
 * @example
 * ```ts
 * export const handler = lambdaHandler('evaluate', async (event, { logger, metrics }) => {
 *   const result = await evaluateRun(parseEvent(event), options);
 *   metrics.addMetric('EvaluatedRows', MetricUnit.Count, result.metrics.count);
 *   return result;
 * });
 * ```
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { translateAwsError } from './clients';

export { MetricUnit };

/** What a handler body receives beside its event. */
export interface HandlerTools {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly context: Context;
}

/** A handler body: parse the event, call one shared function, return JSON. */
export type HandlerBody<TEvent, TResult> = (event: TEvent, tools: HandlerTools) => Promise<TResult>;

/** The handler Lambda invokes: `(event, context) => Promise<result>`. */
export type LambdaHandler<TEvent, TResult> = (event: TEvent, context: Context) => Promise<TResult>;

/**
 * Middleware that reports failures: translates AWS SDK errors ({@link translateAwsError}) and logs
 * the error's name and message (no payload) and counts a `Failures` metric before the error
 * propagates to Lambda.
 */
export function errorReporting(logger: Logger, metrics?: Metrics): MiddlewareObj {
  return {
    onError: async (request) => {
      metrics?.addMetric('Failures', MetricUnit.Count, 1);
      const translated = translateAwsError(request.error);
      if (translated instanceof Error) request.error = translated;
      const error = request.error;
      logger.error('invocation failed', {
        errorName: error?.name ?? 'Error',
        errorMessage: error?.message ?? String(error),
      });
    },
  };
}

/**
 * Wraps a handler body with logging, metrics and error reporting. `service` is the function name
 * (`validate-input`, …), used as the Powertools service name and the metrics dimension.
 */
export function lambdaHandler<TEvent, TResult>(
  service: string,
  body: HandlerBody<TEvent, TResult>,
): LambdaHandler<TEvent, TResult> {
  const logger = new Logger({ serviceName: service });
  const metrics = new Metrics({ namespace: 'sparkmaker', serviceName: service });
  const wrapped = middy<TEvent, TResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }))
    .use(errorReporting(logger, metrics))
    .handler((event, context) => {
      metrics.addMetric('Invocations', MetricUnit.Count, 1);
      return body(event, { logger, metrics, context });
    });
  return (event, context) => wrapped(event, context);
}
