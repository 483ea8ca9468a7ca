/**
 * `sparkmaker ui`: the local web console over the state directory (executions, graphs, histories,
 * Map Runs, models, data) on 127.0.0.1, at a URL holding a random per-start token. Works with or
 * without `sparkmaker dev` running: it reads the same files and follows runs as they are written.
 */
import { join } from 'node:path';
import { startConsole } from '../../console/server';
import { findProjectRoot } from '../../runtime/project';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

export const command: Command = {
  summary: 'serve the local web console (graph, history, Map Runs, models, data) on 127.0.0.1',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        port: { type: 'string', default: '0' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write('Usage: sparkmaker ui [--port 0] [--state-dir .sparkmaker]\n');
      return 0;
    }
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new UsageError(`--port must be a port number (0-65535), got '${values.port}'`);
    }
    const root = findProjectRoot();
    const stateDir = values['state-dir'] ?? join(root, '.sparkmaker');
    const server = await startConsole({ stateDir, projectRoot: root, port });
    process.stdout.write(
      `sparkmaker console: ${server.url}\n  state in ${stateDir}; listening on 127.0.0.1 only; the token changes at every start.\nPress Ctrl-C to stop.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
    return 0;
  },
};
