import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker train` lands. */
export const command: Command = {
  summary: 'train',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker train: not built yet\n');
    return 1;
  },
};
