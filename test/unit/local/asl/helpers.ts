import type { ExecutionResult, HistoryEvent, StateMachineOptions } from '../../../../local/asl/index';
import { ResourceRegistry, StateMachine } from '../../../../local/asl/index';
import { registerS3Integrations } from '../../../../local/conformance/s3';
import type { ObjectStore } from '../../../../local/services/object-store';

/**
 * Runs `definition` on `input` with a fast clock; returns the result and the history. With `store`,
 * the S3 integrations of Distributed Map ItemReader / ResultWriter are registered over it.
 */
export async function execute(
  definition: object,
  input: unknown = {},
  { store, ...options }: Partial<StateMachineOptions> & { store?: ObjectStore } = {},
): Promise<ExecutionResult & { events: HistoryEvent[] }> {
  const registry = options.registry ?? new ResourceRegistry();
  if (store !== undefined) registerS3Integrations(registry, store);
  const machine = new StateMachine(definition, {
    timeScale: 0.001,
    ...options,
    registry,
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
