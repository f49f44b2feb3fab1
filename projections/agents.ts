import type { Kysely } from 'kysely';
import type { AmiFields, RecordedEvent } from '../src/events/index.js';
import { channelBlock, field, intField, type ChannelSnapshot, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { epochSeconds } from './lib/event-time.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { reconcileList, upsertStamped } from './lib/row-changes.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * app_agent_pool agents (legacy `/agents`, catalog 10-legacy; statuses 00-basics §8.1).
 * The `Agents` snapshot is the whole truth after every (re)connect. Between snapshots:
 * `AgentLogin` (idle, with the agent's channel), `AgentLogoff` (logged off), and the agent channel's
 * bridge moves: app_agent_pool parks a logged-in agent in its `agent_hold` bridge and moves the channel
 * into the caller's bridge for a call, then back. Entering any other bridge is "on call"
 * (checked against the real Asterisk 22: BridgeLeave agent_hold, BridgeEnter basic).
 */

export type AgentStatus = 'AGENT_LOGGEDOFF' | 'AGENT_IDLE' | 'AGENT_ONCALL' | (string & {});

/** Channel fields are null while the agent is logged off: AMI gives no channel then (catalog proposes "" or null). */
export interface AgentRow {
  readonly id: string;
  readonly name: string | null;
  readonly status: AgentStatus;
  /** Epoch seconds of the login. */
  readonly logged_in_time: number | null;
  readonly channel_name: string | null;
  readonly channel_state: number | null;
  readonly channel_state_desc: string | null;
  readonly caller_id_name: string | null;
  readonly caller_id_num: string | null;
  readonly connected_line_name: string | null;
  readonly connected_line_num: string | null;
  readonly context: string | null;
  readonly exten: string | null;
  /** A string, as the manual shows (`"2"`). */
  readonly priority: string | null;
  readonly account_code: string | null;
  readonly language: string | null;
  readonly unique_id: string | null;
  readonly linked_id: string | null;
  /** Beyond the manual (Asterisk's `TalkingToChan`, `CallStarted`): the caller's channel and when the call began, epoch seconds. */
  readonly talking_to_chan: string | null;
  readonly call_started: number | null;
  readonly tm_update: string;
}

export type AgentsTable = AgentRow;

type Tables = { agents: AgentRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;
type AgentChannelFields = Omit<AgentRow, 'id' | 'name' | 'status' | 'logged_in_time' | 'talking_to_chan' | 'call_started' | 'tm_update'>;

const noChannel: AgentChannelFields = {
  channel_name: null,
  channel_state: null,
  channel_state_desc: null,
  caller_id_name: null,
  caller_id_num: null,
  connected_line_name: null,
  connected_line_num: null,
  context: null,
  exten: null,
  priority: null,
  account_code: null,
  language: null,
  unique_id: null,
  linked_id: null,
};

/** The agent bridge app_agent_pool holds idle agents in (Asterisk's BridgeType). */
const holdingBridgeType = 'agent_hold';

/** The channel headers an event carries, in the agent row's names (only those present). */
function channelFields(data: Readonly<Record<string, unknown>>): Partial<AgentChannelFields> {
  const block: Partial<ChannelSnapshot> = channelBlock(data);
  const out: Partial<Record<keyof AgentChannelFields, string | number>> = {};
  const pairs: ReadonlyArray<readonly [keyof AgentChannelFields, keyof ChannelSnapshot]> = [
    ['channel_name', 'channel'],
    ['channel_state', 'channel_state'],
    ['channel_state_desc', 'channel_state_desc'],
    ['caller_id_name', 'caller_id_name'],
    ['caller_id_num', 'caller_id_num'],
    ['connected_line_name', 'connected_line_name'],
    ['connected_line_num', 'connected_line_num'],
    ['context', 'context'],
    ['exten', 'exten'],
    ['priority', 'priority'],
    ['account_code', 'account_code'],
    ['language', 'language'],
    ['unique_id', 'unique_id'],
    ['linked_id', 'linked_id'],
  ];
  for (const [to, from] of pairs) {
    const value = block[from];
    if (value !== undefined) out[to] = value;
  }
  return out as Partial<AgentChannelFields>;
}

function newAgent(id: string, time: string): AgentRow {
  return { id, name: null, status: 'AGENT_LOGGEDOFF', logged_in_time: null, ...noChannel, talking_to_chan: null, call_started: null, tm_update: time };
}

/** Creates the agent if jade has not seen it yet (an agents.conf reload between snapshots), else updates what differs. */
function apply(state: State, id: string, fields: Partial<Omit<AgentRow, 'id' | 'tm_update'>>, time: string): Change[] {
  return upsertStamped(state, 'agents', id, overlayNullable(state.get('agents', id) ?? newAgent(id, time), fields), time);
}

/** `overlay`, except that null is a value here (logging off clears the channel fields). */
function overlayNullable(row: AgentRow, fields: Partial<Omit<AgentRow, 'id' | 'tm_update'>>): AgentRow {
  let next: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || (row as unknown as Record<string, unknown>)[key] === value) continue;
    next ??= { ...row };
    next[key] = value;
  }
  return (next as AgentRow | undefined) ?? row;
}

/** One `Agents` list item as the whole state of that agent. */
function fromListItem(item: AmiFields): Partial<Omit<AgentRow, 'id' | 'tm_update'>> {
  const status = field(item, 'Status') ?? 'AGENT_LOGGEDOFF';
  const loggedOff = status === 'AGENT_LOGGEDOFF' || field(item, 'Channel') === undefined;
  const talkingTo = field(item, 'TalkingToChan');
  return {
    name: field(item, 'Name') ?? null,
    status,
    logged_in_time: loggedOff ? null : (intField(item, 'LoggedInTime') ?? null),
    ...noChannel,
    ...(loggedOff ? {} : channelFields(item)),
    talking_to_chan: talkingTo === undefined || talkingTo === '' ? null : talkingTo,
    call_started: intField(item, 'CallStarted') ?? null,
  };
}

function reconcile(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'agents', {
    items: snapshot.items,
    itemKey: (item) => field(item, 'Agent'),
    apply: (item, id) => apply(state, id, fromListItem(item), time),
    rowKey: (row) => row.id,
  });
}

