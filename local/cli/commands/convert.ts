import type { Command } from '../main';

/** Placeholder until the issue that builds `sparkmaker convert` lands. */
export const command: Command = {
  summary: 'convert',
  async run(): Promise<number> {
    process.stderr.write('sparkmaker convert: not built yet\n');
    return 1;
  },
};
