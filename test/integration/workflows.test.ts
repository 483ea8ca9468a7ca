import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, startRuntime } from '../../local/runtime';
import { failShards } from '../../local/runtime/faults';
import type { FaultInjector } from '../../local/services/lambda';
import type { ExecutionRecord } from '../../local/services/sfn';
import { customersCsv } from '../../scripts/make-examples';

const root = join(import.meta.dirname, '..', '..');
const DATA = 'sparkmaker-data';

/** Every file under a directory, relative to it, sorted. */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      join((e as { parentPath?: string; path?: string }).parentPath ?? e.path, e.name).slice(dir.length + 1),
    )
    .sort();
}

function output(record: ExecutionRecord): Record<string, unknown> {
  return JSON.parse(record.output ?? '{}') as Record<string, unknown>;
}

describe('the offline workflows end to end', () => {
  let stateDir: string;
  let runtime: Runtime;
  let s3: string;
  let faults: FaultInjector | undefined;
  let training: ExecutionRecord;
  let featuresCsvUri: string;
  let scoringRows: number;

  /** Scores the precomputed features CSV in many small shards (no feature job), into `outputUri`. */
  const scoreCsv = (name: string, outputUri: string, extra: Record<string, unknown> = {}) =>
    runtime.run(
      'scoring',
      {
        input: { uri: featuresCsvUri, format: 'csv' },
        featureJob: false,
        model: { modelPackageGroup: 'e2e' },
        dt: '2024-06-03',
        outputUri,
        shardSizeBytes: 4096,
        batchSize: 1,
        maxConcurrency: 4,
        ...extra,
      },
      name,
    );

  const scoreIds = async (outputUri: string): Promise<string[]> => {
    const dir = join(s3, DATA, outputUri.replace(`s3://${DATA}/`, ''), 'dt=2024-06-03');
    const ids: string[] = [];
    for (const file of (await files(dir)).filter((f) => f.endsWith('.csv'))) {
      const lines = (await readFile(join(dir, file), 'utf8')).split('\n').filter((l) => l !== '');
      ids.push(...lines.slice(lines[0]?.startsWith('id,') ? 1 : 0).map((l) => l.split(',')[0]!));
    }
    return ids;
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-e2e-'));
    s3 = join(stateDir, 's3');
    runtime = await startRuntime({ root, stateDir, timeScale: 0.001, faults: (call) => faults?.(call) });
    await runtime.store.putObject(
      DATA,
      'incoming/customers.csv',
      customersCsv({ rows: 3000, seed: 3, dates: ['2024-06-01', '2024-06-02'], labelled: true }),
    );
    await runtime.store.putObject(
      DATA,
      'scoring/customers.csv',
      customersCsv({ rows: 1500, seed: 5, dates: ['2024-06-03'], labelled: false, idOffset: 500_000 }),
    );
  });

  afterAll(async () => {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('trains, evaluates, gates and registers a model, leaving every output as plain files', async () => {
    training = await runtime.run(
      'training',
      {
        input: { uri: `s3://${DATA}/incoming/customers.csv`, format: 'csv' },
        hyperparameters: { objective: 'binary:logistic', num_round: '15', max_depth: '3', eta: '0.3' },
        gate: { metric: 'auc', threshold: 0.6 },
        modelPackageGroup: 'e2e',
        approvalStatus: 'Approved',
      },
      'train-e2e',
    );

    expect(training.error ?? '', training.cause).toBe('');
    expect(training.status).toBe('SUCCEEDED');
    const out = output(training);
    expect((out.metrics as { auc: number }).auc).toBeGreaterThan(0.6);
    expect(out.modelPackageArn).toMatch(/model-package\/e2e\/1$/);
    const all = await files(s3);
    expect(all.some((f) => /features\/train-e2e\/split=train\/dt=2024-06-01\/.*\.parquet$/.test(f))).toBe(
      true,
    );
    expect(all.some((f) => f.endsWith('model.tar.gz'))).toBe(true);
    expect(all.some((f) => f.endsWith('.out'))).toBe(true);
    expect((await stat(join(s3, (out.metricsUri as string).slice(5)))).size).toBeGreaterThan(0);
  });

  it('writes each training channel as plain files directly under its prefix, never in folders', async () => {
    // The XGBoost 1.7-1 container may read only the files directly under a channel's S3 prefix.
    const channelFiles = (await files(join(s3, DATA, 'training', 'train-e2e'))).filter((f) =>
      /^(train|validation|test)\//.test(f),
    );
    expect(channelFiles.length).toBeGreaterThan(0);
    const nested = channelFiles.filter((f) => f.split('/').length !== 2);
    expect(nested).toEqual([]);
    expect(channelFiles.some((f) => /^train\/part-2024-06-01-[^/]+\.csv$/.test(f))).toBe(true);
  });

  it('scores with the registered model, writing scores partitioned by dt with _SUCCESS', async () => {
    const record = await runtime.run(
      'scoring',
      {
        input: { uri: `s3://${DATA}/scoring/customers.csv`, format: 'csv' },
        model: { modelPackageGroup: 'e2e' },
        dt: '2024-06-03',
        outputUri: `s3://${DATA}/scores/featured/`,
      },
      'score-e2e',
    );

    expect(record.status, record.cause).toBe('SUCCEEDED');
    expect(output(record)).toMatchObject({ status: 'COMPLETE', rows: 1500, failedShards: [] });
    expect(await stat(join(s3, DATA, 'scores', 'featured', 'dt=2024-06-03', '_SUCCESS'))).toBeDefined();
    // Keep the scoring features as CSV for the sharded runs below (many shards, no feature job).
    const dir = join(s3, DATA, 'features', 'score-e2e');
    const parts = (await files(dir)).filter((f) => f.endsWith('.parquet'));
    const rows: Record<string, unknown>[] = [];
    for (const part of parts) {
      const bytes = await readFile(join(dir, part));
      rows.push(
        ...((await parquetReadObjects({
          file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
        })) as Record<string, unknown>[]),
      );
    }
    const columns = Object.keys(rows[0]!).filter((c) => c === 'customer_id' || c.startsWith('f_'));
    const csv = [
      columns.join(','),
      ...rows.map((r) =>
        columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','),
      ),
    ];
    scoringRows = rows.length;
    await runtime.store.putObject(DATA, 'scoring/features.csv', `${csv.join('\n')}\n`);
    featuresCsvUri = `s3://${DATA}/scoring/features.csv`;
  });

  it('retries a shard that fails once, and the run succeeds with no duplicate rows', async () => {
    faults = failShards({ shardIds: ['00002'], times: 1 });

    const record = await scoreCsv('score-retry', `s3://${DATA}/scores/retry/`);
    faults = undefined;

    expect(record.status, record.cause).toBe('SUCCEEDED');
    const out = output(record);
    expect(out.shards as number).toBeGreaterThan(4);
    expect(out).toMatchObject({ status: 'COMPLETE', rows: scoringRows });
    const ids = await scoreIds(`s3://${DATA}/scores/retry/`);
    expect(ids).toHaveLength(scoringRows);
    expect(new Set(ids).size).toBe(scoringRows);
  });

  it('reports a shard that keeps failing within the tolerance and still succeeds, without _SUCCESS', async () => {
    faults = failShards({ shardIds: ['00001'], errorType: 'ScoringFault' });

    const record = await scoreCsv('score-tolerated', `s3://${DATA}/scores/tolerated/`, {
      toleratedFailurePercentage: 50,
    });
    faults = undefined;

    expect(record.status, record.cause).toBe('SUCCEEDED');
    expect(output(record)).toMatchObject({ status: 'PARTIAL', failedShards: ['00001'] });
    const successMarker = join(s3, DATA, 'scores', 'tolerated', 'dt=2024-06-03', '_SUCCESS');
    expect(await stat(successMarker).catch(() => undefined)).toBeUndefined();
  });

  it("fails beyond the tolerance with the first failed shard's own error and writes no _SUCCESS", async () => {
    faults = failShards({ shardIds: ['00000', '00001', '00002'], errorType: 'ScoringFault' });

    const record = await scoreCsv('score-beyond', `s3://${DATA}/scores/beyond/`, {
      toleratedFailurePercentage: 10,
    });
    faults = undefined;

    // The run fails with the first failed shard's own error, not the Map's threshold error.
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('ScoringFault');
    expect(record.cause).toMatch(/^Injected failure of shard 0000[0-2]/);
    const successMarker = join(s3, DATA, 'scores', 'beyond', 'dt=2024-06-03', '_SUCCESS');
    expect(await stat(successMarker).catch(() => undefined)).toBeUndefined();
  });

  it('scores with a bare model URI and the feature column list given beside it', async () => {
    // Prepare: the trained artifact and its column list, and the features with their columns reversed
    const { modelDataUrl, featureColumnsUri } = output(training) as Record<string, string>;
    const lines = new TextDecoder()
      .decode(await runtime.store.getObject(DATA, 'scoring/features.csv'))
      .trimEnd()
      .split('\n')
      .map((l) => l.split(','));
    const reversed = lines.map(([id, ...rest]) => [id, ...rest.reverse()].join(',')).join('\n');
    await runtime.store.putObject(DATA, 'scoring/features-reversed.csv', `${reversed}\n`);
    // Act
    const byName = await scoreCsv('score-by-uri', `s3://${DATA}/scores/by-uri/`, {
      input: { uri: `s3://${DATA}/scoring/features-reversed.csv`, format: 'csv' },
      model: { uri: modelDataUrl, featureColumnsUri },
    });
    // Assess: the same scores as the registered model on the columns in training order
    expect(byName.status, byName.cause).toBe('SUCCEEDED');
    expect(output(byName)).toMatchObject({ status: 'COMPLETE', rows: scoringRows });
    const scores = async (dir: string) => {
      const lines: string[] = [];
      for (const file of (await files(dir)).filter((f) => f.endsWith('.csv')))
        lines.push(...(await readFile(join(dir, file), 'utf8')).trimEnd().split('\n').slice(1));
      return lines.sort();
    };
    expect(await scores(join(s3, DATA, 'scores', 'by-uri', 'dt=2024-06-03'))).toEqual(
      await scores(join(s3, DATA, 'scores', 'retry', 'dt=2024-06-03')),
    );
  });

  it('gives identical outputs for the same input run twice', async () => {
    /** The partition's parts by shard id (`part-<shard>-<run tag>.csv`; the tag differs per run). */
    const partsByShard = async (dir: string) => {
      const parts: Record<string, string> = {};
      for (const f of (await files(dir)).filter((f) => f.endsWith('.csv')))
        parts[f.slice(0, 'part-00000'.length)] = await readFile(join(dir, f), 'utf8');
      return parts;
    };
    const first = await scoreCsv('score-same-1', `s3://${DATA}/scores/same/`);
    const dir = join(s3, DATA, 'scores', 'same', 'dt=2024-06-03');
    const before = await partsByShard(dir);

    const second = await scoreCsv('score-same-2', `s3://${DATA}/scores/same/`);
    const after = await partsByShard(dir);

    expect([first.status, second.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(Object.keys(before).length).toBeGreaterThan(4);
    expect(after).toEqual(before);
  });

  it('leaves the previous commit byte for byte when a later run on the dt fails', async () => {
    // Prepare: a complete run on the partition
    const outputUri = `s3://${DATA}/scores/rerun-fails/`;
    const partition = join(s3, DATA, 'scores', 'rerun-fails', 'dt=2024-06-03');
    const committed = await scoreCsv('score-rerun-ok', outputUri);
    const snapshot = async () =>
      Object.fromEntries(
        await Promise.all((await files(partition)).map(async (f) => [f, await readFile(join(partition, f))])),
      );
    const before = await snapshot();
    // Act: a second run whose shards after the first fail beyond the tolerance (one at a time, so
    // the first shard has written its part before the run fails)
    faults = failShards({ shardIds: ['00001', '00002', '00003'], errorType: 'ScoringFault' });
    const failed = await scoreCsv('score-rerun-fails', outputUri, {
      toleratedFailurePercentage: 10,
      maxConcurrency: 1,
    });
    faults = undefined;
    // Assess: same files, same bytes; the manifest lists exactly the partition's parts
    expect(committed.status, committed.cause).toBe('SUCCEEDED');
    expect(failed.status).toBe('FAILED');
    expect(Object.keys(before)).toContain('_SUCCESS');
    expect(await snapshot()).toEqual(before);
    const manifest = JSON.parse(String(before['_manifest.json'])) as { shards: { outputKey: string }[] };
    expect(manifest.shards.map((shard) => shard.outputKey.split('/').at(-1)).sort()).toEqual(
      Object.keys(before).filter((f) => f.startsWith('part-')),
    );
  });

  it("fails a run on a truncated model with the archive's own error, keeping the last commit", async () => {
    // Prepare: a committed partition, and the trained model cut in half
    const outputUri = `s3://${DATA}/scores/truncated-model/`;
    const partition = join(s3, DATA, 'scores', 'truncated-model', 'dt=2024-06-03');
    const { modelDataUrl, featureColumnsUri } = output(training) as Record<string, string>;
    const committed = await scoreCsv('score-before-truncation', outputUri);
    const [bucket, ...key] = String(modelDataUrl).slice('s3://'.length).split('/');
    const model = await runtime.store.getObject(bucket!, key.join('/'));
    await runtime.store.putObject(
      DATA,
      'models/truncated/model.tar.gz',
      model.subarray(0, model.length >> 1),
    );
    const before = await Promise.all(
      (await files(partition)).map(async (f) => [f, await readFile(join(partition, f))]),
    );
    // Act
    const failed = await scoreCsv('score-truncated-model', outputUri, {
      model: { uri: `s3://${DATA}/models/truncated/model.tar.gz`, featureColumnsUri },
    });
    // Assess
    expect(committed.status, committed.cause).toBe('SUCCEEDED');
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('ModelFormatError');
    expect(failed.cause).toMatch(/gzip|truncated|archive/);
    const after = await Promise.all(
      (await files(partition)).map(async (f) => [f, await readFile(join(partition, f))]),
    );
    expect(after).toEqual(before);
    expect(before.map(([f]) => f)).toContain('_SUCCESS');
  });

  it('leaves only the parts of the latest run when runs on the same dt have different shard counts', async () => {
    // Prepare: a run of many small shards
    const outputUri = `s3://${DATA}/scores/reshard/`;
    const partition = join(s3, DATA, 'scores', 'reshard', 'dt=2024-06-03');
    const many = await scoreCsv('score-reshard-many', outputUri);
    const partsBefore = (await files(partition)).filter((f) => f.startsWith('part-'));
    // Act: the same input again as a single shard
    const one = await scoreCsv('score-reshard-one', outputUri, { shardSizeBytes: 64 * 1024 * 1024 });
    // Assess
    expect([many.status, one.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(partsBefore.length).toBeGreaterThan(1);
    expect(output(one)).toMatchObject({ status: 'COMPLETE', shards: 1, rows: scoringRows });
    const parts = (await files(partition)).filter((f) => f.startsWith('part-'));
    expect(parts).toHaveLength(1);
    expect(parts[0]).toMatch(/^part-00000-[0-9a-f]{8}\.csv$/);
    const ids = await scoreIds(outputUri);
    expect(ids).toHaveLength(scoringRows);
    expect(new Set(ids).size).toBe(scoringRows);
  });

  it('fails a run with the error of the converter that failed, not the Distributed Map threshold', async () => {
    await runtime.store.putObject(
      DATA,
      'incoming/unconvertible.csv',
      customersCsv({ rows: 20, seed: 11, dates: ['2024-06-01'], labelled: true }),
    );
    faults = ({ functionName }) =>
      functionName === 'convert'
        ? Object.assign(new Error('Injected: the feature object cannot be converted'), {
            name: 'ConversionError',
          })
        : undefined;

    const record = await runtime.run(
      'training',
      { input: { uri: `s3://${DATA}/incoming/unconvertible.csv`, format: 'csv' } },
      'train-unconvertible',
    );
    faults = undefined;

    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('ConversionError');
    expect(record.cause).toContain('the feature object cannot be converted');
  });

  it('fails a run on a malformed input file, naming the file and the line', async () => {
    const good = customersCsv({ rows: 20, seed: 9, dates: ['2024-06-01'], labelled: true }).split('\n');
    good.splice(7, 0, 'C9999999,2024-06-01,"unterminated,12.5');
    await runtime.store.putObject(DATA, 'incoming/broken.csv', good.join('\n'));

    const record = await runtime.run(
      'training',
      { input: { uri: `s3://${DATA}/incoming/broken.csv`, format: 'csv' } },
      'train-broken',
    );

    expect(record.status).toBe('FAILED');
    expect(record.cause).toContain('broken.csv');
    expect(record.cause).toMatch(/line 8\b/i);
  });
});
