/**
 * What a user sees when a Distributed Map fails, offline, end to end: the first failed child's own
 * error reaches the execution (never States.ExceedToleratedFailureThreshold when a child said why),
 * whatever the ResultWriter wrote; and a failed scoring run leaves the last commit untouched.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cut } from '../../functions/lib/map-failure';
import { type Runtime, startRuntime } from '../../local/runtime';
import type { FaultInjector } from '../../local/services/lambda';
import type { ExecutionRecord } from '../../local/services/sfn';
import { customersCsv } from '../../scripts/make-examples';

const root = join(import.meta.dirname, '..', '..');
const DATA = 'sparkmaker-data';
const ARTIFACTS = 'sparkmaker-artifacts';

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

/** A fault making every converter fail with a ConversionError naming its object, padded to `size`. */
function failConverters(size: number): FaultInjector {
  return ({ functionName, payload }) => {
    if (functionName !== 'convert') return undefined;
    const source = String((payload as { source?: unknown }).source);
    const message = `Injected: ${source} cannot be converted${' (detail)'.repeat(Math.ceil(size / 9))}`;
    return Object.assign(new Error(message.slice(0, Math.max(size, 60))), { name: 'ConversionError' });
  };
}

describe('a failed Distributed Map, offline', () => {
  let stateDir: string;
  let runtime: Runtime;
  let faults: FaultInjector | undefined;

  /** A training run on the sample; each run gets its own execution name and so its own prefixes. */
  const train = (name: string) =>
    runtime.run('training', { input: { uri: `s3://${DATA}/incoming/customers.csv`, format: 'csv' } }, name);

  /** The ResultWriter's FAILED files of a run's conversion, with their sizes. */
  const failedFiles = async (runId: string) => {
    const dir = join(stateDir, 's3', ARTIFACTS, 'map-results', runId, 'conversion');
    const names = (await files(dir)).filter((f) => /(^|\/)FAILED_\d+\.json$/.test(f));
    return Promise.all(names.map(async (f) => ({ name: f, text: await readFile(join(dir, f), 'utf8') })));
  };

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sparkmaker-failures-'));
    runtime = await startRuntime({
      root,
      stateDir,
      timeScale: 0.001,
      // Result files of at most ~400 KB (AWS's are far larger), so a handful of large failures spill
      // over several FAILED_<n>.json, each still over the 256 KiB a state may carry.
      resultFileBytes: 400_000,
      faults: (call) => faults?.(call),
    });
    await runtime.store.putObject(
      DATA,
      'incoming/customers.csv',
      customersCsv({ rows: 800, seed: 3, dates: ['2024-06-01', '2024-06-02'], labelled: true }),
    );
  });

  afterAll(async () => {
    await runtime.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it("fails a training run with the first failed converter's error when the failures fill several result files", async () => {
    faults = failConverters(100_000);
    const record: ExecutionRecord = await train('train-several-files');
    faults = undefined;

    const written = await failedFiles('train-several-files');
    expect(written.length).toBeGreaterThan(1);
    const first = (
      JSON.parse(written.find((f) => f.name.endsWith('FAILED_0.json'))!.text) as unknown[]
    )[0] as {
      Cause: string;
    };
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('ConversionError');
    expect(record.cause).toBe(cut((JSON.parse(first.Cause) as { errorMessage: string }).errorMessage));
  });

  it('reads only the first entry of a result file far over the 256 KiB state limit', async () => {
    // Prepare: failures of ~60 KB each (~120 KB as recorded), three to a file
    faults = failConverters(60_000);
    // Act
    const record = await train('train-big-file');
    faults = undefined;
    // Assess
    const written = await failedFiles('train-big-file');
    const first = written.find((f) => f.name.endsWith('FAILED_0.json'));
    expect(Buffer.byteLength(first?.text ?? '')).toBeGreaterThan(256 * 1024);
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('ConversionError');
    expect(record.cause).toMatch(
      /^Injected: s3:\/\/sparkmaker-data\/features\/train-big-file\/.* cannot be converted/,
    );
    expect(record.cause).toMatch(/more characters cut\]$/);
    expect((record.cause ?? '').length).toBeLessThan(5000);
  });

  it("keeps the Map's own error, and still fails cleanly, when no result file names a failed child", async () => {
    // Prepare: the converters fail, and the result files are gone before map-failure looks (as if
    // the ResultWriter had written none)
    faults = (call) => {
      if (call.functionName === 'map-failure') {
        rmSync(join(stateDir, 's3', ARTIFACTS, 'map-results', 'train-no-file'), {
          recursive: true,
          force: true,
        });
        return undefined;
      }
      return failConverters(100)(call);
    };
    // Act
    const record = await train('train-no-file');
    faults = undefined;
    // Assess
    expect(record.status).toBe('FAILED');
    expect(record.error).toBe('States.ExceedToleratedFailureThreshold');
    expect(record.error).not.toBe('States.QueryEvaluationError');
  });
});
