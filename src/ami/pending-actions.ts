import type { AmiFields } from '../events/index.js';
import { AmiActionError, type AmiListResult } from './port.js';

/** How an action's answer is shaped: one `Response` frame, or a response followed by an EventList. */
export type PendingKind = 'single' | 'list';

/**
 * Callbacks run synchronously while the frame that settles the action is being dispatched, before the next
 * frame of the same socket chunk. Resync relies on this to put a snapshot at the exact point of the event
 * sequence where its `...Complete` arrived.
 */
export type PendingAction =
  | {
      readonly kind: 'single';
      readonly name: string;
      readonly resolve: (response: AmiFields) => void;
      readonly reject: (error: Error) => void;
    }
  | {
      readonly kind: 'list';
      readonly name: string;
      readonly resolve: (result: AmiListResult) => void;
      readonly reject: (error: Error) => void;
    };

/** What became of a frame that carried an ActionID. */
export type FrameClaim =
  /** It answered (or was part of the answer to) a pending action. */
  | 'claimed'
  /** It belongs to an action that already timed out: nobody waits for it. */
  | 'late'
  /** No action of ours: an ordinary event (e.g. `OriginateResponse`), or a stray response. */
  | 'unclaimed';

interface ListState {
  readonly entry: Extract<PendingAction, { kind: 'list' }>;
  response: AmiFields | undefined;
  readonly items: AmiFields[];
}

type Entry = { readonly single: Extract<PendingAction, { kind: 'single' }> } | { readonly list: ListState };

/** A timed-out action, remembered so its late frames are recognised instead of being stored as events. */
interface Abandoned {
  readonly name: string;
  readonly kind: PendingKind;
}

const emptyFields: AmiFields = Object.freeze({});

function isErrorResponse(fields: AmiFields): boolean {
  return fields.Response?.toLowerCase() === 'error';
}

function startsList(fields: AmiFields): boolean {
  return fields.EventList?.toLowerCase() === 'start';
}

/** `EventList: Complete` marks the end; a few old list actions only name their last event `...Complete`. */
export function isListComplete(fields: AmiFields): boolean {
  const marker = fields.EventList;
  if (marker !== undefined) return marker.toLowerCase() === 'complete';
  return fields.Event?.endsWith('Complete') ?? false;
}

/**
 * The actions waiting for Asterisk, keyed by ActionID, and the collection of list actions
 * (`Response: Success` + `EventList: start`, the item events, the `...Complete` event) into one result.
 * Pure bookkeeping: no socket, no timers; the connection feeds it frames and decides on timeouts.
 */
export class PendingActions {
  private readonly entries = new Map<string, Entry>();
  private readonly abandoned = new Map<string, Abandoned>();

  /** Bounded: a flood of timeouts must not grow memory; forgetting an old id only means its late frames are stored. */
  constructor(private readonly abandonedLimit = 256) {}

  get size(): number {
    return this.entries.size;
  }

  has(actionId: string): boolean {
    return this.entries.has(actionId);
  }

  add(actionId: string, action: PendingAction): void {
    if (this.entries.has(actionId)) throw new Error(`ActionID ${actionId} is already waiting for an answer`);
    this.abandoned.delete(actionId);
    this.entries.set(actionId, action.kind === 'single' ? { single: action } : { list: { entry: action, response: undefined, items: [] } });
  }

  /** A `Response` frame. */
  response(fields: AmiFields): FrameClaim {
    const id = fields.ActionID;
    if (id === undefined) return 'unclaimed';
    const entry = this.entries.get(id);
    if (entry === undefined) return this.lateResponse(id, fields);
    if ('single' in entry) {
      this.entries.delete(id);
      if (isErrorResponse(fields)) entry.single.reject(new AmiActionError(entry.single.name, fields));
      else entry.single.resolve(fields);
      return 'claimed';
    }
    const list = entry.list;
    if (isErrorResponse(fields)) {
      this.entries.delete(id);
      list.entry.reject(new AmiActionError(list.entry.name, fields));
    } else if (startsList(fields)) {
      list.response = fields;
    } else {
      // Success without `EventList: start`: nothing will follow, so this is the whole answer.
      this.entries.delete(id);
      list.entry.resolve({ response: fields, items: list.items, complete: emptyFields });
    }
    return 'claimed';
  }

  /** An event frame that carries an ActionID: a list item, a list's end, or an ordinary event. */
  event(fields: AmiFields): FrameClaim {
    const id = fields.ActionID;
    if (id === undefined) return 'unclaimed';
    const entry = this.entries.get(id);
    if (entry === undefined) return this.lateEvent(id, fields);
    if (!('list' in entry)) {
      // Events correlated with a plain action (OriginateResponse for an async Originate) are events.
      return 'unclaimed';
    }
    const list = entry.list;
    if (isListComplete(fields)) {
      this.entries.delete(id);
      list.entry.resolve({ response: list.response ?? emptyFields, items: list.items, complete: fields });
    } else {
      list.items.push(fields);
    }
    return 'claimed';
  }

  /** The action timed out: forget it, but recognise what Asterisk still sends for it. */
  abandon(actionId: string): void {
    const entry = this.entries.get(actionId);
    if (entry === undefined) return;
    this.entries.delete(actionId);
    const abandoned: Abandoned = 'single' in entry ? { name: entry.single.name, kind: 'single' } : { name: entry.list.entry.name, kind: 'list' };
    this.abandoned.set(actionId, abandoned);
    if (this.abandoned.size > this.abandonedLimit) {
      const oldest = this.abandoned.keys().next();
      if (!oldest.done) this.abandoned.delete(oldest.value);
    }
  }

  /** Name of a timed-out action, for logging its late answer. */
  abandonedName(actionId: string): string | undefined {
    return this.abandoned.get(actionId)?.name;
  }

  /** The link dropped: every waiting action fails (their answers can never come on a new session). */
  failAll(error: (name: string) => Error): void {
    const entries = [...this.entries.values()];
    this.entries.clear();
    this.abandoned.clear();
    for (const entry of entries) {
      if ('single' in entry) entry.single.reject(error(entry.single.name));
      else entry.list.entry.reject(error(entry.list.entry.name));
    }
  }

  private lateResponse(id: string, fields: AmiFields): FrameClaim {
    const abandoned = this.abandoned.get(id);
    if (abandoned === undefined) return 'unclaimed';
    // A list that did start still has items and a Complete to come: keep recognising them.
    if (abandoned.kind !== 'list' || !startsList(fields)) this.abandoned.delete(id);
    return 'late';
  }

  private lateEvent(id: string, fields: AmiFields): FrameClaim {
    const abandoned = this.abandoned.get(id);
    // Only a list's frames are its answer; an event for a timed-out plain action is still an event.
    if (abandoned === undefined || abandoned.kind !== 'list') return 'unclaimed';
    if (isListComplete(fields)) this.abandoned.delete(id);
    return 'late';
  }
}
