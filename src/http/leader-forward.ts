import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Context, Middleware, Next } from 'koa';
import { AmiNotConnectedError } from '../ami/port.js';
import type { LeadershipView } from '../cluster/leadership.js';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';

/** Set by a follower on what it forwards (its node id): the leader answers with the positions it had applied. */
export const forwardedByHeader = 'jade-forwarded-by';
/** What the leader's read models (in PostgreSQL) and its user directory had applied once it handled a forwarded request. */
export const positionsHeader = 'jade-applied-positions';

/** Log positions a node has applied: its read models (as published), its user directory. */
export interface AppliedPositions {
  readonly readModels: number;
  readonly users: number;
}

export interface LeaderForwardDeps {
  readonly leadership: { view(): LeadershipView };
  /** What this node has applied (the leader's answer to a forwarded request carries it). */
  readonly applied: () => AppliedPositions;
  /** Resolves once this node's read models (and so its change feed) and users have applied as much (or rejects at the timeout). */
  readonly caughtUp: (positions: AppliedPositions, timeoutMs: number) => Promise<void>;
  /** How long the leader may take to answer. */
  readonly forwardTimeoutMs: number;
  /** How long to wait for `caughtUp` before answering anyway. */
  readonly settleTimeoutMs: number;
  readonly logger: Logger;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Hop-by-hop headers (RFC 9110 7.6.1) and what node sets itself: never copied across the hop. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);

/**
 * Commands sent to a follower go to the leader, the one node that acts on Asterisk, the dialer and the
 * read models: every request that is not a read is passed through unchanged (method, path, headers, body)
 * to the leader's advertised URL, and its answer relayed. A read is served here, unless it needs Asterisk
 * (an AMI read, which only the leader's links can answer): then it is forwarded too.
 *
 * Read-your-writes across the hop: the leader answers forwarded requests with the positions its read models
 * and its user directory had applied when it answered (a command waits for its own events, a login for its
 * token), and the follower relays the answer only once its own have reached them (a token the leader just
 * issued works here at once; a subscription opened here sees the change). Positions the leader had applied,
 * not its log head: the follower never waits for events the leader itself had not applied yet.
 *
 * On the leader (and with one node) this only adds that position to forwarded requests' answers.
 */
export function leaderForward(deps: LeaderForwardDeps): Middleware {
  return async function forwardToLeader(ctx: Context, next: Next): Promise<void> {
    const view = deps.leadership.view();
    // A forwarded request is never forwarded again: a leader that just lost the lead answers it itself (503).
    if (view.role === 'leader' || ctx.get(forwardedByHeader) !== '') return answerWithPosition(ctx, next, deps);
    if (safeMethods.has(ctx.method)) {
      try {
        return await next();
      } catch (error) {
        if (!(error instanceof AmiNotConnectedError)) throw error;
      }
    }
    await forward(ctx, view, deps);
  };
}

async function answerWithPosition(ctx: Context, next: Next, deps: LeaderForwardDeps): Promise<void> {
  if (ctx.get(forwardedByHeader) === '') return next();
  const stamp = (): void => {
    const { readModels, users } = deps.applied();
    ctx.set(positionsHeader, `${readModels} ${users}`);
  };
  try {
    await next();
  } catch (error) {
    // A failed command may still have recorded its outcome: the follower waits for that too.
    stamp();
    throw error;
  }
  stamp();
}

/** `<read models> <users>` as the leader stamped it; undefined when absent or malformed (answer without waiting). */
function parsePositions(value: string | string[] | undefined): AppliedPositions | undefined {
  const match = typeof value === 'string' ? /^(\d{1,15}) (\d{1,15})$/.exec(value) : null;
  return match ? { readModels: Number(match[1]), users: Number(match[2]) } : undefined;
}

async function forward(ctx: Context, view: LeadershipView, deps: LeaderForwardDeps): Promise<void> {
  const leader = view.leader;
  if (leader === null || leader.url === '' || leader.node === view.node) {
    ctx.set('Retry-After', '1');
    throw new HttpError(503, 'no jade node leads at the moment (a failover is under way); retry', { role: view.role });
  }
  const target = new URL(ctx.originalUrl, leader.url);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(ctx.req.headers)) if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
  const length = ctx.req.headers['content-length'];
  if (length !== undefined) headers['content-length'] = length;
  else if (ctx.req.headers['transfer-encoding'] !== undefined) headers['transfer-encoding'] = 'chunked';
  headers[forwardedByHeader] = view.node;
  let answer: { readonly response: IncomingMessage; readonly body: Buffer };
  try {
    answer = await send(target, ctx, headers, deps.forwardTimeoutMs);
  } catch (error) {
    deps.logger.warn({ err: error, leader: leader.node, url: leader.url }, 'forwarding to the leader failed');
    ctx.set('Retry-After', '1');
    if (error instanceof ForwardTimeout) throw new HttpError(504, `the leader (${leader.node}) did not answer within ${deps.forwardTimeoutMs} ms; the command may have been carried out`, { leader: leader.node });
    throw new HttpError(503, `the leader (${leader.node}) cannot be reached: ${error instanceof Error ? error.message : String(error)}; retry`, { leader: leader.node });
  }
  const positions = parsePositions(answer.response.headers[positionsHeader]);
  if (positions) {
    await deps.caughtUp(positions, deps.settleTimeoutMs).catch((error: unknown) => deps.logger.warn({ err: error, positions }, 'answering a forwarded request before this node caught up'));
  }
  ctx.status = answer.response.statusCode ?? 502;
  copyHeaders(ctx, answer.response.headers);
  ctx.body = answer.body;
}

class ForwardTimeout extends Error {
  override readonly name = 'ForwardTimeout';
}

function send(target: URL, ctx: Context, headers: Record<string, string | string[]>, timeoutMs: number): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === 'https:' ? httpsRequest : httpRequest)(target, { method: ctx.method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ response, body: Buffer.concat(chunks) });
      });
      response.on('error', reject);
    });
    const timer = setTimeout(() => request.destroy(new ForwardTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ctx.req.pipe(request);
  });
}

function copyHeaders(ctx: Context, headers: IncomingHttpHeaders): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || hopByHop.has(name) || name === positionsHeader) continue;
    ctx.set(name, value);
  }
}
