/**
 * An error raised inside a state machine execution, named as Step Functions names it
 * (`States.Runtime`, `States.TaskFailed`, a Lambda's `errorType`, …). Retry and Catch match on
 * `error`; `cause` is the text AWS would report.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    override readonly cause?: string,
  ) {
    super(cause ?? error);
    this.name = error;
  }
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
  ) {
    super(error, cause);
    this.name = error;
  }
}
