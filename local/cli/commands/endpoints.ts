/**
 * `sparkmaker endpoints [--delete NAME]`: lists the local SageMaker endpoints recorded under
 * `.sparkmaker/sagemaker/endpoints/` (what a run or a crashed process left behind), or deletes one
 * with, when a run created them (tag `sparkmaker:execution-arn`), its configuration and model.
 */
import { join } from 'node:path';
import { findProjectRoot } from '../../runtime/project';
import { FileObjectStore } from '../../services/s3/file-store';
import { createSageMakerService } from '../../services/sagemaker';
import { EndpointService } from '../../services/sagemaker-runtime';
import { parseCommandLine } from '../args';
import type { Command } from '../main';

export const command: Command = {
  summary: 'list local SageMaker endpoints, or delete one: endpoints [--delete NAME]',
  async run(argv: string[]): Promise<number> {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        'state-dir': { type: 'string' },
        delete: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(
        'Usage: sparkmaker endpoints [--delete NAME] [--state-dir .sparkmaker] [--json]\n',
      );
      return 0;
    }
    const stateDir = values['state-dir'] ?? join(findProjectRoot(), '.sparkmaker');
    const store = new FileObjectStore(stateDir);
    const sagemaker = createSageMakerService({ store, stateDir });
    const endpoints = new EndpointService({
      store,
      stateDir,
      sageMakerApi: (operation, input) => sagemaker.api(operation, input),
      createDelayMs: 0,
    });
    if (values.delete !== undefined) {
      const name = values.delete;
      const described = (await endpoints.api('DescribeEndpoint', { EndpointName: name })) as {
        EndpointArn: string;
        EndpointConfigName: string;
      };
      const createdByRun = (await endpoints.tagsOf(described.EndpointArn)).some(
        (t) => t.Key === 'sparkmaker:execution-arn',
      );
      await endpoints.api('DeleteEndpoint', { EndpointName: name });
      const deleted = [`endpoint ${name}`];
      if (createdByRun) {
        const config = (await endpoints
          .api('DescribeEndpointConfig', { EndpointConfigName: described.EndpointConfigName })
          .catch(() => undefined)) as { ProductionVariants: Array<{ ModelName: string }> } | undefined;
        if (config !== undefined) {
          await endpoints.api('DeleteEndpointConfig', { EndpointConfigName: described.EndpointConfigName });
          deleted.push(`endpoint configuration ${described.EndpointConfigName}`);
          for (const variant of config.ProductionVariants) {
            await endpoints.api('DeleteModel', { ModelName: variant.ModelName }).then(
              () => deleted.push(`model ${variant.ModelName}`),
              () => undefined,
            );
          }
        }
      }
      process.stdout.write(`deleted ${deleted.join(', ')}\n`);
      return 0;
    }
    const list = await endpoints.endpoints();
    const rows = await Promise.all(
      list.map(async (e) => ({
        name: e.EndpointName,
        status: e.EndpointStatus,
        created: e.CreationTime,
        execution:
          (await endpoints.tagsOf(e.EndpointArn)).find((t) => t.Key === 'sparkmaker:execution-arn')?.Value ??
          '',
        ...(e.FailureReason === undefined ? {} : { failureReason: e.FailureReason }),
      })),
    );
    if (values.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      process.stdout.write(`No endpoints under ${stateDir}: none left behind.\n`);
      return 0;
    }
    const table = [
      ['NAME', 'STATUS', 'CREATED', 'CREATED BY'],
      ...rows.map((r) => [
        r.name,
        r.status,
        r.created.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
        r.execution,
      ]),
    ];
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    for (const row of table) {
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
