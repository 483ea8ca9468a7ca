/**
 * "Step Functions Execution Status Change" events (source `aws.states`), as Step Functions sends
 * them to EventBridge for Standard workflows: one when an execution starts (`RUNNING`) and one when
 * it ends (`SUCCEEDED`, `FAILED`, `TIMED_OUT`, `ABORTED`). `detail` carries the execution's ARN,
 * name, status, dates in epoch milliseconds, input and output (as JSON strings), error and cause.
 * Rules on them (the endpoint clean-up rule) see the same shape offline as on AWS.
 */
import { randomUUID } from 'node:crypto';
import type { BusEvent } from './index';

/** What the event needs to know about an execution (DescribeExecution's fields). */
export interface ExecutionStatus {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate: string;
  readonly stopDate?: string;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** The event of one status change. */
export function executionStatusEvent(
  execution: ExecutionStatus,
  where: { readonly region: string; readonly account: string },
): BusEvent {
  const time = execution.stopDate ?? execution.startDate;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: where.account,
    time: new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn: execution.stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: Date.parse(execution.startDate),
      stopDate: execution.stopDate === undefined ? null : Date.parse(execution.stopDate),
      input: execution.input ?? null,
      output: execution.output ?? null,
      inputDetails: { included: true },
      outputDetails: execution.output === undefined ? null : { included: true },
      error: execution.error ?? null,
      cause: execution.cause ?? null,
    },
  };
}

/** Whether a rule listens to execution status changes (it is then on even without the S3 triggers). */
export function isExecutionStatusRule(pattern: Record<string, unknown>): boolean {
  const source = pattern.source;
  return Array.isArray(source) && source.length > 0 && source.every((s) => s === 'aws.states');
}
