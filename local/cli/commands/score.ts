import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker score` lands. */
export const command: Command = {
  summary: 'score',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker score: not built yet\n');
    return 1;
  },
};
