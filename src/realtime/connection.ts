import type { AuthUser } from '../auth/permissions.js';
import type { Batch } from './batch.js';

/**
 * The contract between the fan-out and its transports (socket.io, plain /ws): what a transport must
 * offer for one connection, and what it hears back. Kept apart from the fan-out's machinery so a
 * transport changes only when this contract does.
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
