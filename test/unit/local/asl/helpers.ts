import type { ExecutionResult, HistoryEvent, StateMachineOptions } from '../../../../local/asl/index';
import { ResourceRegistry, StateMachine } from '../../../../local/asl/index';

/** Runs `definition` on `input` with a fast clock; returns the result and the history. */
export async function execute(
  definition: object,
  input: unknown = {},
  options: Partial<StateMachineOptions> = {},
): Promise<ExecutionResult & { events: HistoryEvent[] }> {
  const machine = new StateMachine(definition, {
    registry: options.registry ?? new ResourceRegistry(),
    timeScale: 0.001,
    ...options,
  });
  const execution = machine.start(input);
  const result = await execution.done;
  return { ...result, events: execution.events };
}

/** A one-state machine. */
export function single(state: object, queryLanguage?: 'JSONata' | 'JSONPath'): object {
  return {
    ...(queryLanguage ? { QueryLanguage: queryLanguage } : {}),
    StartAt: 'S',
    States: { S: { ...state, End: true } },
  };
}

/** The event types of a history, in order. */
export function types(events: HistoryEvent[]): string[] {
  return events.map((e) => e.type);
}
