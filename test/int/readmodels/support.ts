import type { AmiFields, AmiSnapshotData, JadeEvent } from '../../../src/events/index.js';
import { amiEventTypes, streams } from '../../../src/events/index.js';
import type { EventStore } from '../../../src/eventstore/port.js';
import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { openReadModelDb, type ReadModelDb } from '../../../src/readmodels/database.js';
import type { AnyProjection } from '../../../projections/lib/projection.js';
import { defaultProjections } from '../../../projections/index.js';
import { formatTimestamp } from '../../../src/events/time.js';
import { framesToEvents, loadCaptureFrames } from '../../unit/projections/support/ami-capture.js';

export const liveTables = ['channels', 'agis', 'modules', 'systems'] as const;

export interface Harness {
  readonly store: MemoryEventStore;
  readonly readModels: ReadModelDb;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const store = new MemoryEventStore();
  const readModels = await openReadModelDb(':memory:');
  return {
    store,
    readModels,
    close: async () => {
      await store.close();
      await readModels.close();
    },
  };
}

/** Appends the recorded Asterisk traffic; returns the last position. */
export async function appendCapture(store: EventStore, limit?: number): Promise<number> {
  let last = 0;
  for (const { stream, event } of framesToEvents(loadCaptureFrames()).slice(0, limit)) {
    last = (await store.append(stream, [event])).lastPosition;
  }
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

/** Every row of the live tables, by table, in key order: the "row for row" comparison of rebuild tests. */
export function dumpTables(readModels: ReadModelDb): Record<string, unknown[]> {
  const keys: Record<(typeof liveTables)[number], string> = { channels: 'unique_id', agis: 'unique_id', modules: 'name', systems: 'id' };
  return Object.fromEntries(liveTables.map((table) => [table, readModels.sqlite.prepare(`SELECT * FROM ${table} ORDER BY ${keys[table]}`).all()]));
}

/**
 * Every row of every table the given projections own (default: all of them), by table, in key order:
 * `dumpTables` widened to the whole read model, for rebuild-equals-live checks over every projection.
 */
export function dumpAllTables(readModels: ReadModelDb, projections: readonly AnyProjection[] = defaultProjections): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const projection of projections) {
    for (const [table, spec] of Object.entries(projection.tables)) {
      out[table] = readModels.sqlite.prepare(`SELECT * FROM "${table}" ORDER BY "${spec.key}"`).all();
    }
  }
  return out;
}

/** A second store holding the same log (types, data, metadata, streams), to build reference read models from. */
export async function copyLog(from: EventStore, to: EventStore): Promise<void> {
  for (const event of await from.readAll()) await to.append(event.stream, [{ type: event.type, data: event.data, metadata: event.metadata }]);
}
