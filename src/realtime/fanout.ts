import type { PersonalTopicOwners } from '../auth/topic-permissions.js';
import type { Logger } from '../logger.js';
import type { PublishedEvent } from './batch.js';
import { Client } from './client.js';
import type { ClientSession, CloseReason, Connection, ResyncNotice, SubscribeResult } from './connection.js';
import { Delivery } from './delivery.js';
import type { RealtimeEvent } from './event-table.js';
import { SubscriptionGroups } from './groups.js';
import { replayMissed } from './resume.js';
import { authorizeSubscribe, defaultMaxTopicsPerClient } from './subscriptions.js';
import { canonicalTopic } from './topics.js';
import { ResumeWindow } from './window.js';

/**
 * The transport-independent core of realtime: subscriptions, coalescing, resume, slow clients.
 *
 * Changes from the feed are queued and published once per tick: mapped to the manual's events,
 * serialised once, appended to the resume window, then delivered per *subscription group* (clients
 * with the same set of topics, groups.ts): each group gets the tick's matching events as one batch,
 * encoded once per transport, written to each member (delivery.ts, which also drops slow consumers).
 * So the per-client cost is one socket write per tick, whatever the event rate.
 *
 * This file is the orchestration: the client registry, the tick, and the order of steps in a
 * subscribe (authorization and caps in subscriptions.ts, resume in resume.ts). Costs do not grow with
 * the number of a client's topics (issue 10, item 9): its topics are a radix tree (topic-set.ts), so
 * matching an event costs the topic's length, and its group key is updated in O(1) per subscribe.
 */

// The transports' contract and the subscribe policy are their own modules; they are re-exported so
// `fanout.js` stays the one import for the fan-out's whole surface (transports, bench, tests).
export { Client } from './client.js';
export type { ClientSession, CloseReason, Connection, ResyncNotice, SubscribeResult } from './connection.js';
export { defaultMaxTopicsPerClient, SubscribeRefusedError } from './subscriptions.js';

const shutdown: CloseReason = { code: 'shutdown', message: 'server shutting down' };

export interface FanoutOptions<C> {
  readonly tickMs: number;
  /** Events retained for resume. */
  readonly resumeWindow: number;
  /** Events a client may have queued unsent before it is disconnected. */
  readonly clientBufferLimit: number;
  /** Who owns a person's topic targets (`/me/chats/<uuid>`): subscribe checks (auth/topic-permissions.ts). */
  readonly topicOwners?: PersonalTopicOwners;
  /** Topics one client may hold at once (`realtime.maxTopicsPerClient`); default 256. */
  readonly maxTopicsPerClient?: number;
  /** The read models' position when the feed was attached: a resume from before it cannot be answered. */
  readonly startPosition: number;
  /** Change -> the manual's event (the event table); undefined for what is not published. */
  readonly toEvent: (change: C) => RealtimeEvent | readonly RealtimeEvent[] | undefined;
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

/** What transports use: the fan-out's client side, whatever its change type. */
export type FanoutClientSide = Pick<Fanout<never>, 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe'>;

const DEFAULT_MAX_MESSAGE_EVENTS = 1000;

export class Fanout<C extends { readonly position: number }> {
  private readonly window: ResumeWindow<PublishedEvent>;
  private readonly clients = new Set<Client>();
  private readonly groups = new SubscriptionGroups();
  private readonly delivery: Delivery;
  private readonly maxTopics: number;
  private readonly logger: Logger;
  /** Changes a tick takes at most: a burst (a catch-up, a big reconcile) flows over several ticks instead of overflowing every client at once. */
  private readonly perTick: number;
  private queue: C[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly counters = { published: 0, replayed: 0, resyncs: 0 };

  constructor(private readonly options: FanoutOptions<C>) {
    this.window = new ResumeWindow(options.resumeWindow, options.startPosition);
    this.logger = options.logger;
    this.perTick = Math.max(1, Math.floor(options.clientBufferLimit / 2));
    this.maxTopics = options.maxTopicsPerClient ?? defaultMaxTopicsPerClient;
    this.delivery = new Delivery(options.clientBufferLimit, options.maxMessageEvents ?? DEFAULT_MAX_MESSAGE_EVENTS, this.logger, (client) =>
      this.disconnect(client),
    );
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
      for (const event of this.publishable(change)) {
        events.push(event);
        this.window.push(event);
      }
    }
    this.counters.published += events.length;
    if (events.length > 0) this.delivery.toGroups(this.groups, events);
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
    this.groups.forget(client);
  }

  /**
   * Closes every client for which `check` gives a reason (the token re-check of session-sweep.ts:
   * logout, expiry). The client is told why before its connection closes.
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
    authorizeSubscribe(client, topic, this.maxTopics, this.options.topicOwners);
    let replayed = 0;
    let resync: ResyncNotice | undefined;
    if (position !== undefined && !client.closed) {
      const outcome = replayMissed(this.window, this.delivery, client, topic, position);
      if (typeof outcome === 'number') {
        replayed = outcome;
        this.counters.replayed += outcome;
      } else {
        resync = outcome;
      }
    }
    if (!client.closed && client.topics.add(topic)) this.groups.added(client, topic);
    if (resync) {
      this.counters.resyncs++;
      client.connection.resync(resync);
    }
    return resync ? { topic, replayed, resync } : { topic, replayed };
  }

  /** Removes a subscription (a topic not subscribed is a no-op). Returns the canonical topic. */
  unsubscribe(client: Client, rawTopic: unknown): string {
    const topic = canonicalTopic(rawTopic);
    if (client.topics.delete(topic)) this.groups.removed(client, topic);
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
      delivered: { events: this.delivery.events, messages: this.delivery.messages },
      replayed: this.counters.replayed,
      resyncs: this.counters.resyncs,
      dropped: this.delivery.dropped,
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

  private publishable(change: C): PublishedEvent[] {
    try {
      const mapped = this.options.toEvent(change);
      if (mapped === undefined) return [];
      const list: readonly RealtimeEvent[] = Array.isArray(mapped) ? mapped : [mapped as RealtimeEvent];
      if (list.length === 0) return [];
      // Every event of one change has the same payload: serialised once.
      const dataJson = JSON.stringify(list[0]!.data) as string | undefined;
      if (dataJson === undefined) throw new Error('payload is not JSON-serialisable');
      return list.map((event) => {
        const json = event.data === list[0]!.data ? dataJson : (JSON.stringify(event.data) as string);
        const published: PublishedEvent = { position: event.position, topic: event.topic, event: event.event, dataJson: json };
        return event.audience === undefined ? published : { ...published, audience: event.audience };
      });
    } catch (error) {
      // One bad row must not stop every dashboard: report it and publish the rest.
      this.logger.error({ err: error, position: change.position }, 'realtime: could not publish a change');
      return [];
    }
  }
}
