import type { ProjectionState, RowChange } from '../lib/projection.js';

// app_queue's rows (index.ts says where they come from), the objects the API shows, and the tables kysely sees.

export interface QueueRow {
  /** The queue name; the key. */
  readonly name: string;
  readonly strategy: string;
  /** Max waiting callers (0 = unlimited). */
  readonly max: number;
  readonly weight: number;
  /** Callers waiting now. */
  readonly calls: number;
  readonly completed: number;
  readonly abandoned: number;
  /** Average hold time (s), app_queue's exponential average. */
  readonly hold_time: number;
  /** Average talk time (s), likewise. */
  readonly talk_time: number;
  /** Service-level window (s). */
  readonly service_level: number;
  /** % of completed calls answered within the window (`ServicelevelPerf`). */
  readonly service_level_perf: number;
  /** % of completed and abandoned calls ended within the window (`ServicelevelPerf2`): beyond the manual, snake_case. */
  readonly service_level_perf2: number;
  /**
   * app_queue's `callscompletedinsl` / `callsabandonedinsl`, which Asterisk never reports: needed to move the two
   * percentages on the next call. Counted from events; estimated from the percentages when a snapshot disagrees.
   * Internal: not part of the queue object.
   */
  readonly completed_in_sl: number;
  readonly abandoned_in_sl: number;
  readonly tm_update: string;
}

/** The catalog's queue object. */
/** `node`: the Asterisk box of the queue (lib/node-scope.ts). */
export type QueueObject = Omit<QueueRow, 'completed_in_sl' | 'abandoned_in_sl'> & { readonly node: string };

export interface QueueMemberRow {
  /** `<name>@<queue_name>`; the key (catalog 70 §3.3). */
  readonly id: string;
  /** Asterisk's MemberName (the interface when none was given). */
  readonly name: string;
  readonly queue_name: string;
  /** The interface Asterisk dials (`Local/agent-01@agents`). */
  readonly location: string;
  readonly state_interface: string;
  /** `static`, `dynamic` or `realtime`. */
  readonly membership: string;
  /** Device state code (40-events §5.2). */
  readonly status: number;
  readonly paused: number;
  readonly paused_reason: string;
  readonly penalty: number;
  readonly calls_taken: number;
  readonly in_call: number;
  /** Epoch seconds; 0 = never. */
  readonly last_call: number;
  readonly last_pause: number;
  /** Epoch seconds the member joined the queue (`LoginTime`): beyond the manual, snake_case. */
  readonly login_time: number;
  /** Null until Asterisk reports it (QueueStatus does not; member events do). */
  readonly ring_inuse: number | null;
  /** Member wrap-up time (s), beyond the manual. */
  readonly wrapup_time: number;
  /**
   * While a queue call is up (AgentConnect seen, AgentComplete not yet): the member's calls_taken when it started;
   * null otherwise. Asterisk announces the member's state (QueueMemberStatus) from another thread than the call's
   * own events, so a status read just before the call started can arrive after AgentConnect (InCall 0), and one read
   * after the call was counted can arrive before AgentComplete (CallsTaken already +1). This tells those apart.
   * Internal: not part of the member object.
   */
  readonly calls_taken_at_connect: number | null;
  readonly tm_update: string;
}

/** The catalog's member object. */
export type QueueMemberObject = Omit<QueueMemberRow, 'calls_taken_at_connect'> & { readonly node: string };

export interface QueueEntryRow {
  /** The waiting caller's channel unique id; the key. */
  readonly unique_id: string;
  readonly queue_name: string;
  readonly channel: string;
  readonly caller_id_name: string;
  readonly caller_id_num: string;
  readonly connected_line_name: string;
  readonly connected_line_num: string;
  /** 1 = next to be served. */
  readonly position: number;
  /** When the caller joined (for one first seen in a snapshot: then minus its `Wait`). Drives `wait`; exposed so a dashboard can tick it. */
  readonly tm_join: string;
  readonly tm_update: string;
}

/** The catalog's entry object: the row plus `wait`, computed at read time. */
export interface QueueEntryObject extends QueueEntryRow {
  readonly node: string;
  /** Seconds waited so far, as of the read. */
  readonly wait: number | null;
}

export type QueuesTable = QueueRow;
export type QueueMembersTable = QueueMemberRow;
export type QueueEntriesTable = QueueEntryRow;

export type Tables = { queues: QueueRow; queue_members: QueueMemberRow; queue_entries: QueueEntryRow };
export type Change = RowChange<Tables>;
export type State = ProjectionState<Tables>;
export type Data = Readonly<Record<string, unknown>>;
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
