/**
 * An error raised inside a state machine execution, named as Step Functions names it
 * (`States.Runtime`, `States.TaskFailed`, a Lambda's `errorType`, …). Retry and Catch match on
 * `error`; `cause` is the text AWS would report.
 */
export class StatesError extends Error {
  constructor(
    readonly error: string,
    readonly cause?: string,
  ) {
    super(cause ?? error);
    this.name = error;
  }
}
