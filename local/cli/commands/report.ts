/**
 * `sparkmaker report <execution> --out report.html`: one self-contained HTML file (no network, no
 * external file) with the execution's graph, history and timeline, its model and its Map Runs.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { renderReport } from '../../../shared/report';
import { buildReport } from '../../console/report';
import { ConsoleState } from '../../console/state';
import { findProjectRoot } from '../../runtime/project';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

export const command: Command = {
  summary: 'write one execution, its model and Map Runs as a self-contained HTML report',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        out: { type: 'string', short: 'o' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker report <execution name or ARN> [--out report.html] [--state-dir .sparkmaker]\n',
      );
      return 0;
    }
    const wanted = positionals[0];
    if (wanted === undefined)
      throw new UsageError('report needs an execution name (see sparkmaker executions)');
    const root = findProjectRoot();
    const stateDir = values['state-dir'] ?? join(root, '.sparkmaker');
    const state = new ConsoleState(stateDir, root);
    const name = wanted.includes(':execution:') ? wanted.slice(wanted.lastIndexOf(':') + 1) : wanted;
    const execution = await state.executionByName(name);
    if (execution === undefined) {
      throw new UsageError(`no execution named '${wanted}' under ${stateDir} (see sparkmaker executions)`);
    }
    const out = resolve(values.out ?? `${execution.name}.html`);
    const text = renderReport(await buildReport(state, execution));
    // Written whole, then renamed: a reader never sees half a report.
    const temp = `${out}.${process.pid}.tmp`;
    await writeFile(temp, text);
    await rename(temp, out);
    process.stdout.write(`report of ${execution.name} (${execution.status}): ${out}\n`);
    return 0;
  },
};
