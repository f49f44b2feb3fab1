import { randomBytes } from 'node:crypto';
import type { AuthUser } from '../auth/permissions.js';
import { mayReadTopic } from '../auth/topic-permissions.js';
import type { Logger } from '../logger.js';
import { Batch, chunkAtPositions, type PublishedEvent } from './batch.js';
import type { RealtimeEvent } from './event-table.js';
import { TopicSet } from './topic-set.js';
import { canonicalTopic, TopicError } from './topics.js';
import { ResumeWindow } from './window.js';

/**
 * The transport-independent core of realtime: subscriptions, coalescing, resume, slow clients.
 *
 * Changes from the feed are queued and published once per tick: mapped to the manual's events,
 * serialised once, appended to the resume window, then delivered per *subscription group* (clients
 * with the same set of topics): each group gets the tick's matching events as one batch, encoded once
 * per transport, written to each member. Dashboards mostly subscribe alike, so groups are few and the
 * per-client cost is one socket write per tick, whatever the event rate.
 *
 * Costs do not grow with the number of a client's topics (issue 10, item 9): its topics are a radix
 * tree (topic-set.ts), so matching an event costs the topic's length; its group is found by a key
 * updated in O(1) per subscribe (a sum of random per-topic values), and a group holds no copy of the
 * topics (every member has the same set, so any member's tree answers for the group).
 */

/** One connected client as its transport presents it. */
export interface Connection {
  readonly id: string;
  readonly transport: 'socket.io' | 'ws';
  /** Writes the batch; calls `written` once it has left the process, so unsent events can be counted. */
  send(batch: Batch, written: () => void): void;
  /** The resume it asked for cannot be served exactly: it should reload over REST. */
  resync(notice: ResyncNotice): void;
  /** Disconnects the client, telling it why if the transport can. */
  close(reason: CloseReason): void;
}

/** Why the server disconnects a client. */
export interface CloseReason {
  /** `token_revoked` / `token_expired`: the token the connection was opened with is no longer valid (logout, password change, idle). */
  readonly code: 'slow_consumer' | 'shutdown' | 'token_revoked' | 'token_expired';
  readonly message: string;
}

/** Who a connection acts for: the user its handshake token belongs to, and that token (re-checked while it is open). */
export interface ClientSession {
  readonly user: AuthUser;
  readonly token?: string;
}

/** A subscribe the server refuses (no permission for the topic, too many topics): an error on that socket, not a disconnect. */
export class SubscribeRefusedError extends TopicError {
  constructor(
    readonly code: 'topic_forbidden' | 'too_many_topics',
    readonly topic: string,
    message: string,
  ) {
    super(message);
  }
}

const shutdown: CloseReason = { code: 'shutdown', message: 'server shutting down' };

export interface ResyncNotice {
  /** The canonical topic of the subscription. */
  readonly topic: string;
  /** The position the client asked to resume after. */
  readonly position: number;
  /** `expired`: older than the window; `ahead`: this server never reached it; `buffer`: more missed events than the client buffer holds. */
  readonly reason: 'expired' | 'ahead' | 'buffer';
  readonly message: string;
  /** The oldest position this server can resume from, and the newest it has reached. */
  readonly oldest: number;
  readonly head: number;
}

export interface SubscribeResult {
  /** The topic as canonicalised (what the subscription is known by, e.g. for unsubscribe). */
  readonly topic: string;
  /** Missed events sent for a resume. */
  readonly replayed: number;
  readonly resync?: ResyncNotice;
}

export interface FanoutOptions<C> {
  readonly tickMs: number;
  /** Events retained for resume. */
  readonly resumeWindow: number;
  /** Events a client may have queued unsent before it is disconnected. */
  readonly clientBufferLimit: number;
  /** Topics one client may hold at once (`realtime.maxTopicsPerClient`); default 256. */
  readonly maxTopicsPerClient?: number;
  /** The read models' position when the feed was attached: a resume from before it cannot be answered. */
  readonly startPosition: number;
  /** Change -> the manual's event (the event table); undefined for what is not published. */
  readonly toEvent: (change: C) => RealtimeEvent | undefined;
  readonly logger: Logger;
  /** Events per message, about (a log position is never split). Keeps messages a browser parses in one go. */
  readonly maxMessageEvents?: number;
}

