/** Map: items from Items / ItemsPath, ItemSelector, and inline iterations (Distributed in distributed-map.ts). */

import { StateEvaluationError } from '../errors';
import type { Outcome, StateRun } from '../exec';
import type { MapState } from '../model';
import { Scope, toJson } from '../payload';
import { childController, type Frame, Interruption, pool, release } from '../runtime';
import { exit } from './common';
import { runDistributedMap } from './distributed-map';
import { type MapSetup, readItems } from './map-items';
import { afterRetries, withCatch, withPendingEvent, withRetry } from './retry-catch';

/** The most iterations an inline Map runs at once (AWS's limit for Inline mode). */
export const INLINE_MAX_CONCURRENCY = 40;

export async function runMap(run: StateRun<MapState>): Promise<Outcome> {
  const { state, flow } = run;
  return withCatch(run, async () => {
    const effective = flow.effectiveInput(run);
    const maxConcurrency = await readMaxConcurrency(run, effective);
    const selector = state.selector;
    const setup: MapSetup = {
      effective,
      maxConcurrency,
      select: async (value, index) => {
        if (selector === undefined) return value;
        const context = { ...run.context, Map: { Item: { Index: index, Value: value } } };
        return flow.evaluate(run, selector, 'ItemSelector', effective, context);
      },
    };
    const result = await afterRetries(run, () =>
      withRetry(run, async () => {
        if (state.distributed) return runDistributedMap(run, setup);
        let items: unknown[];
        try {
          items = await readItems(run, effective);
        } catch (error) {
          if (error instanceof StateEvaluationError) error.exitEvent = 'MapStateFailed';
          throw error;
        }
        return runInlineMap(run, setup, items);
      }),
    );
    return exit(run, await flow.finishWithResult(run, result));
  });
}

async function readMaxConcurrency(run: StateRun<MapState>, effective: unknown): Promise<number> {
  const field = await run.flow.field(run, run.state, 'MaxConcurrency', effective);
  let value = field?.value;
  if (field?.path !== undefined) {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new StateEvaluationError(
        'States.Runtime',
        `The MaxConcurrencyPath field refers to value "${typeof value === 'string' ? value : toJson(value)}" which is not a valid integer: ${field.path}`,
      );
    }
    value = n;
  }
  const n = typeof value === 'number' ? value : 0;
  return n <= 0 ? 10000 : n;
}

async function runInlineMap(run: StateRun<MapState>, setup: MapSetup, items: unknown[]): Promise<unknown[]> {
  const frame = run.frame;
  const program = run.state.processor;
  frame.run.emit(frame, 'MapStateStarted', 'mapStateStartedEventDetails', { length: items.length });
  const controller = childController(frame.signal);
  const results: unknown[] = new Array(items.length);
  let failure: unknown;
  const name = run.state.name;
  // AWS chains each iteration after the previous one's last state event; Succeeded/Failed markers
  // of iterations do not become anyone's previous event.
  let pointer = frame.prev;
  const iterationEvent = (iterationFrame: Frame, kind: string, index: number) =>
    frame.run.emit(iterationFrame, `MapIteration${kind}`, `mapIteration${kind}EventDetails`, { name, index });
  // AWS runs at most 40 iterations of an inline Map at a time, whatever MaxConcurrency says.
  const width = Math.min(setup.maxConcurrency, INLINE_MAX_CONCURRENCY);
  await pool(items.length, width, controller.signal, async (index) => {
    const iterationFrame: Frame = {
      run: frame.run,
      record: frame.record,
      prev: pointer,
      scope: new Scope(frame.scope),
      signal: controller.signal,
      context: frame.context,
      ...(frame.ids !== undefined ? { ids: frame.ids } : {}),
    };
    try {
      const input = await setup.select(items[index], index);
      iterationFrame.prev = pointer;
      iterationEvent(iterationFrame, 'Started', index);
      pointer = iterationFrame.prev;
      results[index] = await run.engine.runProgram(program, input, iterationFrame);
      pointer = iterationFrame.prev;
      iterationEvent(iterationFrame, 'Succeeded', index);
    } catch (error) {
      if (error instanceof Interruption && error.kind === 'CANCELLED') {
        iterationEvent(iterationFrame, 'Aborted', index);
        return;
      }
      if (failure === undefined) {
        failure = error;
        pointer = iterationFrame.prev;
        iterationEvent(iterationFrame, 'Failed', index);
        controller.abort(new Interruption('CANCELLED'));
      }
    }
  });
  release(controller);
  if (failure !== undefined) {
    if (frame.record) frame.prev = pointer;
    if (frame.signal.aborted) throw frame.signal.reason;
    throw withPendingEvent(failure, 'MapStateFailed');
  }
  if (frame.record) frame.prev = frame.run.lastId;
  frame.run.emitAside(frame, 'MapStateSucceeded');
  return results;
}
