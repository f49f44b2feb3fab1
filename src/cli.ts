import { loadConfig } from './config.js';
import { configuredLogger } from './logger.js';

const usage = `usage: jade <command> [options]

commands:
  serve                      run the server (REST, realtime, AMI ingest, projections)
  rebuild [projection]       rebuild one or all read models from the log
                             (refuses while a server holds the data dir; --server
                             asks that server: POST /v1/admin/projections/rebuild)
  events tail|export         follow the log live / export it as JSON Lines
  calls show <linked_id>     a call's summary and timeline, for a terminal
  users add|list|passwd|rm   manage users in the data dir's log (refuses while a
                             server holds it; use /v1/admin/user/* then)
  <command> --help           the command's own options
`;

type CommandRunner = (args: readonly string[]) => Promise<number>;

async function serve(): Promise<number> {
  const config = loadConfig();
  const logger = configuredLogger(config);
  const { startingLine, startupLines } = await import('./startup-banner.js');
  logger.info(startingLine(config));
  const { startJade } = await import('./main.js');
  const jade = await startJade(config, logger);
  for (const line of startupLines(config, jade.port, jade.ami.state().connected)) logger.info(line);
  const cluster = jade.leadership.view();
  if (cluster.role === 'follower') {
    logger.info(`following: ${cluster.leader?.node ?? 'no node yet'} leads (AMI links, dialer, read-model writes); commands sent here go to ${cluster.leader?.url ?? 'it once known'}; this node takes over if it stops`);
  }
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

/** A sub-command in its own module (src/cli/), loaded only when run; `--help` prints its usage. */
function lazy(load: () => Promise<{ readonly run: CommandRunner; readonly usage: string }>): CommandRunner {
  return async (args) => {
    const { run, usage } = await load();
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(usage);
      return 0;
    }
    const { withUsage } = await import('./cli/usage.js');
    return withUsage(run, usage)(args);
  };
}

/** One table from sub-command to runner. */
const commands: Readonly<Record<string, CommandRunner>> = {
  serve,
  rebuild: lazy(async () => {
    const m = await import('./cli/rebuild.js');
    return { run: m.rebuildCommand, usage: m.rebuildUsage };
  }),
  events: lazy(async () => {
    const m = await import('./cli/events.js');
    return { run: m.eventsCommand, usage: m.eventsUsage };
  }),
  calls: lazy(async () => {
    const m = await import('./cli/calls.js');
    return { run: m.callsCommand, usage: m.callsUsage };
  }),
  users: lazy(async () => {
    const m = await import('./cli/users.js');
    return { run: m.usersCommand, usage: m.usersUsage };
  }),
};

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
