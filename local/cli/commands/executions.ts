/** `sparkmaker executions`: lists the offline executions recorded under `.sparkmaker/executions/`. */
import { join } from 'node:path';
import { ResourceRegistry } from '../../asl';
import { findProjectRoot } from '../../runtime/project';
import { listRecords, StepFunctionsService } from '../../services/sfn';
import { parseCommandLine } from '../args';
import type { Command } from '../main';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

export const command: Command = {
  summary: 'list offline executions',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        'state-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write('Usage: sparkmaker executions [--state-dir .sparkmaker] [--json]\n');
      return 0;
    }
    const stateDir = values['state-dir'] ?? join(projectRoot(), '.sparkmaker');
    // A run left RUNNING by a process that is gone (killed, crashed) has ended: say so, and record it.
    const sfn = new StepFunctionsService({ registry: new ResourceRegistry(), stateDir });
    for (const record of await sfn.abortOrphans()) {
      process.stderr.write(
        `sparkmaker: ${record.name} (${record.stateMachineName}) was RUNNING but its process is gone: marked ABORTED\n`,
      );
    }
    const records = (await listRecords(stateDir)).sort((a, b) => b.startDate.localeCompare(a.startDate));
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify(
          records.map(({ events: _events, ...rest }) => rest),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    if (records.length === 0) {
      process.stdout.write(`No executions under ${stateDir}: run 'npm start' or 'sparkmaker run'.\n`);
      return 0;
    }
    const rows = records.map((r) => [
      r.name,
      r.stateMachineName,
      r.status,
      r.startDate.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      r.stopDate === undefined
        ? ''
        : `${((Date.parse(r.stopDate) - Date.parse(r.startDate)) / 1000).toFixed(1)}s`,
      r.error ?? '',
    ]);
    const header = ['NAME', 'STATE MACHINE', 'STATUS', 'STARTED', 'DURATION', 'ERROR'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    for (const row of [header, ...rows]) {
      process.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    }
    return 0;
  },
};
