import { UsageError } from './log-access.js';

type Command = (args: readonly string[]) => Promise<number>;

/** A command-line mistake (ours, or node's parseArgs: unknown option, missing value) prints the usage and exits 2. */
export function withUsage(command: Command, usage: string): Command {
  return async (args) => {
    try {
      return await command(args);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (error instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        process.stderr.write(`jade: ${(error as Error).message}\n${usage}`);
        return 2;
      }
      throw error;
    }
  };
}
