/**
 * `sparkmaker dev`: keeps the local S3 endpoint, the EventBridge rules and the schedules running.
 * Uploading a file under `incoming/` in the data bucket with any S3 client starts a training run,
 * exactly as the deployed S3 → EventBridge → s3-trigger chain does.
 */
import { join } from 'node:path';
import { startRuntime } from '../../runtime';
import { orphanLines } from '../../runtime/interrupt';
import { findProjectRoot } from '../../runtime/project';
import { seedSampleData } from '../../runtime/samples';
import { summarize } from '../../runtime/summary';
import { matchesPattern } from '../../services/eventbridge';
import { parseCommandLine } from '../args';
import type { Command } from '../main';
import { followExecution } from '../progress';

/** The project: the nearest serverless.yml above the current directory (see local/runtime/project.ts). */
const projectRoot = (): string => findProjectRoot();

export const command: Command = {
  summary: 'keep the local S3 endpoint, rules and schedules running',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        port: { type: 'string', default: '4566' },
        'api-port': { type: 'string', default: '4567' },
        'state-dir': { type: 'string' },
        'no-schedules': { type: 'boolean', default: false },
        'score-now': { type: 'boolean', default: false },
        seed: { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker dev [--port 4566] [--api-port 4567] [--state-dir .sparkmaker] [--no-schedules] [--score-now] [--seed]\n',
      );
      return 0;
    }
    const out = (text: string) => process.stdout.write(text);
    const runtime = await startRuntime({
      root: projectRoot(),
      ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
      triggers: true,
      schedules: !values['no-schedules'],
      s3Port: Number(values.port),
      apiPort: Number(values['api-port']),
      logLevel: values.verbose ? 'INFO' : 'SILENT',
      onTriggerError: (error, source) =>
        out(`! ${source}: ${error instanceof Error ? error.message : String(error)}\n`),
    });
    for (const line of orphanLines(runtime)) out(line);
    runtime.stepFunctions.onExecutionStarted((started) => {
      out(`\n${started.stateMachine.name}: ${started.execution.name} started\n`);
      void followExecution(started, { write: out, live: false }, runtime.lambda).then(async () => {
        const record = await runtime.stepFunctions.waitFor(started.execution.arn);
        out(`${summarize(record, runtime.stateDir).join('\n')}\n`);
      });
    });
    runtime.bus.onEvent((event) => {
      // Every write of the workflows is an S3 event too: show the ones a rule acts on, and the rest of the bus.
      const rules = runtime.config.rules.filter((rule) => matchesPattern(rule.pattern, event));
      if (event.source === 'aws.s3' && rules.length === 0) return;
      const detail = event.detail as { object?: { key?: string } } | undefined;
      const what = detail?.object?.key === undefined ? '' : ` ${detail.object.key}`;
      out(
        `event: ${event.source} ${event['detail-type']}${what}${rules.length > 0 ? ` → ${rules.map((r) => r.name).join(', ')}` : ''}\n`,
      );
    });
    const data = runtime.buckets.data;
    out(`sparkmaker dev: state in ${runtime.stateDir}
  S3 endpoint        ${runtime.s3Endpoint.url}   (buckets ${data}, ${runtime.buckets.artifacts})
  Step Functions API ${runtime.apiEndpoint.url}   (also SageMaker and EventBridge)
  rules              ${runtime.config.rules.map((r) => r.name).join(', ') || 'none'}
  schedules          ${
    runtime.scheduler
      .upcoming()
      .map((s) => `${s.name} next ${s.next?.toISOString() ?? 'never'}`)
      .join(', ') || 'none'
  }

Upload under incoming/ to start a training run, e.g.:
  AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --endpoint-url ${runtime.s3Endpoint.url} s3 cp data.csv s3://${data}/incoming/data.csv
Press Ctrl-C to stop.
`);
    if (values.seed) await seedSampleData(join(projectRoot(), 'examples'), runtime.store, data);
    if (values['score-now']) {
      const schedule = runtime.config.schedules[0];
      if (schedule !== undefined) await runtime.scheduler.fire(schedule.name);
    }
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    out('\nstopping…\n');
    // Runs end with the process: running executions are stopped (ABORTED) with their jobs.
    for (const arn of await runtime.stop(`${signal} received by sparkmaker dev (pid ${process.pid})`)) {
      out(`stopped ${arn.split(':').pop()}: ABORTED\n`);
    }
    await runtime.close();
    return 0;
  },
};
