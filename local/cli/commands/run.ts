import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker run` lands. */
export const command: Command = {
  summary: 'run',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker run: not built yet\n');
    return 1;
  },
};
