/**
 * The errors an execution raises, named as Step Functions names them. What the interpreter needs to
 * know about an error travels in typed fields, not in flags patched onto error objects.
 */

/** The `<Type>StateFailed` event a composite state owes once its retries are exhausted. */
export type PendingFailedEvent = 'ParallelStateFailed' | 'MapStateFailed';

/**
 * An error raised inside a state machine execution, named as Step Functions names it
 * (`States.Runtime`, `States.TaskFailed`, a Lambda's `errorType`, …). Retry and Catch match on
 * `error`; `cause` is the text AWS would report.
 */
export class StatesError extends Error {
  /** Raised by a Parallel branch: `States.BranchFailed` matches it. */
  fromBranch = false;
  /** The failed-state event to emit once the state's retries are exhausted. */
  pendingEvent: PendingFailedEvent | undefined = undefined;
  /** The failed-state event to emit when the error leaves the state, after its EvaluationFailed. */
  exitEvent: PendingFailedEvent | undefined = undefined;

  constructor(
    readonly error: string,
    override readonly cause?: string,
  ) {
    super(cause ?? error);
    this.name = error;
  }
}

/**
 * The error of a Fail state. Its `Error` is optional: without one, ExecutionFailed shows no error
 * (`error` is then the empty string and `hasError` false).
 */
export class FailStateError extends StatesError {
  readonly hasError: boolean;

  constructor(error: string | undefined, cause: string | undefined) {
    super(error ?? '', cause);
    this.hasError = error !== undefined;
  }
}

/** The state an evaluation error was raised in, once its cause carries AWS's prefix. */
export interface FailedState {
  readonly name: string;
  readonly enteredId: number;
}

/**
 * A {@link StatesError} raised by the interpreter itself while evaluating a state's fields
 * (`States.Runtime`, `States.QueryEvaluationError`, …). The state runner prefixes its cause with
 * AWS's "An error occurred while executing the state '<name>' (entered at the event id #<id>). ".
 */
export class StateEvaluationError extends StatesError {
  constructor(
    error: string,
    cause: string,
    /** The field that failed (`Items`, `Output/result`), reported as EvaluationFailed's location. */
    readonly location?: string,
    /** Set once the cause carries the state prefix. */
    readonly state?: FailedState,
  ) {
    super(error, cause);
    this.name = error;
  }

  /** This error with AWS's prefix naming `state` (itself when already prefixed). */
  prefixedWith(state: FailedState): StateEvaluationError {
    if (this.state !== undefined) return this;
    const cause = `An error occurred while executing the state '${state.name}' (entered at the event id #${state.enteredId}). ${this.cause ?? ''}`;
    const wrapped = new StateEvaluationError(this.error, cause, this.location, state);
    wrapped.pendingEvent = this.pendingEvent;
    wrapped.exitEvent = this.exitEvent;
    wrapped.fromBranch = this.fromBranch;
    return wrapped;
  }
}
