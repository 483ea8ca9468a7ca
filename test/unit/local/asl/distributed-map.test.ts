import { describe, expect, it } from 'vitest';
import { ResourceRegistry, StatesError } from '../../../../local/asl/index';
import { MemoryObjectStore } from '../../../../local/services/object-store';
import { execute, single, types } from './helpers';

const passChild = {
  ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
  StartAt: 'P',
  States: { P: { Type: 'Pass', End: true } },
};

async function storeWith(objects: Record<string, string>): Promise<MemoryObjectStore> {
  const store = new MemoryObjectStore();
  for (const [path, body] of Object.entries(objects)) {
    const slash = path.indexOf('/');
    await store.putObject(path.slice(0, slash), path.slice(slash + 1), body);
  }
  return store;
}

function readerMap(readerConfig: object, extra: object = {}, key = 'in'): object {
  return single({
    Type: 'Map',
    ItemProcessor: passChild,
    ItemReader: {
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: readerConfig,
      Parameters: { Bucket: 'b', Key: key },
    },
    ...extra,
  });
}

describe('Distributed Map ItemReader', () => {
  it('reads the top-level array of a JSON object', async () => {
    const store = await storeWith({ 'b/in': '[{"a":1},{"a":2}]' });
    const result = await execute(readerMap({ InputType: 'JSON' }), {}, { store });
    expect(result.output).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('fails with States.ItemReaderFailed when a JSON object is not an array', async () => {
    const store = await storeWith({ 'b/in': '{"a":1}' });
    const result = await execute(readerMap({ InputType: 'JSON' }), {}, { store });
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.ItemReaderFailed',
      cause: 'Attempting to map over non-iterable node.',
    });
    expect(types(result.events)).toEqual(
      expect.arrayContaining(['MapRunStarted', 'MapRunFailed', 'MapStateFailed']),
    );
  });

  it('reads one item per JSONL line and skips blank lines', async () => {
    const store = await storeWith({ 'b/in': '{"a":1}\n\n{"a":2}\n' });
    const result = await execute(readerMap({ InputType: 'JSONL' }), {}, { store });
    expect(result.output).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('reads CSV rows keyed by the first row, all values strings, missing columns empty', async () => {
    const store = await storeWith({ 'b/in': 'x,y\n1,"a,b"\n2\n' });
    const result = await execute(
      readerMap({ InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' }),
      {},
      { store },
    );
    expect(result.output).toEqual([
      { x: '1', y: 'a,b' },
      { x: '2', y: '' },
    ]);
  });

  it('reads CSV with GIVEN headers and another delimiter', async () => {
    const store = await storeWith({ 'b/in': '1|2\n3|4\n' });
    const result = await execute(
      readerMap({
        InputType: 'CSV',
        CSVHeaderLocation: 'GIVEN',
        CSVHeaders: ['p', 'q'],
        CSVDelimiter: 'PIPE',
      }),
      {},
      { store },
    );
    expect(result.output).toEqual([
      { p: '1', q: '2' },
      { p: '3', q: '4' },
    ]);
  });

  it('rejects duplicate CSV headers with States.ItemReaderFailed', async () => {
    const store = await storeWith({ 'b/in': '1,2\n' });
    const result = await execute(
      readerMap({ InputType: 'CSV', CSVHeaderLocation: 'GIVEN', CSVHeaders: ['h', 'h'] }),
      {},
      { store },
    );
    expect(result).toMatchObject({
      error: 'States.ItemReaderFailed',
      cause: 'CSV headers cannot contain duplicates.',
    });
  });

  it('stops reading at MaxItems', async () => {
    const store = await storeWith({ 'b/in': '[1,2,3,4]' });
    const result = await execute(readerMap({ InputType: 'JSON', MaxItems: 2 }), {}, { store });
    expect(result.output).toEqual([1, 2]);
  });

  it('lists objects with listObjectsV2, one item per object', async () => {
    const store = await storeWith({ 'b/p/one': '1', 'b/p/two': '22', 'b/q/other': '3' });
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ItemReader: {
          Resource: 'arn:aws:states:::s3:listObjectsV2',
          Parameters: { Bucket: 'b', Prefix: 'p/' },
        },
        ItemSelector: { 'key.$': '$$.Map.Item.Value.Key', 'size.$': '$$.Map.Item.Value.Size' },
      }),
      {},
      { store },
    );
    expect(result.output).toEqual([
      { key: 'p/one', size: 1 },
      { key: 'p/two', size: 2 },
    ]);
  });

  it('reads the CSV files an S3 Inventory manifest lists', async () => {
    const store = await storeWith({
      'b/manifest.json': JSON.stringify({ fileSchema: 'Bucket, Key, Size', files: [{ key: 'inv/1.csv' }] }),
      'b/inv/1.csv': '"data","k1","10"\n"data","k2","20"\n',
    });
    const result = await execute(readerMap({ InputType: 'MANIFEST' }, {}, 'manifest.json'), {}, { store });
    expect(result.output).toEqual([
      { Bucket: 'data', Key: 'k1', Size: '10' },
      { Bucket: 'data', Key: 'k2', Size: '20' },
    ]);
  });
});

describe('Distributed Map ItemBatcher', () => {
  it('groups items into {Items} batches of MaxItemsPerBatch with BatchInput', async () => {
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ItemBatcher: { MaxItemsPerBatch: 2, BatchInput: { 'run.$': '$.run' } },
        ItemsPath: '$.xs',
      }),
      { xs: [1, 2, 3], run: 'r1' },
    );
    expect(result.output).toEqual([
      { BatchInput: { run: 'r1' }, Items: [1, 2] },
      { BatchInput: { run: 'r1' }, Items: [3] },
    ]);
  });

  it('caps a batch at MaxInputBytesPerBatch', async () => {
    const items = Array.from({ length: 10 }, () => 'x'.repeat(40));
    const result = await execute(
      single({ Type: 'Map', ItemProcessor: passChild, ItemBatcher: { MaxInputBytesPerBatch: 120 } }),
      items,
    );
    const batches = result.output as { Items: unknown[] }[];
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(JSON.stringify(batch).length).toBeLessThanOrEqual(120);
  });
});

