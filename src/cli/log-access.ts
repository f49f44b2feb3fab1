import type { Config } from '../config.js';
import { openEventStore, PostgresLogSource, SqliteLogSource, StoreLogSource, type LogSource } from '../eventstore/index.js';
import { formatTimestamp, parseTimestamp } from '../events/time.js';

/** A log for a CLI command, and how to let go of it. */
export interface CliLog {
  readonly source: LogSource;
  close(): Promise<void>;
}

/**
 * Opens the configured log for reading beside a possibly running server: the SQLite file read-only
 * (no data-dir lock taken, WAL lets a reader in), PostgreSQL's table by SQL, EventStoreDB as one more client.
 */
export async function openCliLog(config: Pick<Config, 'dataDir' | 'eventstore'>): Promise<CliLog> {
  switch (config.eventstore.type) {
    case 'sqlite': {
      const source = SqliteLogSource.open(config.dataDir);
      return { source, close: async () => source.close() };
    }
    case 'postgres': {
      const source = PostgresLogSource.open(config.eventstore.postgresUrl);
      return { source, close: async () => source.close() };
    }
    case 'esdb': {
      const store = await openEventStore({ ...config.eventstore, dataDir: config.dataDir });
      return { source: new StoreLogSource(store), close: () => store.close() };
    }
    case 'memory':
      throw new Error('the memory event store lives inside the server process; there is no log to read from here');
  }
}

/** Writes to stdout honouring backpressure, so exporting a large log never buffers it all in memory. */
export async function writeOut(text: string): Promise<void> {
  if (process.stdout.write(text)) return;
  await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
}

/** `--from 12` style option: a whole number, or a usage error naming the option. */
export function positionOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw new UsageError(`--${name} must be a log position (a whole number), got ${value}`);
  return Number(value);
}

export function timestampOption(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ns = parseTimestamp(value);
  if (ns === undefined) throw new UsageError(`--${name} must be an API timestamp like 2017-12-22T12:48:26.824442473Z, got ${value}`);
  return formatTimestamp(ns);
}

/** A mistake in the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
