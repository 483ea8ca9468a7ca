/** `sparkmaker history <execution name>`: the GetExecutionHistory events of an offline execution. */
import { join } from 'node:path';
import type { HistoryEvent } from '../../asl';
import { findProjectRoot } from '../../runtime/project';
import { listRecords } from '../../services/sfn';
import { parseCommandLine, UsageError } from '../args';
import type { Command } from '../main';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

function describe(event: HistoryEvent): string {
  const detailsKey = Object.keys(event).find((k) => k.endsWith('EventDetails'));
  if (detailsKey === undefined) return '';
  const details = event[detailsKey] as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['name', 'resource', 'error', 'cause', 'index', 'length']) {
    const value = details[key];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    parts.push(`${key}=${text.length > 160 ? `${text.slice(0, 157)}...` : text}`);
  }
  return parts.join(' ');
}

export const command: Command = {
  summary: 'show the event history of an offline execution',
  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine({
      args: argv,
      options: {
        'state-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker history <execution name or ARN> [--state-dir .sparkmaker] [--json]\n',
      );
      return 0;
    }
    const wanted = positionals[0];
    if (wanted === undefined)
      throw new UsageError('history needs an execution name (see sparkmaker executions)');
    const stateDir = values['state-dir'] ?? join(projectRoot(), '.sparkmaker');
    const record = (await listRecords(stateDir)).find((r) => r.name === wanted || r.executionArn === wanted);
    if (record === undefined) {
      throw new UsageError(`no execution named '${wanted}' under ${stateDir} (see sparkmaker executions)`);
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ events: record.events }, null, 2)}\n`);
      return 0;
    }
    const start = Date.parse(record.startDate);
    process.stdout.write(`${record.executionArn}  ${record.status}\n`);
    for (const event of record.events) {
      const at = Date.parse(String(event.timestamp)) - start;
      process.stdout.write(
        `${String(event.id).padStart(4)}  +${(at / 1000).toFixed(3).padStart(8)}s  ${event.type.padEnd(28)} ${describe(event)}\n`,
      );
    }
    return 0;
  },
};
