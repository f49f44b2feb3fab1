import { io, type Socket } from 'socket.io-client';
import type { Api, Row } from './api.js';

/**
 * The dashboard's live state, kept the way ARCHITECTURE.md's realtime contract asks a client to: read
 * the REST lists once (remembering the read models' log position first), subscribe to the topics from
 * that position, apply every `events` item in order, resume from the last position seen after a
 * reconnect, and on `resync` (the server cannot replay what was missed) read the REST lists again.
 */

export type CollectionName = 'channels' | 'queues' | 'members' | 'entries' | 'parked' | 'campaigns' | 'dialings';

export interface Family {
  readonly prefix: string;
  readonly collection: CollectionName;
  readonly key: string;
}

/** Event name prefix → collection and key field (src/realtime/event-table.ts, catalog 40-events). */
export const families: readonly Family[] = [
  { prefix: 'core.channel.', collection: 'channels', key: 'unique_id' },
  { prefix: 'queue.queue.', collection: 'queues', key: 'name' },
  { prefix: 'queue.member.', collection: 'members', key: 'id' },
  { prefix: 'queue.entry.', collection: 'entries', key: 'unique_id' },
  { prefix: 'park.parkedcall.', collection: 'parked', key: 'parkee_unique_id' },
  { prefix: 'ob.campaign.', collection: 'campaigns', key: 'uuid' },
  { prefix: 'ob.dialing.', collection: 'dialings', key: 'uuid' },
];

/** One subscription per area shown; each brings the whole collection (prefix match). */
export const topics = ['/core/channels/', '/queue/statuses/', '/park/parkinglots/', '/ob/campaigns/', '/ob/dialings/'] as const;

export const snapshotPaths: Readonly<Record<CollectionName, string>> = {
  channels: '/v1/core/channels',
  queues: '/v1/queue/queues',
  members: '/v1/queue/members',
  entries: '/v1/queue/entries',
  parked: '/v1/park/parkedcalls',
  campaigns: '/v1/ob/campaigns',
  dialings: '/v1/ob/dialings',
};

export interface WireItem {
  readonly position: number;
  readonly topic: string;
  readonly event: string;
  readonly data: Row;
}

export interface LiveListener {
  /** Some collections changed (all of them after a snapshot). */
  changed(collections: ReadonlySet<CollectionName>): void;
  /** The realtime link's state, in words. */
  status(text: string, connected: boolean): void;
  /** The server closed the link because the token is no longer valid. */
  tokenEnded(): void;
}

export class LiveState {
  readonly rows: Record<CollectionName, Map<string, Row>> = {
    channels: new Map(),
    queues: new Map(),
    members: new Map(),
    entries: new Map(),
    parked: new Map(),
    campaigns: new Map(),
    dialings: new Map(),
  };
  /** Dial-list entries per dlma, for campaign progress (no realtime topic: re-read when a dialing ends). */
  readonly dialLists = new Map<string, Row[]>();
  /** The last log position applied (from the snapshot or an event). */
  position = 0;
  private socket: Socket | undefined;
  private snapshotting: Promise<void> | undefined;
  private dialListTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly api: Api,
    private readonly listener: LiveListener,
  ) {}

  async start(): Promise<void> {
    await this.snapshot();
    this.connect();
  }

  stop(): void {
    this.socket?.disconnect();
    this.socket = undefined;
    if (this.dialListTimer !== undefined) clearTimeout(this.dialListTimer);
  }

  /** Re-reads every REST list; several resync notices at once cause one read. */
  resnapshot(): Promise<void> {
    this.snapshotting ??= this.snapshot().finally(() => (this.snapshotting = undefined));
    return this.snapshotting;
  }

  private async snapshot(): Promise<void> {
    // The position first: whatever the lists show is at least that recent, and the subscription
    // replays from it, so nothing between the two reads is lost (a replayed change re-applies idempotently).
    const health = (await this.api.request('GET', '/v1/health')) as { projections?: { position?: number } } | undefined;
    const position = health?.projections?.position ?? 0;
    const names = Object.keys(snapshotPaths) as CollectionName[];
    const lists = await Promise.all(names.map((name) => this.api.list(snapshotPaths[name])));
    names.forEach((name, i) => {
      const family = families.find((f) => f.collection === name)!;
      const map = this.rows[name];
      map.clear();
      for (const row of lists[i]!) map.set(String(row[family.key]), row);
    });
    this.position = position;
    await this.readDialLists();
    this.listener.changed(new Set(names));
  }

  private connect(): void {
    const socket = io({ path: '/socket.io', auth: { authtoken: this.api.token }, transports: ['websocket'] });
    this.socket = socket;
    socket.on('connect', () => {
      this.listener.status('live', true);
      for (const topic of topics) {
        socket.emit('subscribe', { topic, position: this.position }, (ack: { resync?: unknown; error?: string } | undefined) => {
          if (ack?.resync !== undefined) void this.resnapshot();
          if (ack?.error !== undefined) this.listener.status(`subscribe ${topic} refused: ${ack.error}`, false);
        });
      }
    });
    socket.on('disconnect', () => this.listener.status('reconnecting…', false));
    socket.on('connect_error', (error: Error) => this.listener.status(`cannot connect: ${error.message}`, false));
    socket.on('events', (items: WireItem[]) => this.apply(items));
    socket.on('resync', () => void this.resnapshot());
    socket.on('closing', (reason: { code?: string } | undefined) => {
      if (reason?.code === 'token_revoked' || reason?.code === 'token_expired') this.listener.tokenEnded();
    });
  }

  /** Applies one `events` message: in order; one log event may bring several changes at the same position. */
  apply(items: readonly WireItem[]): void {
    const changed = new Set<CollectionName>();
    let dialingEnded = false;
    for (const item of items) {
      // Already seen (a replay overlapping the snapshot). Equal positions are the same log event's other changes.
      if (item.position < this.position) continue;
      this.position = item.position;
      const family = families.find((f) => item.event.startsWith(f.prefix));
      if (family === undefined) continue;
      const key = String(item.data[family.key]);
      const map = this.rows[family.collection];
      if (item.event.endsWith('.delete')) map.delete(key);
      else map.set(key, item.data);
      changed.add(family.collection);
      if (family.collection === 'dialings' && item.event.endsWith('.delete')) dialingEnded = true;
    }
    if (dialingEnded) this.scheduleDialLists();
    if (changed.size > 0) this.listener.changed(changed);
  }

  private scheduleDialLists(): void {
    if (this.dialListTimer !== undefined) return;
    this.dialListTimer = setTimeout(() => {
      this.dialListTimer = undefined;
      void this.readDialLists().then(() => this.listener.changed(new Set(['campaigns'])));
    }, 1000);
  }

  private async readDialLists(): Promise<void> {
    const dlmas = new Set<string>();
    for (const campaign of this.rows.campaigns.values()) if (typeof campaign.dlma === 'string') dlmas.add(campaign.dlma);
    this.dialLists.clear();
    await Promise.all(
      [...dlmas].map(async (dlma) => {
        try {
          this.dialLists.set(dlma, await this.api.list(`/v1/ob/dls?dlma_uuid=${encodeURIComponent(dlma)}&count=10000`));
        } catch {
          // A deleted list: no progress to show.
        }
      }),
    );
  }
}
