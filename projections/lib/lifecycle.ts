/**
 * The lifecycle of a backend-owned object (an outbound plan, a campaign, later people and configuration
 * objects): one `<kind>-<uuid>` stream folded into the object. The deciders in src/ and the read models
 * fold with the same evolvers, so an API answer (built from the fold) and the read model never disagree.
 */

/** The catalog's lifecycle fields (50-outbound §2.1): `in_use` 1, or 0 once soft-deleted with `tm_delete` set. */
export interface Lifecycle {
  readonly uuid: string;
  readonly in_use: number;
  readonly tm_create: string;
  readonly tm_update: string | null;
  readonly tm_delete: string | null;
}

/** Any stored event: evolvers skip types that are not theirs. */
export interface StoredEvent {
  readonly type: string;
  readonly data: unknown;
}

export const isLive = <T extends Lifecycle>(object: T | undefined): object is T => object !== undefined && object.in_use === 1;

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

/** The evolver of a kind with only the lifecycle events, whose `*Created` data is `{uuid, tm_create, ...fields}`. */
export function lifecycleEvolver<F extends object>(types: LifecycleTypes, defaults: F) {
  type O = Lifecycle & F;
  return (state: O | undefined, event: StoredEvent): O | undefined =>
    evolveLifecycle<O>(state, event, types, (data) => {
      const { uuid, tm_create, ...fields } = data as { readonly uuid: string; readonly tm_create: string } & Partial<F>;
      return createObject(uuid, defaults, fields as Partial<F>, tm_create);
    }).state;
}
