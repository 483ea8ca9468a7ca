import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker history` lands. */
export const command: Command = {
  summary: 'history',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker history: not built yet\n');
    return 1;
  },
};
