import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker start` lands. */
export const command: Command = {
  summary: 'start',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker start: not built yet\n');
    return 1;
  },
};
