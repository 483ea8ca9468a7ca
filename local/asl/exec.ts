/**
 * The contracts between the program runner, the state modules and the data flow: what a running
 * state knows ({@link StateRun}), what it produces ({@link Outcome}) and how its fields are read and
 * written ({@link DataFlow}). Types only, so every module can depend on them without a cycle.
 */
import type { Catcher, Program, QueryLanguage, State } from './model';
import type { Frame } from './runtime';

/** What a state produced: its output and the next state (undefined at the end of the frame). */
export interface Outcome {
  readonly output: unknown;
  readonly next?: string;
}

/** Runs programs; composite states reach their branches and iterations through it. */
export interface Engine {
  runProgram(program: Program, input: unknown, frame: Frame): Promise<unknown>;
}

/** A state being run: what every state module needs to know about it. */
export interface StateRun<S extends State = State> {
  readonly state: S;
  readonly frame: Frame;
  readonly input: unknown;
  readonly enteredId: number;
  /** The input as JSON text (empty when the frame records no history). */
  readonly inputJson: string;
  /** The context object of this state (`$$` / `$states.context`). */
  readonly context: Record<string, unknown>;
  readonly flow: DataFlow;
  readonly engine: Engine;
}

/** A state's output and the variables it assigned. */
export interface Finished {
  readonly output: unknown;
  readonly assigned?: Record<string, unknown> | undefined;
}

/** The fields whose Output and Assign finish a state without a result (the state or a Choice rule). */
export interface OutputHolder {
  readonly Output?: unknown;
  readonly Assign?: unknown;
}

/** The state fields that give a task or branch its input. */
export interface ParametersHolder {
  readonly Parameters?: unknown;
  readonly Arguments?: unknown;
}

/** A field read as a literal, an expression or its `…Path` sibling. */
export interface FieldValue {
  readonly value: unknown;
  /** The `…Path` reference path, when the value came from one. */
  readonly path?: string;
}

/**
 * How a state's data flows, in one query language: input, parameters or arguments, result
 * selection, output and assign. {@link JsonPathFlow} and {@link JsonataFlow} implement it.
 */
export interface DataFlow {
  readonly language: QueryLanguage;
  /** InputPath applied to the state input (JSONata: the state input). */
  effectiveInput(run: StateRun): unknown;
  /** Parameters over the effective input, or Arguments; the effective input when there are none. */
  parameters(run: StateRun, effective: unknown, holder: ParametersHolder): Promise<unknown>;
  /** One field value: a JSONPath payload template over `input`, or JSONata; `context` overrides `$$`. */
  evaluate(
    run: StateRun,
    value: unknown,
    field: string,
    input: unknown,
    context?: Record<string, unknown>,
  ): Promise<unknown>;
  /** `holder[name]` (a literal or an expression) or `holder[name + 'Path']` read from `input`. */
  field(run: StateRun, holder: object, name: string, input: unknown): Promise<FieldValue | undefined>;
  /** Result selection, Assign, ResultPath and OutputPath (JSONata: Output and Assign over `$states.result`). */
  finishWithResult(run: StateRun, result: unknown): Promise<Finished>;
  /** A state without a result (Pass in JSONata, Wait, Choice, Succeed): Assign and output. */
  finishWithoutResult(run: StateRun, effective: unknown, holder: OutputHolder): Promise<Finished>;
  /** A catcher's output and assignments from `{Error, Cause}`. */
  caught(run: StateRun, catcher: Catcher, errorOutput: { Error: string; Cause: string }): Promise<Finished>;
}