describe('Distributed Map children', () => {
  it('runs up to MaxConcurrency children at once', async () => {
    let running = 0;
    let peak = 0;
    const registry = new ResourceRegistry().register('arn:aws:states:::x:work', async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return 1;
    });
    await execute(
      single({
        Type: 'Map',
        MaxConcurrency: 4,
        ItemProcessor: {
          ...passChild,
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::x:work', End: true } },
        },
      }),
      Array.from({ length: 20 }, (_, i) => i),
      { registry },
    );
    expect(peak).toBe(4);
  });

  it('does not record child execution states in the parent history', async () => {
    const result = await execute(single({ Type: 'Map', ItemProcessor: passChild }), [1, 2, 3]);
    expect(types(result.events)).toEqual([
      'ExecutionStarted',
      'MapStateEntered',
      'MapStateStarted',
      'MapRunStarted',
      'MapRunSucceeded',
      'MapStateSucceeded',
      'MapStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('names the Map Run after the Label', async () => {
    const result = await execute(single({ Type: 'Map', Label: 'Scores', ItemProcessor: passChild }), [1]);
    const started = result.events.find((e) => e.type === 'MapRunStarted') as unknown as {
      mapRunStartedEventDetails: { mapRunArn: string };
    };
    expect(started.mapRunStartedEventDetails.mapRunArn).toMatch(
      /:mapRun:StateMachine\/Scores:[0-9a-f-]{36}$/,
    );
  });

  const failing = (extra: object) =>
    single({
      Type: 'Map',
      ItemProcessor: {
        ...passChild,
        StartAt: 'C',
        States: {
          C: { Type: 'Choice', Choices: [{ Variable: '$', NumericLessThan: 2, Next: 'Bad' }], Default: 'Ok' },
          Bad: { Type: 'Fail', Error: 'ItemFailed', Cause: 'small' },
          Ok: { Type: 'Pass', End: true },
        },
      },
      ...extra,
    });

  it('fails with States.ExceedToleratedFailureThreshold on a failure when nothing is tolerated', async () => {
    const result = await execute(failing({}), [1, 5, 6, 7]);
    expect(result).toMatchObject({ status: 'FAILED', error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('succeeds while failures stay within ToleratedFailureCount', async () => {
    const result = await execute(failing({ ToleratedFailureCount: 2 }), [0, 1, 5, 6]);
    expect(result.status).toBe('SUCCEEDED');
  });

  it('fails once failures exceed ToleratedFailurePercentage', async () => {
    const result = await execute(failing({ ToleratedFailurePercentage: 25 }), [0, 1, 5, 6]);
    expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
  });

  it('rejects a negative ToleratedFailureCountPath value with States.Runtime', async () => {
    const result = await execute(failing({ ToleratedFailureCountPath: '$.n', ItemsPath: '$.xs' }), {
      n: -1,
      xs: [5],
    });
    expect(result).toMatchObject({ error: 'States.Runtime' });
    expect(result.cause).toContain('ToleratedFailureCount cannot be negative.');
  });

  it('passes a failing child error to the retrier and catcher of the Map state', async () => {
    const result = await execute(
      {
        StartAt: 'M',
        States: {
          M: {
            ...(failing({}) as { States: { S: object } }).States.S,
            End: undefined,
            Catch: [{ ErrorEquals: ['States.ALL'], Next: 'H' }],
            Next: 'H',
          },
          H: { Type: 'Pass', End: true },
        },
      },
      [1],
    );
    expect(result.output).toMatchObject({ Error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('gives children their own execution context', async () => {
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: {
          ...passChild,
          States: { P: { Type: 'Pass', Parameters: { 'id.$': '$$.Execution.Id' }, End: true } },
        },
      }),
      [1],
    );
    expect((result.output as { id: string }[])[0]!.id).toMatch(/:execution:StateMachine\/S:[0-9a-f-]{36}$/);
  });
});

describe('Distributed Map ResultWriter', () => {
  it('writes manifest.json and SUCCEEDED_0.json under Prefix/<map run id>/ and outputs their location', async () => {
    const store = new MemoryObjectStore();
    store.createBucket('out');
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'runs' },
        },
      }),
      [{ a: 1 }, { a: 2 }],
      { store },
    );
    const output = result.output as {
      MapRunArn: string;
      ResultWriterDetails: { Bucket: string; Key: string };
    };
    const runId = output.MapRunArn.split(':').at(-1);
    expect(output.ResultWriterDetails).toEqual({ Bucket: 'out', Key: `runs/${runId}/manifest.json` });
    const manifest = JSON.parse(
      new TextDecoder().decode(await store.getObject('out', output.ResultWriterDetails.Key)),
    );
    expect(manifest).toMatchObject({
      DestinationBucket: 'out',
      MapRunArn: output.MapRunArn,
      ResultFiles: { FAILED: [], PENDING: [] },
    });
    expect(manifest.ResultFiles.SUCCEEDED[0].Key).toBe(`runs/${runId}/SUCCEEDED_0.json`);
    const entries = JSON.parse(
      new TextDecoder().decode(await store.getObject('out', manifest.ResultFiles.SUCCEEDED[0].Key)),
    );
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ Status: 'SUCCEEDED', Input: '{"a":1}', Output: '{"a":1}' });
  });

  it('rolls over to SUCCEEDED_1.json once a result file reaches resultFileBytes', async () => {
    const store = new MemoryObjectStore();
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'p' },
          WriterConfig: { OutputType: 'JSONL', Transformation: 'COMPACT' },
        },
      }),
      ['a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60)],
      { store, resultFileBytes: 150 },
    );
    const key = (result.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails.Key;
    const manifest = JSON.parse(new TextDecoder().decode(await store.getObject('out', key)));
    const keys = manifest.ResultFiles.SUCCEEDED.map((f: { Key: string }) => f.Key.split('/').at(-1));
    expect(keys).toEqual(['SUCCEEDED_0.jsonl', 'SUCCEEDED_1.jsonl']);
    const first = new TextDecoder().decode(
      await store.getObject('out', manifest.ResultFiles.SUCCEEDED[0].Key),
    );
    expect(
      first
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(['a'.repeat(60), 'b'.repeat(60)]);
  });

  it('writes FAILED_0.json for tolerated failures', async () => {
    const store = new MemoryObjectStore();
    const result = await execute(
      single({
        Type: 'Map',
        ToleratedFailurePercentage: 100,
        ItemProcessor: {
          ...passChild,
          StartAt: 'F',
          States: { F: { Type: 'Fail', Error: 'E', Cause: 'C' } },
        },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'p' },
        },
      }),
      [1],
      { store },
    );
    const key = (result.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails.Key;
    const manifest = JSON.parse(new TextDecoder().decode(await store.getObject('out', key)));
    const failed = JSON.parse(
      new TextDecoder().decode(await store.getObject('out', manifest.ResultFiles.FAILED[0].Key)),
    );
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'E', Cause: 'C' });
  });

  it('still writes the result files when the failures exceed the tolerated threshold', async () => {
    const store = new MemoryObjectStore();
    const result = await execute(
      single({
        Type: 'Map',
        ToleratedFailurePercentage: 0,
        ItemProcessor: {
          ...passChild,
          StartAt: 'F',
          States: { F: { Type: 'Fail', Error: 'E', Cause: 'C' } },
        },
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'p' },
        },
      }),
      [1],
      { store },
    );
    expect(result.error).toBe('States.ExceedToleratedFailureThreshold');
    const listed = await store.listObjects('out', { prefix: 'p/' });
    const failedKey = listed.objects.map((o) => o.key).find((key) => key.endsWith('/FAILED_0.json'));
    expect(failedKey).toBeDefined();
    const failed = JSON.parse(new TextDecoder().decode(await store.getObject('out', failedKey!)));
    expect(failed[0]).toMatchObject({ Status: 'FAILED', Error: 'E', Cause: 'C' });
  });

  it('writes only the outputs with Transformation COMPACT', async () => {
    const store = new MemoryObjectStore();
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'p' },
          WriterConfig: { OutputType: 'JSON', Transformation: 'COMPACT' },
        },
      }),
      [1, 2],
      { store },
    );
    const key = (result.output as { ResultWriterDetails: { Key: string } }).ResultWriterDetails.Key;
    const manifest = JSON.parse(new TextDecoder().decode(await store.getObject('out', key)));
    const body = JSON.parse(
      new TextDecoder().decode(await store.getObject('out', manifest.ResultFiles.SUCCEEDED[0].Key)),
    );
    expect(body).toEqual([1, 2]);
  });
});

