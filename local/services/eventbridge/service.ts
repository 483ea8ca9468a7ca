/**
 * EventBridge as a runtime plug-in: the `events:putEvents` integration, the `AWSEvents` JSON API,
 * the serverless.yml rules (S3 "Object Created" → target, with `triggers`) and the Scheduler's
 * schedules. Targets are delivered through the Lambda and Step Functions services it is given.
 */
import { type ResourceRegistry, StatesError, type TaskRequest } from '../../asl';
import { ServiceError } from '../errors';
import type { LambdaService } from '../lambda';
import type { FileObjectStore } from '../s3/file-store';
import type { LocalService } from '../service';
import type { StepFunctionsService } from '../sfn';
import { executionStatusEvent, isExecutionStatusRule } from './execution-events';
import { EventBus, type Rule } from './index';
import { type Schedule, Scheduler } from './scheduler';

export interface EventBridgeServiceOptions {
  readonly rules: readonly Rule[];
  readonly schedules: readonly Schedule[];
  readonly stateDir: string;
  readonly region: string;
  readonly account: string;
  readonly lambda: LambdaService;
  readonly stepFunctions: StepFunctionsService;
  /** The store whose uploads emit "Object Created" events (with `triggers`). */
  readonly store: FileObjectStore;
  /** Deliver S3 events to the rules and run the schedules (`sparkmaker dev`). */
  readonly triggers: boolean;
  /** Arm the Scheduler's timers (only with `triggers`). */
  readonly schedulesOn: boolean;
  readonly onTriggerError: (error: unknown, source: string) => void;
}

/** The local EventBridge and Scheduler, as a {@link LocalService}. */
export class EventBridgeService implements LocalService {
  readonly name = 'eventbridge';
  readonly bus: EventBus;
  readonly scheduler: Scheduler;
  private readonly announcing = new Set<Promise<void>>();

  constructor(private readonly options: EventBridgeServiceOptions) {
    this.bus = new EventBus({
      // Rules on execution status changes (the endpoint clean-up) are always on; S3 and schedules only with triggers.
      rules: options.triggers ? options.rules : options.rules.filter((r) => isExecutionStatusRule(r.pattern)),
      stateDir: options.stateDir,
      region: options.region,
      account: options.account,
      invoke: (arn, input, rule) => this.deliver(arn, input, rule),
      onTargetError: (error, rule, target) =>
        options.onTriggerError(error, `rule ${rule.name} target ${target.id}`),
    });
    this.scheduler = new Scheduler(
      options.schedules,
      (schedule, input) => this.runSchedule(schedule, input),
      (error, schedule) => options.onTriggerError(error, `schedule ${schedule.name}`),
    );
  }

  readonly jsonApi = {
    target: 'AWSEvents',
    endpointVariables: ['AWS_ENDPOINT_URL_EVENTBRIDGE'],
    handle: async (operation: string, input: Record<string, unknown>): Promise<unknown> => {
      if (operation !== 'PutEvents')
        throw new ServiceError('UnknownOperationException', `${operation} is not implemented locally`);
      return this.bus.putEvents((input.Entries ?? []) as never[]);
    },
  };

  registerIntegrations(registry: ResourceRegistry): void {
    registry.register(
      /^arn:aws:states:::events:putEvents(\.waitForTaskToken)?$/,
      async (request: TaskRequest) => {
        const entries = (request.input as { Entries?: unknown } | undefined)?.Entries;
        if (!Array.isArray(entries))
          throw new StatesError('EventBridge.ValidationException', 'Entries is required');
        return this.bus.putEvents(entries);
      },
    );
  }

  start(): void {
    this.publishExecutionStatus();
    if (!this.options.triggers) return;
    this.options.store.onObjectCreated((created) => {
      const put = this.bus
        .objectCreated(created)
        .catch((error: unknown) => this.options.onTriggerError(error, 'S3 event'));
      this.announcing.add(put);
      void put.finally(() => this.announcing.delete(put));
    });
    if (this.options.schedulesOn) this.scheduler.start();
  }

  /**
   * Step Functions Execution Status Change events, as Standard workflows send them to EventBridge:
   * RUNNING at the start and the final status at the end. Only a put in progress is tracked, so
   * closing never waits for a running execution.
   */
  private publishExecutionStatus(): void {
    const { stepFunctions, region, account } = this.options;
    const publish = (arn: string, final: boolean) => {
      const put = (final ? stepFunctions.waitFor(arn) : stepFunctions.describeExecution(arn))
        .then((record) => this.bus.put(executionStatusEvent(record, { region, account })))
        .catch((error: unknown) => this.options.onTriggerError(error, 'execution status event'));
      this.announcing.add(put);
      void put.finally(() => this.announcing.delete(put));
    };
    stepFunctions.onExecutionStarted((started) => {
      publish(started.execution.arn, false);
      void started.execution.done.then(() => publish(started.execution.arn, true));
    });
  }

  async idle(): Promise<void> {
    while (this.announcing.size > 0) await Promise.all([...this.announcing]);
    await this.bus.idle();
  }

  async stopAll(): Promise<void> {
    this.scheduler.stop();
  }

  async close(): Promise<void> {
    this.scheduler.stop();
    await this.idle();
  }

  private async deliver(arn: string, input: unknown, rule: Rule): Promise<void> {
    if (arn.startsWith('arn:aws:lambda:')) {
      const result = await this.options.lambda.invoke(arn, input);
      if (result.functionError !== undefined) {
        const payload = result.payload as { errorType?: string; errorMessage?: string };
        throw new Error(`${payload.errorType ?? 'Error'}: ${payload.errorMessage ?? ''} (rule ${rule.name})`);
      }
      return;
    }
    if (arn.startsWith('arn:aws:states:')) {
      await this.options.stepFunctions.startExecution({ stateMachineArn: arn, input: JSON.stringify(input) });
      return;
    }
    throw new Error(`No local target for ${arn}`);
  }

  private async runSchedule(schedule: Schedule, input: string): Promise<void> {
    const sfn = this.options.stepFunctions;
    if (schedule.targetArn.startsWith('arn:aws:lambda:')) {
      const result = await this.options.lambda.invoke(schedule.targetArn, JSON.parse(input));
      if (result.functionError !== undefined) {
        const payload = result.payload as { errorType?: string; errorMessage?: string };
        throw new Error(
          `${payload.errorType ?? 'Error'}: ${payload.errorMessage ?? ''} (schedule ${schedule.name})`,
        );
      }
      return;
    }
    if (schedule.targetArn === 'arn:aws:scheduler:::aws-sdk:sfn:startExecution') {
      const request = JSON.parse(input) as { StateMachineArn: string; Name?: string; Input?: string };
      await sfn.startExecution({
        stateMachineArn: request.StateMachineArn,
        ...(request.Name === undefined ? {} : { name: request.Name }),
        ...(request.Input === undefined ? {} : { input: request.Input }),
      });
      return;
    }
    await sfn.startExecution({ stateMachineArn: schedule.targetArn, input });
  }
}
