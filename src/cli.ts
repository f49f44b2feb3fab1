import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { createLogger } from './logger.js';

const usage = `usage: jade <command> [options]

commands:
  serve                      run the server (REST, realtime, AMI ingest, projections)
  rebuild [projection]       rebuild one or all read models from the log
                             (refuses while a server holds the data dir: use
                             POST /v1/admin/projections/rebuild on that server)
`;

type CommandRunner = (args: readonly string[]) => Promise<number>;

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger(config.log.level);
  const { startJade } = await import('./main.js');
  const jade = await startJade(config, logger);
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    jade.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return new Promise<number>(() => undefined);
}

async function rebuild(args: readonly string[]): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], allowPositionals: true, options: {} });
  const config = loadConfig();
  const logger = createLogger(config.log.level);
  const { rebuildOffline } = await import('./main.js');
  return rebuildOffline(config, logger, { projection: positionals[0] });
}

/** One table from sub-command to runner. */
const commands: Readonly<Record<string, CommandRunner>> = { serve, rebuild };

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  const run = name === undefined ? undefined : commands[name];
  if (!run) {
    process.stderr.write(usage);
    return name === undefined || name === 'help' || name === '--help' ? 0 : 2;
  }
  return run(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`jade: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
