import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger };

/** How log lines look: JSON lines for machines, readable lines for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/**
 * `auto` (the default) is readable on a terminal and JSON lines otherwise (a pipe, a file, journald, a
 * collector); `json` or `pretty` (`log.format`, `JADE_LOG_FORMAT`) force one.
 */
export function chooseLogFormat(setting: 'auto' | LogFormat, stdoutIsTerminal: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTerminal ? 'pretty' : 'json';
}

export interface LoggerOptions {
  readonly format?: LogFormat;
  /** Where lines go (tests); stdout otherwise. */
  readonly destination?: NodeJS.WritableStream;
}

/** One line per entry, the time without the date, no pid/hostname: what a person reads in a terminal. */
function prettyStream(destination: NodeJS.WritableStream | undefined, colorize: boolean): DestinationStream {
  // Loaded only for a terminal: every CLI run (and `events tail`) would otherwise pay for it at start.
  const pinoPretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pinoPretty({
    colorize,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,module',
    // The part of jade that speaks, before its words: `ami: connection refused`.
    messageFormat: '{if module}{module}: {end}{msg}',
    // Synchronous: a line is out before the next statement runs (start-up banners, a crash's last words).
    sync: true,
    ...(destination ? { destination } : {}),
  });
}

/** Structured logs. Secrets are redacted by key wherever they appear. */
export function createLogger(level: string, name = 'jade', options: LoggerOptions = {}): Logger {
  const settings = {
    name,
    level,
    redact: {
      // pino redacts by path, not by a predicate: the credential names of src/history/redact.ts, spelled as they occur.
      paths: [
        ...['secret', 'Secret', 'password', 'Password', 'old_password', 'authtoken', 'authorization', 'Md5Cred', 'md5_cred', 'PasswordDigest', 'OauthSecret', 'RefreshToken'].flatMap(
          (key) => [key, `*.${key}`],
        ),
      ],
      censor: '[redacted]',
    },
  };
  if (options.format === 'pretty') return pino(settings, prettyStream(options.destination, options.destination === undefined && process.stdout.isTTY === true));
  return options.destination ? pino(settings, options.destination as DestinationStream) : pino(settings);
}

/** The logger of a command-line run: level and format from the config, format `auto` deciding by stdout. */
export function configuredLogger(config: { readonly log: { readonly level: string; readonly format: 'auto' | LogFormat } }, name?: string): Logger {
  return createLogger(config.log.level, name, { format: chooseLogFormat(config.log.format, process.stdout.isTTY === true) });
}

/** A logger that drops everything, for tests and tools. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
