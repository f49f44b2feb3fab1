import { sql } from 'kysely';
import type { AmiFields, AmiSnapshotData, JadeEvent } from '../../../src/events/index.js';
import { amiEventTypes, streams } from '../../../src/events/index.js';
import type { EventStore } from '../../../src/eventstore/port.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { PostgresEventStore } from '../../../src/eventstore/postgres/postgres-event-store.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import { openPostgresReadModelDb } from '../../../src/readmodels/postgres-database.js';
import { PostgresReadModelMirror } from '../../../src/readmodels/postgres-mirror.js';
import { createProjectionRunner, type ProjectionRunner, type RunnerOptions } from '../../../src/readmodels/runner.js';
import type { AnyProjection, ChangeOf } from '../../../projections/lib/projection.js';
import { createTestDatabase } from '../../support/postgres.js';
import { defaultProjections } from '../../../projections/index.js';
import { formatTimestamp } from '../../../src/events/time.js';
import { framesToEvents, loadCaptureFrames } from '../../unit/projections/support/ami-capture.js';

export const liveTables = ['channels', 'agis', 'modules', 'systems'] as const;

/**
 * Which store the read-model tests run on: `JADE_TEST_STORE=postgres` (npm run test:int:postgres) puts the log
 * and the read models in PostgreSQL (a fresh database per harness; a missing server fails, it was asked for),
 * anything else keeps the default: the memory log and SQLite :memory: read models.
 */
export const testStore = process.env.JADE_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export interface Harness {
  readonly store: EventStore;
  /** On PostgreSQL: `db` is PostgreSQL and `sqlite` the runner's working copy (src/readmodels/postgres-mirror.ts). */
  readonly readModels: ReadModelDb;
  /** A runner over this harness's read models (on PostgreSQL, one PostgreSQL follows). */
  runner<P extends readonly AnyProjection[] = typeof defaultProjections>(options?: Omit<RunnerOptions, 'store' | 'readModels'> & { readonly projections?: P }): ProjectionRunner<ChangeOf<P[number]>>;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  return testStore === 'postgres' ? postgresHarness() : sqliteHarness();
}

async function sqliteHarness(): Promise<Harness> {
  const store = new MemoryEventStore();
  const readModels = await openReadModelDb(':memory:');
  return {
    store,
    readModels,
    runner: (options) => createProjectionRunner({ store, readModels, projections: defaultProjections, ...options }) as never,
    close: async () => {
      await store.close();
      await readModels.close();
    },
  };
}

async function postgresHarness(): Promise<Harness> {
  const database = await createTestDatabase('readmodels');
  const store = await PostgresEventStore.open({ connectionString: database.url });
  const shared = await openPostgresReadModelDb(database.url);
  const mirror = await PostgresReadModelMirror.open({ connectionString: database.url });
  const working = await openReadModelDb(':memory:');
  await mirror.load(working.sqlite);
  const followers: Array<{ close(): Promise<void> }> = [];
  const readModels: ReadModelDb = { db: shared.db, sqlite: working.sqlite, close: async () => {} };
  return {
    store,
    readModels,
    runner: (options) => {
      const runner = mirror.follow(createProjectionRunner({ store, readModels: working, projections: defaultProjections, ...options }), working.sqlite);
      followers.push(runner);
      return runner as never;
    },
    close: async () => {
      for (const follower of followers) await follower.close();
      await mirror.close();
      await store.close();
      await shared.close();
      await working.close();
      await database.drop();
    },
  };
}

/** Appends the recorded Asterisk traffic; returns the last position. */
export async function appendCapture(store: EventStore, limit?: number, grouped = testStore === 'postgres'): Promise<number> {
  const frames = framesToEvents(loadCaptureFrames()).slice(0, limit);
  if (grouped) {
    // Not awaited one by one: concurrent appends take positions in call order, and grouping them keeps a
    // networked store from paying a round trip per event (a live runner then sees larger batches).
    const results = await Promise.all(frames.map(({ stream, event }) => store.append(stream, [event])));
    return results.reduce((last, result) => Math.max(last, result.lastPosition), 0);
  }
  let last = 0;
  for (const { stream, event } of frames) last = (await store.append(stream, [event])).lastPosition;
  return last;
}

export function snapshotEvent(action: string, parts: { items?: AmiFields[]; response?: AmiFields; output?: string[] }, at: string): JadeEvent {
  const data: AmiSnapshotData = {
    action,
    items: parts.items ?? [],
    response: parts.response ?? { Response: 'Success' },
    ...(parts.output ? { output: parts.output } : {}),
    round: 'r-test',
  };
  return { type: amiEventTypes.snapshot, data: { ...data }, metadata: { node: 'test', receivedAt: at } };
}

const moduleLine = (name: string, description: string, status: string) =>
  `${name.padEnd(30)} ${description.padEnd(40)} ${'0'.padEnd(10)} ${status.padEnd(11)} ${'core'.padStart(13)}`;

