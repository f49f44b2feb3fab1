import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { loadConfig, type Config } from '../config.js';
import type { RecordedEvent } from '../events/index.js';
import type { LogSource } from '../eventstore/log-port.js';
import { formatCall } from '../history/timeline-text.js';
import { readModelDbPath, type Database } from '../readmodels/database.js';
import { connectPostgresReadModels } from '../readmodels/postgres-database.js';
import { nowTimestamp } from '../events/time.js';
import { getCall, type CallSummary } from '../../projections/calls/index.js';
import { getCommands, type CommandObject } from '../../projections/commands.js';
import { openCliLog, UsageError, writeOut } from './log-access.js';

export const callsUsage = `usage:
  jade calls show <linked_id>
      a call's summary, legs, commands and timeline, readable in a terminal (works while a server runs)
`;

interface ReadModelView {
  readonly summary?: CallSummary;
  readonly commands: readonly CommandObject[];
}

/** The read models a CLI reads beside a running server: PostgreSQL's shared tables, else the data dir's file read-only. */
function openReadModels(config: Pick<Config, 'dataDir' | 'eventstore'>): { db: Kysely<Database>; close(): Promise<void> } | undefined {
  if (config.eventstore.type === 'postgres') return connectPostgresReadModels(config.eventstore.postgresUrl);
  const path = readModelDbPath(config.dataDir);
  if (!existsSync(path)) return undefined;
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path, { readonly: true, fileMustExist: true }) }) });
  return { db, close: () => db.destroy() };
}

/**
 * The call's summary and commands from the read models, opened read-only beside a running server.
 * Missing (never built, or built before call history existed): the timeline still shows.
 */
async function fromReadModels(config: Pick<Config, 'dataDir' | 'eventstore'>, linkedId: string): Promise<ReadModelView> {
  const opened = openReadModels(config);
  if (!opened) return { commands: [] };
  const { db } = opened;
  try {
    const call = await getCall(db, linkedId, nowTimestamp());
    if (!call) return { commands: [] };
    return { summary: call.summary, commands: await getCommands(db, call.commandIds) };
  } catch {
    return { commands: [] };
  } finally {
    await opened.close();
  }
}

async function streamOf(source: LogSource, stream: string): Promise<RecordedEvent[]> {
  const head = await source.head();
  return (await source.scan(1, head, { stream }, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)).events;
}

async function show(linkedId: string): Promise<number> {
  const config = loadConfig();
  const log = await openCliLog(config);
  try {
    const view = await fromReadModels(config, linkedId);
    const events = await streamOf(log.source, `call-${linkedId}`);
    for (const command of view.commands) events.push(...(await streamOf(log.source, `command-${command.uuid}`)));
    events.sort((a, b) => a.position - b.position);
    if (events.length === 0 && view.summary === undefined) {
      process.stderr.write(`jade calls show: no call ${linkedId} in the log\n`);
      return 1;
    }
    await writeOut(formatCall({ linkedId, summary: view.summary, commands: view.commands, events }));
    return 0;
  } finally {
    await log.close();
  }
}

/** `jade calls show <linked_id>` */
export async function callsCommand(args: readonly string[]): Promise<number> {
  const [sub, linkedId, ...extra] = args;
  if (sub !== 'show') throw new UsageError(sub === undefined ? 'jade calls needs show' : `unknown calls command ${sub}`);
  if (linkedId === undefined || extra.length > 0) throw new UsageError('jade calls show takes one linked id');
  return show(linkedId);
}
