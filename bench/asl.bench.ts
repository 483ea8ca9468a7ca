/**
 * ASL interpreter benchmarks (goals from issue 4):
 * - a Distributed Map over 100,000 JSONL items in a MemoryObjectStore, 100 items per child,
 *   MaxConcurrency 1000, ResultWriter on, a trivial Pass child: ≤ 10 s and ≤ 1 GiB RSS;
 * - an inline Map of 10,000 Pass iterations: ≤ 1 s.
 */
import { ResourceRegistry, StateMachine } from '../local/asl/index';
import { registerS3Integrations } from '../local/conformance/s3';
import { MemoryObjectStore } from '../local/services/object-store';

const ITEMS = 100_000;

async function distributedMap(): Promise<Record<string, unknown>> {
  const store = new MemoryObjectStore();
  const lines: string[] = [];
  for (let i = 0; i < ITEMS; i++)
    lines.push(JSON.stringify({ id: i, key: `part-${i % 97}`, value: i * 0.5 }));
  await store.putObject('bench', 'items.jsonl', `${lines.join('\n')}\n`);
  store.createBucket('results');
  const registry = new ResourceRegistry().register('arn:aws:states:::lambda:invoke', async (r) => ({
    Payload: { count: ((r.input as { Payload: { Items: unknown[] } }).Payload.Items ?? []).length },
  }));
  const definition = {
    StartAt: 'Score',
    States: {
      Score: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'Count',
          States: {
            Count: { Type: 'Pass', Parameters: { 'n.$': 'States.ArrayLength($.Items)' }, End: true },
          },
        },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSONL' },
          Parameters: { Bucket: 'bench', Key: 'items.jsonl' },
        },
        ItemBatcher: { MaxItemsPerBatch: 100 },
        MaxConcurrency: 1000,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'results', Prefix: 'run' },
        },
        End: true,
      },
    },
  };
  const machine = new StateMachine(definition, { registry: registerS3Integrations(registry, store) });
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  const result = await machine.start({}).done;
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (result.status !== 'SUCCEEDED')
    throw new Error(`distributed map ${result.status}: ${result.error} ${result.cause}`);
  const details = (result.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails;
  const manifest = JSON.parse(new TextDecoder().decode(await store.getObject('results', details.Key))) as {
    ResultFiles: { SUCCEEDED: { Key: string }[] };
  };
  const succeeded = JSON.parse(
    new TextDecoder().decode(await store.getObject('results', manifest.ResultFiles.SUCCEEDED[0]!.Key)),
  ) as unknown[];
  return {
    items: ITEMS,
    children: succeeded.length,
    seconds: Number(seconds.toFixed(3)),
    itemsPerSecond: Math.round(ITEMS / seconds),
    peakRssMiB: Math.round(peakRss / 2 ** 20),
    goal: '≤ 10 s and ≤ 1024 MiB RSS',
    met: seconds <= 10 && peakRss <= 2 ** 30,
  };
}

async function inlineMap(): Promise<Record<string, unknown>> {
  const items = Array.from({ length: 10_000 }, (_, i) => ({ i }));
  const machine = new StateMachine(
    {
      StartAt: 'Each',
      States: {
        Each: {
          Type: 'Map',
          MaxConcurrency: 0,
          ItemProcessor: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    },
    { registry: new ResourceRegistry() },
  );
  await machine.start(items.slice(0, 100)).done;
  const started = performance.now();
  const execution = machine.start(items);
  const result = await execution.done;
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 'SUCCEEDED') throw new Error(`inline map ${result.status}`);
  return {
    iterations: items.length,
    seconds: Number(seconds.toFixed(3)),
    historyEvents: execution.events.length,
    goal: '≤ 1 s',
    met: seconds <= 1,
  };
}

export default async (): Promise<Record<string, unknown>> => ({
  distributedMap: await distributedMap(),
  inlineMap: await inlineMap(),
});