export interface FanoutStats {
  readonly clients: { readonly socketIo: number; readonly ws: number };
  readonly groups: number;
  /** Events published (mapped from changes), since start. */
  readonly published: number;
  /** Events and messages handed to clients, summed over clients (live and resumed). */
  readonly delivered: { readonly events: number; readonly messages: number };
  readonly replayed: number;
  readonly resyncs: number;
  /** Clients disconnected for exceeding their buffer. */
  readonly dropped: number;
  /** Changes waiting for the next tick. */
  readonly queued: number;
  /** Events written to clients and not yet flushed to their sockets. */
  readonly unsent: { readonly total: number; readonly max: number };
  readonly window: { readonly events: number; readonly oldestResumable: number; readonly head: number };
}

interface Group {
  readonly key: string;
  readonly all: boolean;
  /** All with the same topics; any one of them answers which events the group gets. */
  readonly members: Set<Client>;
}

/** A topic's contribution to a set key: two random 32-bit words, so distinct sets collide with probability ~2^-64. */
interface TopicWeight {
  readonly a: number;
  readonly b: number;
  refs: number;
}

/** The fan-out's record of one connection; transports hold it and pass it back. */
export class Client {
  readonly topics = new TopicSet();
  /** Sums (mod 2^32) of the weights of `topics`: with the size, the group key, kept up to date per subscribe. */
  keyA = 0;
  keyB = 0;
  /** Events handed to the transport whose write has not completed. */
  unsent = 0;
  closed = false;
  group: Group | undefined;

  constructor(
    readonly connection: Connection,
    readonly session: ClientSession,
  ) {}
}

/** What transports use: the fan-out's client side, whatever its change type. */
export type FanoutClientSide = Pick<Fanout<never>, 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe'>;

const DEFAULT_MAX_MESSAGE_EVENTS = 1000;
export const defaultMaxTopicsPerClient = 256;

