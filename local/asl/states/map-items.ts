/** What inline and Distributed Maps share: the item setup and the items from Items / ItemsPath. */
import { jsonataEnv, pathEnv } from '../data-flow';
import { StateEvaluationError } from '../errors';
import type { StateRun } from '../exec';
import type { MapState } from '../model';
import { evaluateJsonataValue, jsonataBody, resolveField, toJson } from '../payload';
import { jsonType } from './common';

/** Everything a Map state needs after its input is processed. */
export interface MapSetup {
  readonly effective: unknown;
  readonly maxConcurrency: number;
  /** Builds the input of item `index` (ItemSelector / Parameters), with the Map context. */
  select(value: unknown, index: number): Promise<unknown>;
}

/** The items of a Map state from Items (JSONata) or ItemsPath (JSONPath). */
export async function readItems(run: StateRun<MapState>, effective: unknown): Promise<unknown[]> {
  const state = run.state;
  if (run.flow.language === 'JSONata') {
    const items =
      state.Items === undefined
        ? run.input
        : await evaluateJsonataValue(state.Items, jsonataEnv(run), 'Items');
    if (Array.isArray(items)) return items;
    if (state.Items === undefined) {
      throw new StateEvaluationError(
        'States.QueryEvaluationError',
        `Map state input must be an array but was: ${toJson(items)}`,
      );
    }
    throw new StateEvaluationError(
      'States.QueryEvaluationError',
      `The JSONata expression '${jsonataBody(state.Items) ?? toJson(state.Items)}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '${jsonType(items)}' for value: ${toJson(items)}`,
      'Items',
    );
  }
  const path = state.ItemsPath ?? '$';
  const items = path === '$' ? effective : resolveField(path, pathEnv(run, effective), 'ItemsPath');
  if (!Array.isArray(items)) {
    throw new StateEvaluationError(
      'States.Runtime',
      `Invalid path '${path}' : The ItemsPath field refers to a value that is not an array: ${toJson(items)}`,
    );
  }
  return items;
}
