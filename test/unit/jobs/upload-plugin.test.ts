import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(import.meta.url);

interface Sent {
  input: Record<string, unknown>;
}
type PluginClass = new (
  serverless: unknown,
  options: unknown,
  utils: { log: { notice: (m: string) => void } },
) => { hooks: Record<string, () => Promise<void>>; upload(s3?: unknown): Promise<void> };

describe('the job upload plugin', () => {
  it('uploads main.py and features.sql to the stack artifact bucket after a deploy', async () => {
    // Prepare
    const Plugin = require(path.join(repoRoot, 'jobs/upload-plugin.cjs')) as PluginClass;
    const stackCalls: Sent[] = [];
    const puts: Sent[] = [];
    const serverless = {
      serviceDir: repoRoot,
      getProvider: () => ({
        naming: { getStackName: () => 'sparkmaker-prod' },
        getCloudFormationClient: async () => ({
          send: async (command: Sent) => {
            stackCalls.push(command);
            return { StackResourceDetail: { PhysicalResourceId: 'sparkmaker-prod-artifacts-123' } };
          },
        }),
      }),
    };
    const plugin = new Plugin(serverless, {}, { log: { notice: () => {} } });

    // Act
    await plugin.upload({ send: async (command: Sent) => puts.push(command) });

    // Assess
    expect(Object.keys(plugin.hooks)).toEqual(['after:deploy:deploy']);
    expect(stackCalls.map((c) => c.input)).toEqual([
      { StackName: 'sparkmaker-prod', LogicalResourceId: 'ArtifactBucket' },
    ]);
    expect(puts.map((c) => [c.input.Bucket, c.input.Key])).toEqual([
      ['sparkmaker-prod-artifacts-123', 'jobs/features/main.py'],
      ['sparkmaker-prod-artifacts-123', 'jobs/features/features.sql'],
    ]);
    expect(String(puts[1]?.input.Body)).toContain('FROM raw');
  });
});
