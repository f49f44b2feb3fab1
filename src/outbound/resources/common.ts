/**
 * What every outbound resource shares: the lifecycle fields of the catalog's objects, the refusal a
 * decider throws, and the shape of the events deciders return and evolvers read.
 *
 * Deciders are pure (Emmett style): `decide(state, command) -> events`, throwing `ObRefusal` when the
 * command is not allowed in that state. Evolvers fold a stream into the object:
 * `evolve(state, event) -> state`. The projections fold with the same evolvers, so an API answer
 * (built from the fold) and the read model can never disagree.
 */

import { ObRefusal } from './errors.js';

/** The refusal lives in its own module (errors.ts); deciders import it from here with the rest. */
export { ObRefusal, type RefusalKind } from './errors.js';

/** The catalog's lifecycle fields (§2.1): `in_use` 1, or 0 once soft-deleted with `tm_delete` set. */
export interface Lifecycle {
  readonly uuid: string;
  readonly in_use: number;
  readonly tm_create: string;
  readonly tm_update: string | null;
  readonly tm_delete: string | null;
}

/** An event as a decider returns it (the command path adds metadata) and as an evolver reads it. */
export interface ObEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
}

/** Any stored event: evolvers skip types that are not theirs. */
export interface StoredEvent {
  readonly type: string;
  readonly data: unknown;
}

export const isLive = <T extends Lifecycle>(object: T | undefined): object is T => object !== undefined && object.in_use === 1;

/** The object, or a 404 refusal for one that never existed or was deleted (deleted objects vanish, catalog §2.1). */
export function requireLive<T extends Lifecycle>(object: T | undefined, what: string, uuid: string): T {
  if (!isLive(object)) throw new ObRefusal('not_found', `no ${what} ${uuid}`);
  return object;
}

/** Keeps only the keys whose value is not undefined: event data stays exactly what the request set. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = item;
  return out as Partial<T>;
}

/** A new object: `uuid` first, then every field (defaults overridden by what was given), then the lifecycle fields. */
export function createObject<F extends object>(uuid: string, defaults: F, given: Partial<F>, tmCreate: string): { readonly uuid: string } & F & Omit<Lifecycle, 'uuid'> {
  return { uuid, ...defaults, ...definedOnly(given), in_use: 1, tm_create: tmCreate, tm_update: null, tm_delete: null };
}

/** The refusal for deleting an object that campaigns still reference, without `force` (catalog §2.2: 400). */
export function inUseRefusal(what: string, uuid: string, campaigns: readonly string[]): ObRefusal {
  return new ObRefusal(
    'invalid',
    `${what} ${uuid} is referenced by campaign ${campaigns.join(', ')}; delete with force=1 to clear the references`,
    'force',
  );
}

/** The three lifecycle event types every resource has. */
export interface LifecycleTypes {
  readonly created: string;
  readonly updated: string;
  readonly deleted: string;
}

interface UpdatedData {
  readonly changes: object;
  readonly tm_update: string;
}

interface DeletedData {
  readonly tm_delete: string;
}

/**
 * Folds the lifecycle events: `*Created` builds the object (defaults first, so an event written before a
 * field existed still yields a complete object), `*Updated` overlays its changes, `*Deleted` soft-deletes.
 * Any other event type leaves the state alone and returns `undefined` in `handled`, so callers can add theirs.
 */
export function evolveLifecycle<O extends Lifecycle>(
  state: O | undefined,
  event: StoredEvent,
  types: LifecycleTypes,
  create: (data: unknown) => O,
): { readonly handled: boolean; readonly state: O | undefined } {
  switch (event.type) {
    case types.created:
      return { handled: true, state: create(event.data) };
    case types.updated: {
      const data = event.data as UpdatedData;
      return { handled: true, state: state && { ...state, ...data.changes, tm_update: data.tm_update } };
    }
    case types.deleted: {
      const data = event.data as DeletedData;
      return { handled: true, state: state && { ...state, in_use: 0, tm_delete: data.tm_delete } };
    }
    default:
      return { handled: false, state };
  }
}

/** A create is refused only when the uuid is taken (uuids are generated, so this means a replayed request). */
export function requireNew(state: Lifecycle | undefined, what: string, uuid: string): void {
  if (state !== undefined) throw new ObRefusal('conflict', `${what} ${uuid} already exists`);
}
