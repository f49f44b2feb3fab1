import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Context, Middleware, Next } from 'koa';
import { AmiNotConnectedError } from '../ami/port.js';
import type { LeadershipView } from '../cluster/leadership.js';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';

/** Set by a follower on what it forwards (its node id): the leader answers with the log position. */
export const forwardedByHeader = 'jade-forwarded-by';
/** The leader's log head once it handled a forwarded request: the follower waits for it before answering. */
export const logPositionHeader = 'jade-log-position';

export interface LeaderForwardDeps {
  readonly leadership: { view(): LeadershipView };
  /** The log head (the leader's answer to a forwarded request carries it). */
  readonly headPosition: () => Promise<number>;
  /** Resolves once this node's read models, change feed and users have applied `position` (or the timeout passed). */
  readonly caughtUp: (position: number, timeoutMs: number) => Promise<void>;
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
 * Read-your-writes across the hop: the leader answers forwarded requests with its log head, and the
 * follower relays the answer only once its own read models, change feed and user directory have reached it
 * (a token the leader just issued works here at once; a subscription opened here sees the change).
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
  const stamp = async (): Promise<void> => {
    try {
      ctx.set(logPositionHeader, String(await deps.headPosition()));
    } catch {
      // No position: the follower answers without waiting.
    }
  };
  try {
    await next();
  } catch (error) {
    // A failed command may still have recorded its outcome: the follower waits for that too.
    await stamp();
    throw error;
  }
  await stamp();
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
  const position = Number(answer.response.headers[logPositionHeader]);
  if (Number.isSafeInteger(position) && position > 0) {
    await deps.caughtUp(position, deps.settleTimeoutMs).catch((error: unknown) => deps.logger.warn({ err: error, position }, 'answering a forwarded request before this node caught up'));
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
    if (value === undefined || hopByHop.has(name) || name === logPositionHeader) continue;
    ctx.set(name, value);
  }
}
