import type { Logger } from '../logger.js';
import { Batch, chunkAtPositions, visibleTo, type PublishedEvent } from './batch.js';
import type { Client } from './client.js';
import type { CloseReason } from './connection.js';
import { representative, type SubscriptionGroups } from './groups.js';
import { isPrivateTopic, privateTopicPrefix } from './topics.js';

/**
 * Writing events to clients under the per-client buffer limit: a client that has more than `limit`
 * events handed to its transport and not yet flushed is a slow consumer and is disconnected, so one
 * stuck browser never makes the server hold an unbounded backlog. Counts what it hands out (stats).
 */
export class Delivery {
  events = 0;
  messages = 0;
  dropped = 0;

  constructor(
    readonly limit: number,
    private readonly maxMessageEvents: number,
    private readonly logger: Logger,
    /** The fan-out's disconnect: takes the client out of its registry and groups. */
    private readonly disconnect: (client: Client) => void,
  ) {}

  /** One tick's events to every group: matched and batched once per group, the same batch written to each member. */
  toGroups(groups: SubscriptionGroups, events: readonly PublishedEvent[]): void {
    for (const group of groups.values()) {
      const topics = representative(group).topics;
      // A private (`/me/`) event only through a subscription inside `/me/` (topics.ts), never through `/`.
      const matched = events.filter((event) =>
        isPrivateTopic(event.topic) ? topics.matches(event.topic, undefined, privateTopicPrefix.length) : group.all || topics.matches(event.topic),
      );
      if (matched.some((event) => event.audience !== undefined)) {
        // Personal events (every `/me/` event names its owner): each member gets only those meant for its user.
        for (const client of group.members) this.toClient(client, matched.filter((event) => visibleTo(event, client.session.user.uuid)));
        continue;
      }
      for (const chunk of chunkAtPositions(matched, this.maxMessageEvents)) {
        const batch = new Batch(chunk);
        for (const client of group.members) this.deliver(client, batch);
      }
    }
  }

  /** Events to one client (a resume), in messages of about `maxMessageEvents`. */
  toClient(client: Client, events: readonly PublishedEvent[]): void {
    for (const chunk of chunkAtPositions(events, this.maxMessageEvents)) this.deliver(client, new Batch(chunk));
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
    this.events += count;
    this.messages++;
    client.connection.send(batch, () => {
      client.unsent -= count;
    });
    return true;
  }

  private drop(client: Client, reason: CloseReason): void {
    this.dropped++;
    this.logger.warn(
      { client: client.connection.id, transport: client.connection.transport, unsent: client.unsent, reason: reason.code },
      `realtime: disconnecting client: ${reason.message}`,
    );
    this.disconnect(client);
    client.connection.close(reason);
  }
}
