import { randomBytes } from 'node:crypto';
import type { Client } from './client.js';

/**
 * Subscription groups: clients with the same set of topics, so a tick's events are matched and
 * encoded once per group, not once per client. Dashboards mostly subscribe alike, so groups are few.
 *
 * A client's group is found by a key updated in O(1) per subscribe (a sum of random per-topic values,
 * issue 10 item 9) rather than by comparing topic sets, and a group holds no copy of the topics: every
 * member has the same set, so any member's tree answers for the group.
 */

export interface Group {
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

export class SubscriptionGroups {
  private readonly groups = new Map<string, Group>();
  private readonly weights = new Map<string, TopicWeight>();

  get size(): number {
    return this.groups.size;
  }

  values(): IterableIterator<Group> {
    return this.groups.values();
  }

  /** The client just added `topic` to its set: move it to the group of its new set. */
  added(client: Client, topic: string): void {
    this.weigh(client, topic, +1);
    this.rejoin(client);
  }

  /** The client just removed `topic` from its set. */
  removed(client: Client, topic: string): void {
    this.weigh(client, topic, -1);
    this.release(topic);
    this.rejoin(client);
  }

  /** The client is gone: out of its group, and its topics' weights released. */
  forget(client: Client): void {
    this.leave(client);
    for (const topic of client.topics.values()) this.release(topic);
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

  private rejoin(client: Client): void {
    this.leave(client);
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

  private leave(client: Client): void {
    const group = client.group;
    if (!group) return;
    group.members.delete(client);
    if (group.members.size === 0) this.groups.delete(group.key);
    client.group = undefined;
  }
}

export function representative(group: Group): Client {
  // Groups without members are deleted at once, so there is always one.
  return group.members.values().next().value!;
}