describe('Distributed Map child tasks', () => {
  it('fails the child (not the parent) when a child task throws and the failure is tolerated', async () => {
    const registry = new ResourceRegistry().register('arn:aws:states:::x:maybe', async (r) => {
      if (r.input === 2) throw new StatesError('Bad.Item', 'two');
      return r.input;
    });
    const result = await execute(
      single({
        Type: 'Map',
        ToleratedFailureCount: 1,
        ItemProcessor: {
          ...passChild,
          StartAt: 'T',
          States: { T: { Type: 'Task', Resource: 'arn:aws:states:::x:maybe', End: true } },
        },
      }),
      [1, 2, 3],
      { registry },
    );
    expect(result.output).toEqual([1, { Error: 'Bad.Item', Cause: 'two' }, 3]);
  });
});

describe('Distributed Map storage access', () => {
  it('reads ItemReader items through the handler registered for its Resource ARN', async () => {
    const requests: unknown[] = [];
    const registry = new ResourceRegistry().register('arn:aws:states:::s3:getObject', async (request) => {
      requests.push(request.input);
      return { Body: new TextEncoder().encode('{"n":1}\n{"n":2}\n') };
    });
    const result = await execute(readerMap({ InputType: 'JSONL' }), {}, { registry });
    expect(requests).toEqual([{ Bucket: 'b', Key: 'in' }]);
    expect(result.output).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('pages through listObjectsV2 with ContinuationToken', async () => {
    const pages: Record<string, object> = {
      first: { Contents: [{ Key: 'a', Size: 1 }], IsTruncated: true, NextContinuationToken: 't1' },
      t1: { Contents: [{ Key: 'b', Size: 2 }], IsTruncated: false },
    };
    const registry = new ResourceRegistry().register('arn:aws:states:::s3:listObjectsV2', async (request) => {
      const token = (request.input as { ContinuationToken?: string }).ContinuationToken ?? 'first';
      return pages[token];
    });
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } },
        ItemSelector: { 'key.$': '$$.Map.Item.Value.Key' },
      }),
      {},
      { registry },
    );
    expect(result.output).toEqual([{ key: 'a' }, { key: 'b' }]);
  });

  it('fails with States.ItemReaderFailed when no handler serves the ItemReader Resource', async () => {
    const result = await execute(readerMap({ InputType: 'JSON' }));
    expect(result).toMatchObject({
      status: 'FAILED',
      error: 'States.ItemReaderFailed',
      cause: "No handler is registered for the resource 'arn:aws:states:::s3:getObject'.",
    });
  });

  it('reports the storage error of a failed read as States.ItemReaderFailed', async () => {
    const result = await execute(readerMap({ InputType: 'JSON' }), {}, { store: new MemoryObjectStore() });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.ItemReaderFailed');
    expect(result.cause).toMatch(/^NoSuch/);
  });

  it('writes ResultWriter files through the handler registered for s3:putObject', async () => {
    const written: { Bucket: string; Key: string; Body: string }[] = [];
    const registry = new ResourceRegistry().register('arn:aws:states:::s3:putObject', async (request) => {
      written.push(request.input as { Bucket: string; Key: string; Body: string });
      return { ETag: '"x"' };
    });
    const result = await execute(
      single({
        Type: 'Map',
        ItemProcessor: passChild,
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'out', Prefix: 'p' },
          WriterConfig: { OutputType: 'JSONL', Transformation: 'COMPACT' },
        },
      }),
      [1, 2],
      { registry },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(written.map((w) => w.Key.replace(/\/[^/]+\//, '/<run>/'))).toEqual([
      'p/<run>/SUCCEEDED_0.jsonl',
      'p/<run>/manifest.json',
    ]);
    expect(written[0]).toMatchObject({ Bucket: 'out', Body: '1\n2\n' });
  });
});
