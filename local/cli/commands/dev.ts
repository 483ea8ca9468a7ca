import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker dev` lands. */
export const command: Command = {
  summary: 'dev',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker dev: not built yet\n');
    return 1;
  },
};