function onLogin(state: State, event: RecordedEvent, time: string): Change[] {
  const id = field(event.data, 'Agent');
  if (id === undefined) return [];
  return apply(state, id, { status: 'AGENT_IDLE', logged_in_time: epochSeconds(time), ...noChannel, ...channelFields(event.data), talking_to_chan: null, call_started: null }, time);
}

function onLogoff(state: State, event: RecordedEvent, time: string): Change[] {
  const id = field(event.data, 'Agent');
  if (id === undefined) return [];
  return apply(state, id, { status: 'AGENT_LOGGEDOFF', logged_in_time: null, ...noChannel, talking_to_chan: null, call_started: null }, time);
}

/** The agent channel moved between its holding bridge and a call. */
function onBridgeEnter(state: State, event: RecordedEvent, time: string): Change[] {
  const uniqueId = field(event.data, 'Uniqueid');
  if (uniqueId === undefined) return [];
  // Agents are few (one row per agents.conf entry); a scan beats keeping a second index table in step.
  const agent = state.all('agents').find((row) => row.unique_id === uniqueId && row.status !== 'AGENT_LOGGEDOFF');
  if (!agent) return [];
  const idle = field(event.data, 'BridgeType') === holdingBridgeType;
  const status = idle ? 'AGENT_IDLE' : 'AGENT_ONCALL';
  // A call already known as on call keeps its start (a transfer moves the agent between call bridges).
  const callStarted = idle ? null : agent.status === 'AGENT_ONCALL' ? agent.call_started : epochSeconds(time);
  return apply(state, agent.id, { status, ...channelFields(event.data), call_started: callStarted, ...(idle ? { talking_to_chan: null } : {}) }, time);
}

const ownProjection = defineProjection<Tables, 'agents'>({
  name: 'agents',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: { agents: { key: 'id' } },
  handles: {
    AgentLogin: atEventTime(onLogin),
    AgentLogoff: atEventTime(onLogoff),
    BridgeEnter: atEventTime(onBridgeEnter),
    AmiSnapshot: bySnapshotAction<Tables>({ agents: reconcile }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const agentsProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

/** Numeric agent ids sort as numbers (1001 before 10001 is not what an operator expects from text order). */
export type AgentObject = AgentRow & { readonly node: string };

export async function listAgents(db: Kysely<Database>): Promise<AgentObject[]> {
  const rows = (await db.selectFrom('agents').selectAll().orderBy('row_key').execute()).map(publicRow);
  return rows.sort((a, b) => {
    const diff = Number(a.id) - Number(b.id);
    if (!Number.isNaN(diff) && diff !== 0) return diff;
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
}

export async function getAgent(db: Kysely<Database>, id: string, node?: string): Promise<AgentObject | undefined> {
  const rows = await db.selectFrom('agents').selectAll().where('id', '=', id).execute();
  const row = oneOfNodes(rows, { kind: 'agent', id }, node);
  return row && publicRow(row);
}
