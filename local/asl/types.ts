/**
 * The public types of the ASL interpreter: task requests and handlers, options, executions and
 * GetExecutionHistory-shaped history events.
 */
/** What a Task state hands to the handler registered for its Resource. */
export interface TaskRequest {
  /** The Resource ARN as written (after JSONata evaluation). */
  readonly resource: string;
  /** The effective Parameters / Arguments (the state input when there are none). */
  readonly input: unknown;
  /** The task token, for `.waitForTaskToken` resources. */
  readonly taskToken?: string;
  /** Aborted on TimeoutSeconds, HeartbeatSeconds or execution stop. */
  readonly signal: AbortSignal;
  /** Resets the HeartbeatSeconds timer. */
  heartbeat(): void;
  /** The context object (`$$` / `$states.context`). */
  readonly context: unknown;
  /** The Credentials field, evaluated, when the state has one. */
  readonly credentials?: unknown;
}

/** Runs one task; throws `StatesError(error, cause)` to fail it. */
export type TaskHandler = (request: TaskRequest) => Promise<unknown>;

/** How a {@link StateMachine} runs: where its tasks go and how fast time passes. */
export interface StateMachineOptions {
  readonly registry: import('./registry').ResourceRegistry;
  /** Multiplies every Wait, Retry interval and timeout (tests use 0.001 and the like). */
  readonly timeScale?: number;
  readonly name?: string;
  readonly arn?: string;
  readonly type?: 'STANDARD' | 'EXPRESS';
  /** Injectable randomness (retry jitter, States.MathRandom, $random). */
  readonly random?: () => number;
  /** The execution role shown in ExecutionStarted and `$$.Execution.RoleArn`. */
  readonly roleArn?: string;
  /** Region and account used to build ARNs (defaults us-east-1 / 123456789012). */
  readonly region?: string;
  readonly account?: string;
  /**
   * Size in bytes at which a Distributed Map ResultWriter rolls over to the next
   * `SUCCEEDED_<n>` / `FAILED_<n>` file (default 256 MiB; AWS rolls over at 5 GB).
   */
  readonly resultFileBytes?: number;
}

/** One GetExecutionHistory event: `type` plus a `<type>EventDetails` member where AWS has one. */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: Date;
  readonly type: string;
  readonly [details: string]: unknown;
}

export type ExecutionStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** How an execution ended. */
export interface ExecutionResult {
  readonly status: ExecutionStatus;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}

/** A running (or finished) execution. */
export interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly startDate: Date;
  /** GetExecutionHistory-shaped, appended live. */
  readonly events: HistoryEvent[];
  /** Calls `listener` on every new event; returns the unsubscribe function. */
  onEvent(listener: (event: HistoryEvent) => void): () => void;
  /** Settles when the execution ends; never rejects. */
  readonly done: Promise<ExecutionResult>;
  /** Stops the execution (status ABORTED). */
  stop(error?: string, cause?: string): void;
}
