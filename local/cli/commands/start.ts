/**
 * `sparkmaker start` (= `npm start`): seeds the sample data, starts the local endpoints, runs the
 * training workflow then the scoring workflow with live progress, and prints a summary of what was
 * produced and where it is under `.sparkmaker/`.
 */
import { join } from 'node:path';
import { startRuntime } from '../../runtime';
import { shardFaultsFromEnv } from '../../runtime/faults';
import { handleInterrupts, orphanLines } from '../../runtime/interrupt';
import { findProjectRoot } from '../../runtime/project';
import { readSampleInput, seedSampleData } from '../../runtime/samples';
import { lambdaSummary, summarize } from '../../runtime/summary';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';
import { followExecution } from '../progress';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

export const command: Command = {
  summary: 'seed the sample data and run training then scoring offline',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        'state-dir': { type: 'string' },
        examples: { type: 'string' },
        workers: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        'no-color': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker start [--state-dir .sparkmaker] [--examples examples] [--workers <n>] [--verbose] [--no-color]\n\nSeeds examples/data into the local data bucket, then runs training and scoring with examples/inputs/*.json.\n--workers: the most Lambda invocations running at once (worker threads; default: the core count).\n',
      );
      return 0;
    }
    const started = Date.now();
    const examples = values.examples ?? join(projectRoot(), 'examples');
    const faults = shardFaultsFromEnv(process.env.SPARKMAKER_FAIL_SHARDS);
    const workers = parseWorkers(values.workers);
    const runtime = await startRuntime({
      ...(workers === undefined ? {} : { workers }),
      root: projectRoot(),
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      logLevel: values.verbose ? 'INFO' : 'SILENT',
      ...(faults === undefined ? {} : { faults }),
    });
    const out = (text: string) => process.stdout.write(text);
    const live = process.stdout.isTTY === true && process.env.CI === undefined;
    const color = live && !values['no-color'] && process.env.NO_COLOR === undefined;
    const interrupt = handleInterrupts(runtime, out);
    try {
      for (const line of orphanLines(runtime)) out(line);
      out(`sparkmaker: local S3 at ${runtime.s3Endpoint.url}, state in ${runtime.stateDir}\n`);
      const keys = await seedSampleData(examples, runtime.store, runtime.buckets.data);
      out(`seeded ${keys.length} sample files into s3://${runtime.buckets.data}/ (${keys.join(', ')})\n`);
      const records = [];
      for (const workflow of ['training', 'scoring']) {
        if (interrupt.signal !== undefined) break;
        const input = await readSampleInput(examples, workflow);
        const execution = await runtime.start(workflow, input);
        out(`\n${workflow}: ${execution.execution.name}\n`);
        await followExecution(execution, { write: out, live, color }, runtime.lambda);
        const record = await runtime.stepFunctions.waitFor(execution.execution.arn);
        records.push(record);
        if (record.status !== 'SUCCEEDED') break;
      }
      await interrupt.stopped;
      out('\nSummary\n');
      for (const record of records) out(`${summarize(record, runtime.stateDir).join('\n')}\n`);
      // Endpoint mode: every endpoint a run created is deleted by the run (or its abort clean-up).
      await runtime.idle();
      const endpoints = (await runtime.sageMakerRuntime.list()).map((e) => e.EndpointName);
      out(
        endpoints.length === 0
          ? 'endpoints: none left behind\n'
          : `endpoints left behind: ${endpoints.join(', ')} (delete with: sparkmaker endpoints --delete NAME)\n`,
      );
      out(`${lambdaSummary(runtime.lambda)}\n`);
      out(
        `\nEverything is under ${runtime.stateDir} (objects in s3/, histories in executions/). Took ${((Date.now() - started) / 1000).toFixed(1)}s.\n`,
      );
      return interrupt.exitCode(
        records.length === 2 && records.every((r) => r.status === 'SUCCEEDED') ? 0 : 1,
      );
    } finally {
      interrupt.dispose();
      await runtime.close();
    }
  },
};

/** `--workers <n>`: a positive integer, or undefined for the default (the core count). */
export function parseWorkers(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`--workers must be a positive integer, got '${value}'`);
  return n;
}
