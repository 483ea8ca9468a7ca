/**
 * The `sparkmaker` command line. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv)`, resolving to the process exit code; it is imported only when used so that
 * `sparkmaker convert` does not pay for the interpreter or DuckDB.
 */
import { SparkmakerError } from '../../shared/errors';

/** A subcommand: parses its own arguments and resolves to an exit code. */
export interface Command {
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, { summary: string; load: () => Promise<{ command: Command }> }> = {
  start: {
    summary: 'seed the sample data and run training then scoring offline',
    load: () => import('./commands/start'),
  },
  run: {
    summary: 'run a workflow offline: run <training|scoring> --input <file.json>',
    load: () => import('./commands/run'),
  },
  executions: { summary: 'list offline executions', load: () => import('./commands/executions') },
  history: {
    summary: 'show the event history of an offline execution',
    load: () => import('./commands/history'),
  },
  stop: {
    summary: 'stop a running offline execution: stop <execution>',
    load: () => import('./commands/stop'),
  },
  dev: {
    summary: 'keep the local S3 endpoint, rules and schedules running',
    load: () => import('./commands/dev'),
  },
  convert: {
    summary: 'convert a feature table to csv, libsvm or recordio-protobuf',
    load: () => import('./commands/convert'),
  },
  score: {
    summary: 'score a file with an XGBoost model as SageMaker batch transform would',
    load: () => import('./commands/score'),
  },
  train: {
    summary: 'train an XGBoost model with the embedded trainer',
    load: () => import('./commands/train'),
  },
  invoke: {
    summary: 'send a file to a local endpoint in capped requests: invoke <endpoint> --input file',
    load: () => import('./commands/invoke'),
  },
  endpoints: {
    summary: 'list local SageMaker endpoints, or delete one: endpoints [--delete NAME]',
    load: () => import('./commands/endpoints'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: sparkmaker <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'sparkmaker <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (entry === undefined) {
    process.stderr.write(`sparkmaker: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    const { command } = await entry.load();
    return await command.run(rest);
  } catch (error) {
    const debug = process.env.SPARKMAKER_DEBUG === '1';
    if (error instanceof SparkmakerError || (error instanceof Error && error.name === 'UsageError')) {
      process.stderr.write(`sparkmaker ${name}: ${error.message}\n`);
      if (debug) process.stderr.write(`${error.stack ?? ''}\n`);
      return error.name === 'UsageError' ? 2 : 1;
    }
    const message =
      error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`sparkmaker ${name}: ${message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
