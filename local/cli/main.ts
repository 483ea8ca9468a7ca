/**
 * The `sparkmaker` command line. Each subcommand lives in `commands/<name>.ts` and exports
 * `run(argv)`, resolving to the process exit code; it is imported only when used so that
 * `sparkmaker convert` does not pay for the interpreter or DuckDB.
 */
import { readFileSync } from 'node:fs';
import { capMessage, SparkmakerError } from '../../shared/errors';

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
  ui: {
    summary: 'serve the local web console on 127.0.0.1',
    load: () => import('./commands/ui'),
  },
  report: {
    summary: 'write an execution, its model and Map Runs as one HTML file',
    load: () => import('./commands/report'),
  },
  init: { summary: 'propose a table declaration for a local file', load: () => import('./commands/init') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: sparkmaker <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'sparkmaker <command> --help' for a command's options, 'sparkmaker --version' for the version.\n`;
}

/** The package version, from the package.json beside the CLI. */
function version(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/**
 * A reader that went away (`sparkmaker executions | head`) ends the command quietly, with the exit
 * code it had so far, as other Unix tools do; any other stream error is reported as usual.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`sparkmaker ${version()}\n`);
    return 0;
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
    // One line, capped, no stack trace: SPARKMAKER_DEBUG=1 adds the stack.
    const debug = process.env.SPARKMAKER_DEBUG === '1';
    const message = capMessage(error instanceof Error ? error.message : String(error));
    process.stderr.write(`sparkmaker ${name}: ${message}\n`);
    if (debug && error instanceof Error) process.stderr.write(`${error.stack ?? ''}\n`);
    if (error instanceof SparkmakerError || (error instanceof Error && error.name === 'UsageError')) {
      return error.name === 'UsageError' ? 2 : 1;
    }
    return 1;
  }
}

endQuietlyOnClosedPipe(process.stdout);
endQuietlyOnClosedPipe(process.stderr);
process.exitCode = await main(process.argv.slice(2));
