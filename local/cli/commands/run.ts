/**
 * `sparkmaker run <workflow> --input <file.json> [--name <execution name>]`: runs one workflow
 * offline with live progress and prints its summary and output.
 */
import { readFile } from 'node:fs/promises';
import { startRuntime } from '../../runtime';
import { shardFaultsFromEnv } from '../../runtime/faults';
import { handleInterrupts, orphanLines } from '../../runtime/interrupt';
import { findProjectRoot } from '../../runtime/project';
import { lambdaSummary, summarize } from '../../runtime/summary';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';
import { followExecution } from '../progress';
import { parseWorkers } from './start';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

export const command: Command = {
  summary: 'run a workflow offline: run <training|scoring> --input <file.json>',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        input: { type: 'string', short: 'i' },
        name: { type: 'string' },
        workers: { type: 'string' },
        'state-dir': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker run <training|scoring> --input <file.json> [--name <execution name>] [--state-dir .sparkmaker] [--workers <n>] [--json]\n',
      );
      return 0;
    }
    const workflow = positionals[0];
    if (workflow === undefined || positionals.length > 1) {
      throw new UsageError('run takes one workflow name: run <training|scoring> --input <file.json>');
    }
    let input: unknown = {};
    if (values.input !== undefined) {
      const text = await readFile(values.input, 'utf8').catch((error: unknown) => {
        throw new UsageError(`cannot read --input ${values.input}: ${(error as Error).message}`);
      });
      try {
        input = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`--input ${values.input} is not JSON: ${(error as Error).message}`);
      }
    }
    const faults = shardFaultsFromEnv(process.env.SPARKMAKER_FAIL_SHARDS);
    const workers = parseWorkers(values.workers);
    const runtime = await startRuntime({
      ...(workers === undefined ? {} : { workers }),
      root: projectRoot(),
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      logLevel: values.verbose ? 'INFO' : 'SILENT',
      ...(faults === undefined ? {} : { faults }),
    });
    const interrupt = handleInterrupts(runtime, (text) => process.stderr.write(text));
    try {
      for (const line of orphanLines(runtime)) process.stderr.write(line);
      let arn: string;
      try {
        arn = runtime.stateMachineArn(workflow);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const started = await runtime.start(arn, input, values.name);
      const out = (text: string) => process.stdout.write(text);
      const live = process.stdout.isTTY === true && process.env.CI === undefined && !values.json;
      if (!values.json) {
        out(`${started.stateMachine.name}: ${started.execution.name}\n`);
        await followExecution(started, { write: out, live, color: live }, runtime.lambda);
      }
      const record = await runtime.stepFunctions.waitFor(started.execution.arn);
      await interrupt.stopped;
      if (values.json) {
        const { events: _events, ...rest } = record;
        out(`${JSON.stringify(rest, null, 2)}\n`);
      } else {
        out(`\n${summarize(record, runtime.stateDir).join('\n')}\n${lambdaSummary(runtime.lambda)}\n`);
      }
      return interrupt.exitCode(record.status === 'SUCCEEDED' ? 0 : 1);
    } finally {
      interrupt.dispose();
      await runtime.close();
    }
  },
};
