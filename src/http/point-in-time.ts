import type { Context, Next } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../readmodels/database.js';
import type { LogSource } from '../eventstore/log-port.js';
import { ScratchBusyError, type ScratchReadModels } from '../history/scratch.js';
import { formatTimestamp, nowNanoseconds, nowTimestamp, parseTimestamp } from '../events/time.js';
import { badRequest } from './errors.js';

/**
 * Point-in-time reads (ARCHITECTURE.md "Point in time"): every read endpoint accepts `at=<API timestamp>`
 * or `at=<log position>` and answers from the read models as they were then. This middleware resolves
 * `at` once, before any route, and leaves in `ctx.state` the database to read and the `now` to compute
 * durations with; routes ask `readDb(ctx, live)` / `readNow(ctx)` and need no other change.
 *
 * Only an authenticated request (one the auth gate let through with a user) resolves `at`: public routes
 * (`/ping`, `/health`, login, the realtime paths) ignore it, so a request without a valid token never
 * reads the log (issue 10, item 1).
 */

/** Seconds a client refused for a full scratch queue is told to wait: about one build of a large log. */
const RETRY_AFTER_SECONDS = 2;

/** The instant a point-in-time read shows. */
export interface PointInTime {
  /** Last log position included. */
  readonly position: number;
  /** The `now` of the read: the `at` timestamp, or when the event at `position` was recorded. */
  readonly timestamp: string;
}

/** What `ctx.state.readModel` holds while a point-in-time request runs. */
class ReadView {
  constructor(
    readonly db: Kysely<Database>,
    readonly at: PointInTime,
  ) {}
}

export interface PointInTimeDeps {
  readonly log: LogSource;
  readonly scratch: ScratchReadModels;
  /** Paths whose `at` means something else than "read models as of" (the log API caps its range with it). */
  readonly ownsAt?: (path: string) => boolean;
}

const positionPattern = /^\d{1,15}$/;

/** Parses and resolves `at`; 400 for anything that is neither a position in the log nor a past API timestamp. */
export async function resolveAt(raw: unknown, log: LogSource): Promise<PointInTime> {
  if (typeof raw !== 'string' || raw === '') throw badRequest('at must be an API timestamp (2017-12-22T12:48:26.824442473Z) or a log position');
  const head = await log.head();
  if (positionPattern.test(raw)) {
    const position = Number(raw);
    if (position < 1 || position > head) throw badRequest(`at: position ${position} is not in the log (1 to ${head})`);
    const event = await log.get(position);
    return { position, timestamp: event?.recordedAt ?? nowTimestamp() };
  }
  const ns = parseTimestamp(raw);
  if (ns === undefined) throw badRequest(`at: ${raw} is neither an API timestamp (2017-12-22T12:48:26.824442473Z) nor a log position`);
  if (ns > nowNanoseconds()) throw badRequest(`at: ${raw} is in the future`);
  const timestamp = formatTimestamp(ns);
  return { position: await log.positionAt(timestamp), timestamp };
}

/** GET/HEAD with `at=`: swaps in the read models of that instant for the rest of the request. */
export function pointInTime(deps: PointInTimeDeps) {
  return async function pointInTimeRead(ctx: Context, next: Next): Promise<void> {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || ctx.query.at === undefined) return next();
    // No authenticated caller: a public route, which does constant work whatever the query says.
    if (!isAuthenticated(ctx)) return next();
    const at = await resolveAt(ctx.query.at, deps.log);
    ctx.set('Jade-Position', String(at.position));
    if (deps.ownsAt?.(ctx.path)) {
      ctx.state.pointInTime = at;
      return next();
    }
    const lease = await acquire(deps.scratch, at.position, ctx);
    try {
      ctx.state.pointInTime = at;
      ctx.state.readModel = new ReadView(lease.db, at);
      // Routes build their whole body before returning, so the database is free once next() settles.
      await next();
    } finally {
      lease.release();
    }
  };
}

/** Set by the auth gate (auth/middleware.ts) for every request that presented a live token; public routes have none. */
function isAuthenticated(ctx: Context): boolean {
  const user: unknown = ctx.state.user;
  return typeof user === 'object' && user !== null;
}

async function acquire(scratch: ScratchReadModels, position: number, ctx: Context) {
  try {
    return await scratch.acquire(position);
  } catch (error) {
    // The error table answers it 503; it keeps headers set before the throw (as with WWW-Authenticate).
    if (error instanceof ScratchBusyError) ctx.set('Retry-After', String(RETRY_AFTER_SECONDS));
    throw error;
  }
}

function view(ctx: Context): ReadView | undefined {
  const state: unknown = ctx.state.readModel;
  return state instanceof ReadView ? state : undefined;
}

/** The read models a read should use: as of `at=` when given, else `live`. */
export function readDb(ctx: Context, live: Kysely<Database>): Kysely<Database> {
  return view(ctx)?.db ?? live;
}

/** The `now` of a read (durations, waits): the `at` time of a point-in-time read, else the clock. */
export function readNow(ctx: Context): string {
  return view(ctx)?.at.timestamp ?? readAt(ctx)?.timestamp ?? nowTimestamp();
}

/** The resolved `at` of this request, if it has one. */
export function readAt(ctx: Context): PointInTime | undefined {
  const at: unknown = ctx.state.pointInTime;
  if (typeof at !== 'object' || at === null) return undefined;
  const candidate = at as Partial<Record<keyof PointInTime, unknown>>;
  return typeof candidate.position === 'number' && typeof candidate.timestamp === 'string' ? { position: candidate.position, timestamp: candidate.timestamp } : undefined;
}
