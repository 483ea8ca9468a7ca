/**
 * The typed model of a definition: each state a member of the {@link State} union, discriminated by
 * `Type`, with its query language, its successor and its sub-programs resolved once at parse time.
 */

/** The query language a state's fields are written in. */
export type QueryLanguage = 'JSONPath' | 'JSONata';

/** A Retry entry. */
export interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: 'FULL' | 'NONE';
}

/** A Catch entry. */
export interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
  readonly ResultPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: unknown;
}

/** A Choice rule: a JSONPath comparison tree or a JSONata Condition, with its target. */
export interface ChoiceRule {
  readonly Next: string;
  readonly Condition?: unknown;
  readonly Output?: unknown;
  readonly Assign?: unknown;
  readonly [operator: string]: unknown;
}

/** The fields every state has once parsed. */
interface StateBase {
  readonly name: string;
  readonly language: QueryLanguage;
  /** The state to run next; undefined when the state ends its program. */
  readonly next: string | undefined;
  readonly Comment?: string;
  readonly InputPath?: string | null;
  readonly OutputPath?: string | null;
  readonly Output?: unknown;
  readonly Assign?: unknown;
}

/** Fields of the states that produce a result (Task, Parallel, Map). */
interface ResultState extends StateBase {
  readonly ResultSelector?: unknown;
  readonly ResultPath?: string | null;
  readonly Retry: readonly Retrier[];
  readonly Catch: readonly Catcher[];
}

export interface PassState extends StateBase {
  readonly Type: 'Pass';
  /** Whether the definition has a Result field (which may be null). */
  readonly hasResult: boolean;
  readonly Result?: unknown;
  readonly Parameters?: unknown;
  readonly ResultPath?: string | null;
}

export interface TaskState extends ResultState {
  readonly Type: 'Task';
  readonly Resource: string;
  readonly Parameters?: unknown;
  readonly Arguments?: unknown;
  readonly TimeoutSeconds?: unknown;
  readonly TimeoutSecondsPath?: string;
  readonly HeartbeatSeconds?: unknown;
  readonly HeartbeatSecondsPath?: string;
  readonly Credentials?: unknown;
}

export interface ChoiceState extends StateBase {
  readonly Type: 'Choice';
  readonly Choices: readonly ChoiceRule[];
  readonly Default?: string;
}

export interface WaitState extends StateBase {
  readonly Type: 'Wait';
  readonly Seconds?: unknown;
  readonly SecondsPath?: string;
  readonly Timestamp?: unknown;
  readonly TimestampPath?: string;
}

export interface SucceedState extends StateBase {
  readonly Type: 'Succeed';
}

export interface FailState extends StateBase {
  readonly Type: 'Fail';
  readonly Error?: unknown;
  readonly ErrorPath?: string;
  readonly Cause?: unknown;
  readonly CausePath?: string;
}

export interface ParallelState extends ResultState {
  readonly Type: 'Parallel';
  readonly Branches: readonly Program[];
  readonly Parameters?: unknown;
  readonly Arguments?: unknown;
}

/** A field object of a Distributed Map (ItemReader, ItemBatcher, ResultWriter). */
export type FieldObject = Readonly<Record<string, unknown>>;

export interface MapState extends ResultState {
  readonly Type: 'Map';
  readonly processor: Program;
  /** ProcessorConfig Mode DISTRIBUTED. */
  readonly distributed: boolean;
  readonly Items?: unknown;
  readonly ItemsPath?: string;
  /** ItemSelector, or the legacy Parameters. */
  readonly selector?: unknown;
  readonly MaxConcurrency?: unknown;
  readonly MaxConcurrencyPath?: string;
  readonly ItemReader?: FieldObject;
  readonly ItemBatcher?: FieldObject;
  readonly ResultWriter?: FieldObject;
  readonly ToleratedFailureCount?: unknown;
  readonly ToleratedFailureCountPath?: string;
  readonly ToleratedFailurePercentage?: unknown;
  readonly ToleratedFailurePercentagePath?: string;
  readonly Label?: string;
}

/** Any parsed state. */
export type State =
  | PassState
  | TaskState
  | ChoiceState
  | WaitState
  | SucceedState
  | FailState
  | ParallelState
  | MapState;

/** A set of states with its start: the definition, a Parallel branch or a Map item processor. */
export interface Program {
  readonly startAt: string;
  readonly states: ReadonlyMap<string, State>;
  readonly language: QueryLanguage;
}

type Json = Record<string, unknown>;

function languageOf(holder: Json, inherited: QueryLanguage): QueryLanguage {
  return holder.QueryLanguage === 'JSONata'
    ? 'JSONata'
    : holder.QueryLanguage === 'JSONPath'
      ? 'JSONPath'
      : inherited;
}

function parseState(name: string, raw: Json, inherited: QueryLanguage): State {
  const language = languageOf(raw, inherited);
  const terminal = raw.End === true || raw.Type === 'Succeed' || raw.Type === 'Fail' || raw.Type === 'Choice';
  const base = {
    ...raw,
    name,
    language,
    next: terminal || typeof raw.Next !== 'string' ? undefined : raw.Next,
    Retry: (raw.Retry as Retrier[] | undefined) ?? [],
    Catch: (raw.Catch as Catcher[] | undefined) ?? [],
  };
  switch (raw.Type) {
    case 'Pass':
      return { ...base, Type: 'Pass', hasResult: Object.hasOwn(raw, 'Result') };
    case 'Choice':
      return { ...base, Type: 'Choice', Choices: (raw.Choices as ChoiceRule[] | undefined) ?? [] };
    case 'Parallel':
      return {
        ...base,
        Type: 'Parallel',
        Branches: ((raw.Branches as Json[] | undefined) ?? []).map((b) => parseProgram(b, language)),
      };
    case 'Map': {
      const processor = (raw.ItemProcessor ?? raw.Iterator) as Json;
      const config = (processor.ProcessorConfig as Json | undefined) ?? {};
      return {
        ...base,
        Type: 'Map',
        processor: parseProgram(processor, language),
        distributed: config.Mode === 'DISTRIBUTED',
        selector: raw.ItemSelector ?? raw.Parameters,
      };
    }
    default:
      return { ...base, Type: raw.Type } as State;
  }
}

/**
 * Builds the typed program of a definition, a branch or an item processor. The input must have
 * passed {@link validateDefinition}; this is the one place where JSON becomes typed states.
 */
export function parseProgram(raw: Json, inherited: QueryLanguage = 'JSONPath'): Program {
  const language = languageOf(raw, inherited);
  const states = new Map<string, State>();
  for (const [name, state] of Object.entries(raw.States as Record<string, Json>)) {
    states.set(name, parseState(name, state, language));
  }
  return { startAt: String(raw.StartAt), states, language };
}
