import type { ClientSession, Connection } from './connection.js';
import type { Group } from './groups.js';
import { TopicSet } from './topic-set.js';

/**
 * The fan-out's record of one connection; transports hold it and pass it back. Plain state: the
 * group bookkeeping (groups.ts) keeps its key and group, delivery (delivery.ts) its unsent count.
 */
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
