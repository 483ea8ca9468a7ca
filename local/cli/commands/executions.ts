import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker executions` lands. */
export const command: Command = {
  summary: 'executions',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker executions: not built yet\n');
    return 1;
  },
};
