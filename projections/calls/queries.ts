import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { durationSeconds } from '../lib/event-time.js';
import { keysetFrom, pageAfter, type Page, type SortOrder } from '../lib/paging.js';
import { callJson, type CallLegRow, type CallRow, type HangupBy } from './rows.js';
import { isPostgres } from '../lib/dialect.js';

// Queries (REST, CLI). `now` is the read's time (or the `at=` time), for a live call's duration.

/** One leg as the API shows it: the row without what only the projection's rules need. */
export type CallLegObject = Omit<CallLegRow, 'linked_id' | 'local_peer' | 'bridged'>;

/** A call's summary (ARCHITECTURE.md "Calls"), plus who called whom and who hung up through the API. */
export interface CallSummary {
  readonly linked_id: string;
  readonly status: 'live' | 'ended';
  readonly caller: string;
  readonly callee: string;
  readonly legs: readonly CallLegObject[];
  readonly tm_start: string;
  readonly tm_answer: string | null;
  readonly tm_end: string | null;
  /** Whole seconds from start to end, or to `now` while the call is live. */
  readonly duration: number | null;
  readonly hangup_by: HangupBy | null;
  readonly hangup_user: string | null;
  readonly hangup_cause: number | null;
  readonly hangup_cause_desc: string | null;
  readonly queues: readonly string[];
  readonly agents: readonly string[];
  readonly parked: boolean;
  readonly campaign_uuid: string | null;
  readonly dialing_uuid: string | null;
}

export interface CallFilter {
  /** Calls in progress at any time in [since, until] (inclusive API timestamps). */
  readonly since?: string;
  readonly until?: string;
  readonly caller?: string;
  readonly callee?: string;
  readonly queue?: string;
  readonly campaign?: string;
  readonly hangupCause?: number;
  readonly limit: number;
  /** Cursor: the linked id of the first call to return (a previous page's `next_from`). */
  readonly from?: string;
  /** By (tm_start, linked_id): `desc` (newest first) unless asked otherwise. */
  readonly order?: SortOrder;
}

function toLegObject(leg: CallLegRow): CallLegObject {
  return {
    unique_id: leg.unique_id,
    channel: leg.channel,
    party: leg.party,
    caller_id_num: leg.caller_id_num,
    caller_id_name: leg.caller_id_name,
    context: leg.context,
    exten: leg.exten,
    tm_create: leg.tm_create,
    tm_answer: leg.tm_answer,
    tm_hangup: leg.tm_hangup,
    hangup_cause: leg.hangup_cause,
    hangup_cause_desc: leg.hangup_cause_desc,
  };
}

function toSummary(call: CallRow, legs: readonly CallLegRow[], now: string): CallSummary {
  return {
    linked_id: call.linked_id,
    status: call.tm_end === null ? 'live' : 'ended',
    caller: call.caller,
    callee: call.callee,
    legs: legs.map(toLegObject),
    tm_start: call.tm_start,
    tm_answer: call.tm_answer,
    tm_end: call.tm_end,
    duration: durationSeconds(call.tm_start, call.tm_end ?? now),
    hangup_by: call.hangup_by,
    hangup_user: call.hangup_user,
    hangup_cause: call.hangup_cause,
    hangup_cause_desc: call.hangup_cause_desc,
    queues: call.queues,
    agents: call.agents,
    parked: call.parked === 1,
    campaign_uuid: call.campaign_uuid,
    dialing_uuid: call.dialing_uuid,
  };
}

/** The legs of the given calls, each call's in creation order. */
async function legsOf(db: Kysely<Database>, calls: readonly CallRow[]): Promise<Map<string, CallLegRow[]>> {
  const byCall = new Map<string, CallLegRow[]>(calls.map((call) => [call.linked_id, []]));
  if (calls.length === 0) return byCall;
  const legs = await db.selectFrom('call_legs').selectAll().where('linked_id', 'in', calls.map((call) => call.linked_id)).execute();
  const byId = new Map(legs.map((leg) => [leg.unique_id, leg]));
  for (const call of calls) byCall.set(call.linked_id, call.leg_ids.flatMap((id) => byId.get(id) ?? []));
  return byCall;
}

/** Calls by start time (then linked id), newest first by default, one page. */
export async function listCalls(db: Kysely<Database>, filter: CallFilter, now: string): Promise<Page<CallSummary>> {
  const order = filter.order ?? 'desc';
  let query = db.selectFrom('calls').selectAll();
  if (filter.since !== undefined) {
    const since = filter.since;
    query = query.where((eb) => eb.or([eb('tm_end', 'is', null), eb('tm_end', '>=', since)]));
  }
  if (filter.until !== undefined) query = query.where('tm_start', '<=', filter.until);
  if (filter.caller !== undefined) query = query.where('caller', '=', filter.caller);
  if (filter.callee !== undefined) query = query.where('callee', '=', filter.callee);
  if (filter.campaign !== undefined) query = query.where('campaign_uuid', '=', filter.campaign);
  if (filter.hangupCause !== undefined) query = query.where('hangup_cause', '=', filter.hangupCause);
  if (filter.queue !== undefined) {
    query = query.where(
      isPostgres(db)
        ? sql<boolean>`EXISTS (SELECT 1 FROM json_array_elements_text(calls.queues::json) AS q(value) WHERE q.value = ${filter.queue})`
        : sql<boolean>`EXISTS (SELECT 1 FROM json_each(calls.queues) WHERE json_each.value = ${filter.queue})`,
    );
  }
  if (filter.from !== undefined) {
    const start = await db.selectFrom('calls').select('tm_start').where('linked_id', '=', filter.from).executeTakeFirst();
    if (!start) return { list: [], next_from: null };
    query = query.where(sql<boolean>`(tm_start, linked_id) ${sql.raw(keysetFrom(order))} (${start.tm_start}, ${filter.from})`);
  }
  const stored = await query.orderBy('tm_start', order).orderBy('linked_id', order).limit(filter.limit + 1).execute();
  const calls = stored.map((call) => callJson.fromStored(call));
  const legs = await legsOf(db, calls);
  const summaries = calls.map((call) => toSummary(call, legs.get(call.linked_id) ?? [], now));
  return pageAfter(summaries, filter.limit, (call) => call.linked_id);
}

export interface CallDetail {
  readonly summary: CallSummary;
  /** The commands that touched it, in log order. */
  readonly commandIds: readonly string[];
}

export async function getCall(db: Kysely<Database>, linkedId: string, now: string): Promise<CallDetail | undefined> {
  const stored = await db.selectFrom('calls').selectAll().where('linked_id', '=', linkedId).executeTakeFirst();
  if (!stored) return undefined;
  const call = callJson.fromStored(stored);
  const legs = await legsOf(db, [call]);
  return { summary: toSummary(call, legs.get(linkedId) ?? [], now), commandIds: call.command_ids };
}
