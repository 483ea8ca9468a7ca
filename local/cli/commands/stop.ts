/**
 * `sparkmaker stop <execution>`: StopExecution for an offline execution. The process running it
 * (`npm start`, `sparkmaker run`, `sparkmaker dev`) stops it as Step Functions would (ABORTED, an
 * `ExecutionAborted` event, its training / transform / EMR jobs stopped); an execution whose process
 * is gone is marked ABORTED here.
 */
import { join } from 'node:path';
import { ResourceRegistry } from '../../asl';
import { findProjectRoot } from '../../runtime/project';
import { type ExecutionRecord, listRecords, requestStop, StepFunctionsService } from '../../services/sfn';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

async function find(stateDir: string, id: string): Promise<ExecutionRecord | undefined> {
  return (await listRecords(stateDir)).find((r) => r.name === id || r.executionArn === id);
}

export const command: Command = {
  summary: 'stop a running offline execution: stop <execution>',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        'state-dir': { type: 'string' },
        error: { type: 'string' },
        cause: { type: 'string' },
        wait: { type: 'string', default: '60' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker stop <execution name or ARN> [--error <code>] [--cause <text>] [--wait <seconds>] [--state-dir .sparkmaker]\n',
      );
      return 0;
    }
    const id = positionals[0];
    if (id === undefined || positionals.length > 1) {
      throw new UsageError('stop takes one execution: stop <execution name or ARN>');
    }
    const waitSeconds = Number(values.wait);
    if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
      throw new UsageError(`--wait must be a number of seconds, got '${values.wait}'`);
    }
    const stateDir = values['state-dir'] ?? join(projectRoot(), '.sparkmaker');
    const record = await find(stateDir, id);
    if (record === undefined) {
      process.stderr.write(
        `sparkmaker stop: ExecutionDoesNotExist: no execution '${id}' under ${stateDir}\n`,
      );
      return 1;
    }
    if (record.status !== 'RUNNING') {
      process.stdout.write(`${record.name} is already ${record.status}\n`);
      return 0;
    }
    // An execution whose process is gone cannot be asked: mark it ABORTED here.
    const orphans = await new StepFunctionsService({
      registry: new ResourceRegistry(),
      stateDir,
    }).abortOrphans();
    if (orphans.some((r) => r.executionArn === record.executionArn)) {
      process.stdout.write(
        `${record.name}: ABORTED (its process, pid ${record.pid ?? 'unknown'}, was gone)\n`,
      );
      return 0;
    }
    await requestStop(
      stateDir,
      record,
      values.error,
      values.cause ?? `stopped with sparkmaker stop (pid ${process.pid})`,
    );
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const now = await find(stateDir, id);
      if (now !== undefined && now.status !== 'RUNNING') {
        process.stdout.write(`${now.name}: ${now.status}\n`);
        return now.status === 'ABORTED' ? 0 : 1;
      }
      if (Date.now() >= deadline) {
        process.stderr.write(
          `sparkmaker stop: asked pid ${record.pid ?? 'unknown'} to stop ${record.name}; it is still RUNNING after ${waitSeconds}s\n`,
        );
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  },
};