export class Fanout<C extends { readonly position: number }> {
  private readonly window: ResumeWindow<PublishedEvent>;
  private readonly clients = new Set<Client>();
  private readonly groups = new Map<string, Group>();
  private readonly weights = new Map<string, TopicWeight>();
  private readonly maxTopics: number;
  private readonly logger: Logger;
  private readonly limit: number;
  /** Changes a tick takes at most: a burst (a catch-up, a big reconcile) flows over several ticks instead of overflowing every client at once. */
  private readonly perTick: number;
  private readonly maxMessageEvents: number;
  private queue: C[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { published: 0, events: 0, messages: 0, replayed: 0, resyncs: 0, dropped: 0 };

  constructor(private readonly options: FanoutOptions<C>) {
    this.window = new ResumeWindow(options.resumeWindow, options.startPosition);
    this.logger = options.logger;
    this.limit = options.clientBufferLimit;
    this.perTick = Math.max(1, Math.floor(options.clientBufferLimit / 2));
    this.maxMessageEvents = options.maxMessageEvents ?? DEFAULT_MAX_MESSAGE_EVENTS;
    this.maxTopics = options.maxTopicsPerClient ?? defaultMaxTopicsPerClient;
  }

  // ------------------------------------------------------------------ feed side

  /** Changes of one commit, in log order. Only queues: the feed's listeners must stay short. */
  accept(changes: readonly C[]): void {
    if (this.closed) return;
    for (const change of changes) this.queue.push(change);
    this.schedule();
  }

  /** The read models reached `position` (resume requests up to it are answerable). */
  advance(position: number): void {
    this.window.advance(position);
  }

  /** Publishes what is queued (one tick's worth). Called by the timer; tests and close may call it. */
  flush(): void {
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const taken = this.take();
    const events: PublishedEvent[] = [];
    for (const change of taken) {
      const event = this.publishable(change);
      if (event === undefined) continue;
      events.push(event);
      this.window.push(event);
    }
    this.counters.published += events.length;
    if (events.length > 0) this.deliverLive(events);
    if (this.queue.length > 0) this.schedule();
  }

  // ------------------------------------------------------------------ client side

  connect(connection: Connection, session: ClientSession): Client {
    const client = new Client(connection, session);
    if (this.closed) {
      connection.close(shutdown);
      client.closed = true;
      return client;
    }
    this.clients.add(client);
    return client;
  }

  /** The transport saw the connection end. */
  disconnect(client: Client): void {
    if (!this.clients.delete(client)) {
      client.closed = true;
      return;
    }
    client.closed = true;
    this.leaveGroup(client);
    for (const topic of client.topics.values()) this.release(topic);
  }

  /**
   * Closes every client for which `check` gives a reason (the token re-check: logout, expiry).
   * The client is told why before its connection closes.
   */
  sweep(check: (session: ClientSession) => CloseReason | undefined): void {
    for (const client of [...this.clients]) {
      const reason = check(client.session);
      if (reason === undefined) continue;
      this.logger.info({ client: client.connection.id, transport: client.connection.transport, reason: reason.code }, `realtime: closing client: ${reason.message}`);
      this.disconnect(client);
      client.connection.close(reason);
    }
  }

  /**
   * Adds a subscription. With `position` (the last one the client saw), first sends, in order, the
   * retained events after it on this topic, then the client is live from the next tick; the replay
   * only holds published (flushed) events and live delivery only later ones, so none is sent twice.
   * Events another of the client's subscriptions already brings are not replayed; re-subscribing a topic
   * with a position replays it from there (the client asked). Throws TopicError for a topic that cannot be one.
   */
  subscribe(client: Client, rawTopic: unknown, position?: number): SubscribeResult {
    const topic = canonicalTopic(rawTopic);
    if (!mayReadTopic(client.session.user, topic)) {
      throw new SubscribeRefusedError('topic_forbidden', topic, `no permission to subscribe to ${topic}`);
    }
    if (!client.topics.has(topic) && client.topics.size >= this.maxTopics) {
      throw new SubscribeRefusedError('too_many_topics', topic, `cannot subscribe to ${topic}: a client may hold at most ${this.maxTopics} topics; unsubscribe one first`);
    }
    let replayed = 0;
    let resync: ResyncNotice | undefined;
    if (position !== undefined && !client.closed) {
      const outcome = this.replay(client, topic, position);
      if (typeof outcome === 'number') replayed = outcome;
      else resync = outcome;
    }
    if (!client.closed && client.topics.add(topic)) {
      this.weigh(client, topic, +1);
      this.joinGroup(client);
    }
    if (resync) {
      this.counters.resyncs++;
      client.connection.resync(resync);
    }
    return resync ? { topic, replayed, resync } : { topic, replayed };
  }

  /** Removes a subscription (a topic not subscribed is a no-op). Returns the canonical topic. */
  unsubscribe(client: Client, rawTopic: unknown): string {
    const topic = canonicalTopic(rawTopic);
    if (client.topics.delete(topic)) {
      this.weigh(client, topic, -1);
      this.release(topic);
      this.joinGroup(client);
    }
    return topic;
  }

  stats(): FanoutStats {
    let socketIo = 0;
    let total = 0;
    let max = 0;
    for (const client of this.clients) {
      if (client.connection.transport === 'socket.io') socketIo++;
      total += client.unsent;
      if (client.unsent > max) max = client.unsent;
    }
    return {
      clients: { socketIo, ws: this.clients.size - socketIo },
      groups: this.groups.size,
      published: this.counters.published,
      delivered: { events: this.counters.events, messages: this.counters.messages },
      replayed: this.counters.replayed,
      resyncs: this.counters.resyncs,
      dropped: this.counters.dropped,
      queued: this.queue.length,
      unsent: { total, max },
      window: { events: this.window.length, oldestResumable: this.window.oldestResumable, head: this.window.headPosition },
    };
  }

  /** Stops publishing and disconnects every client. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    for (const client of [...this.clients]) {
      this.disconnect(client);
      client.connection.close(shutdown);
    }
  }

  // ------------------------------------------------------------------ internals

  private schedule(): void {
    if (this.timer === undefined && !this.closed) this.timer = setTimeout(() => this.flush(), this.options.tickMs);
  }

  /** The next tick's changes: about `perTick`, never splitting a position. */
  private take(): C[] {
    if (this.queue.length <= this.perTick) {
      const all = this.queue;
      this.queue = [];
      return all;
    }
    let end = this.perTick;
    while (end < this.queue.length && this.queue[end]!.position === this.queue[end - 1]!.position) end++;
    return this.queue.splice(0, end);
  }

  private publishable(change: C): PublishedEvent | undefined {
    try {
      const event = this.options.toEvent(change);
      if (event === undefined) return undefined;
      const dataJson = JSON.stringify(event.data) as string | undefined;
      if (dataJson === undefined) throw new Error('payload is not JSON-serialisable');
      return { position: event.position, topic: event.topic, event: event.event, dataJson };
    } catch (error) {
      // One bad row must not stop every dashboard: report it and publish the rest.
      this.logger.error({ err: error, position: change.position }, 'realtime: could not publish a change');
      return undefined;
    }
  }

  private deliverLive(events: readonly PublishedEvent[]): void {
    for (const group of this.groups.values()) {
      const topics = representative(group).topics;
      const matched = group.all ? events : events.filter((event) => topics.matches(event.topic));
      for (const chunk of chunkAtPositions(matched, this.maxMessageEvents)) {
        const batch = new Batch(chunk);
        for (const client of group.members) this.deliver(client, batch);
      }
    }
  }

  private deliver(client: Client, batch: Batch): boolean {
    if (client.closed) return false;
    const count = batch.size;
    // Checked before queueing, so a stuck client never holds more than the limit.
    if (client.unsent + count > this.limit) {
      this.drop(client, { code: 'slow_consumer', message: `more than ${this.limit} events queued unsent` });
      return false;
    }
    client.unsent += count;
    this.counters.events += count;
    this.counters.messages++;
    client.connection.send(batch, () => {
      client.unsent -= count;
    });
    return true;
  }

  /** Sends the missed events, or says why it cannot. */
  private replay(client: Client, topic: string, position: number): number | ResyncNotice {
    // Events another subscription of this client already brings are not sent twice.
    const since = this.window.since(position, (event) => event.topic.startsWith(topic) && !client.topics.matches(event.topic, topic));
    const notice = (reason: ResyncNotice['reason'], message: string): ResyncNotice => ({
      topic,
      position,
      reason,
      message,
      oldest: this.window.oldestResumable,
      head: this.window.headPosition,
    });
    if (!since.ok) {
      return since.reason === 'expired'
        ? notice('expired', `position ${position} is older than the resume window (oldest resumable: ${this.window.oldestResumable})`)
        : notice('ahead', `position ${position} is ahead of this server (at ${this.window.headPosition})`);
    }
    if (client.unsent + since.events.length > this.limit) {
      return notice('buffer', `${since.events.length} missed events exceed the client buffer (${this.limit})`);
    }
    for (const chunk of chunkAtPositions(since.events, this.maxMessageEvents)) this.deliver(client, new Batch(chunk));
    this.counters.replayed += since.events.length;
    return since.events.length;
  }

  private drop(client: Client, reason: CloseReason): void {
    this.counters.dropped++;
    this.logger.warn(
      { client: client.connection.id, transport: client.connection.transport, unsent: client.unsent, reason: reason.code },
      `realtime: disconnecting client: ${reason.message}`,
    );
    this.disconnect(client);
    client.connection.close(reason);
  }

  /** Adds (+1) or removes (-1) a topic's weight to the client's key; the weight is created on first use. */
  private weigh(client: Client, topic: string, sign: 1 | -1): void {
    let weight = this.weights.get(topic);
    if (!weight) {
      const words = randomBytes(8);
      weight = { a: words.readUInt32LE(0), b: words.readUInt32LE(4), refs: 0 };
      this.weights.set(topic, weight);
    }
    if (sign > 0) weight.refs++;
    client.keyA = (client.keyA + sign * weight.a) >>> 0;
    client.keyB = (client.keyB + sign * weight.b) >>> 0;
  }

  /** A client dropped `topic`: forget its weight once nobody holds it, so the table stays as small as the live topics. */
  private release(topic: string): void {
    const weight = this.weights.get(topic);
    if (weight && --weight.refs <= 0) this.weights.delete(topic);
  }

  private joinGroup(client: Client): void {
    this.leaveGroup(client);
    if (client.topics.size === 0 || client.closed) return;
    const key = `${client.topics.size}:${client.keyA}:${client.keyB}`;
    let group = this.groups.get(key);
    if (!group) {
      group = { key, all: client.topics.has('/'), members: new Set() };
      this.groups.set(key, group);
    }
    group.members.add(client);
    client.group = group;
  }

  private leaveGroup(client: Client): void {
    const group = client.group;
    if (!group) return;
    group.members.delete(client);
    if (group.members.size === 0) this.groups.delete(group.key);
    client.group = undefined;
  }
}

function representative(group: Group): Client {
  // Groups without members are deleted at once, so there is always one.
  return group.members.values().next().value!;
}