/**
 * A reconnect after the capture: snapshots of what Asterisk then holds. One of the capture's live
 * channels is gone (reconcile delete), one unknown channel appears (reconcile create), plus
 * modules and system info, so every projection has rows.
 */
export async function appendReconnect(store: EventStore, liveUniqueIds: readonly string[]): Promise<number> {
  const at = formatTimestamp(BigInt(Date.UTC(2026, 10, 27, 21)) * 1_000_000n);
  const kept = liveUniqueIds.slice(1).map((id) => ({ Event: 'CoreShowChannel', Uniqueid: id, Linkedid: id, Channel: `Local/x-${id}`, ChannelState: '6', ChannelStateDesc: 'Up', Duration: '00:00:10' }));
  const unknown = { Event: 'CoreShowChannel', Uniqueid: '9999.1', Linkedid: '9999.1', Channel: 'PJSIP/new-00000001', ChannelState: '4', ChannelStateDesc: 'Ring', Application: 'Wait', ApplicationData: '5', Duration: '00:00:03', BridgeId: '' };
  const events: JadeEvent[] = [
    snapshotEvent('CoreShowChannels', { items: [...kept, unknown] }, at),
    snapshotEvent('CoreSettings', { response: { Response: 'Success', AMIversion: '11.0.0', AsteriskVersion: '22.10.0', SystemName: '', CoreMaxCalls: '0', CoreMaxLoadAvg: '0.000000', CoreRunUser: '', CoreRunGroup: '', CoreMaxFilehandles: '0', CoreRealTimeEnabled: 'No', CoreCDRenabled: 'Yes', CoreHTTPenabled: 'No' } }, at),
    snapshotEvent('CoreStatus', { response: { Response: 'Success', CoreStartupDate: '2026-11-27', CoreStartupTime: '20:05:39', CoreReloadDate: '2026-11-27', CoreReloadTime: '20:05:46', CoreCurrentCalls: String(kept.length + 1) } }, at),
    snapshotEvent('Command: module show', { output: [moduleLine('app_queue.so', 'True Call Queueing', 'Running'), moduleLine('chan_mobile.so', 'Bluetooth Mobile Device Channel Driver', 'Not Running'), '2 modules loaded'] }, at),
  ];
  await store.append(streams.pbx('test'), events);
  // An async-AGI session on the new channel, so the agis table has a row too.
  const channel = { Channel: 'PJSIP/new-00000001', ChannelState: '6', ChannelStateDesc: 'Up', Uniqueid: '9999.1', Linkedid: '9999.1', Context: 'agi', Exten: 's', Priority: '1' };
  const agi: JadeEvent[] = [
    { type: 'AsyncAGIStart', data: { ...channel, Env: encodeURIComponent('agi_request: async\nagi_uniqueid: 9999.1\n\n') }, metadata: { node: 'test', receivedAt: at } },
    { type: 'AsyncAGIExec', data: { ...channel, CommandID: 'c-1', Result: '200%20result%3D0%0A' }, metadata: { node: 'test', receivedAt: at } },
  ];
  return (await store.append(streams.call('9999.1'), agi)).lastPosition;
}

/** All rows of one table in key order: from PostgreSQL when the read models live there, else from SQLite. */
async function tableRows(readModels: ReadModelDb, table: string, key: string): Promise<unknown[]> {
  if (testStore === 'postgres') return (await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table)} ORDER BY ${sql.ref(key)}`.execute(readModels.db)).rows;
  return readModels.sqlite.prepare(`SELECT * FROM "${table}" ORDER BY "${key}"`).all();
}

/** Every row of the live tables, by table, in key order: the "row for row" comparison of rebuild tests. */
export async function dumpTables(readModels: ReadModelDb): Promise<Record<string, unknown[]>> {
  const keys: Record<(typeof liveTables)[number], string> = { channels: 'unique_id', agis: 'unique_id', modules: 'name', systems: 'id' };
  const out: Record<string, unknown[]> = {};
  for (const table of liveTables) out[table] = await tableRows(readModels, table, keys[table]);
  return out;
}

/**
 * Every row of every table the given projections own (default: all of them), by table, in key order:
 * `dumpTables` widened to the whole read model, for rebuild-equals-live checks over every projection.
 */
export async function dumpAllTables(readModels: ReadModelDb, projections: readonly AnyProjection[] = defaultProjections): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const projection of projections) {
    for (const [table, spec] of Object.entries(projection.tables)) out[table] = await tableRows(readModels, table, spec.key);
  }
  return out;
}

/** A second store holding the same log (types, data, metadata, streams), to build reference read models from. */
export async function copyLog(from: EventStore, to: EventStore): Promise<void> {
  for (const event of await from.readAll()) await to.append(event.stream, [{ type: event.type, data: event.data, metadata: event.metadata }]);
}
