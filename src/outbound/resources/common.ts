/**
 * What every outbound resource shares: the lifecycle fields of the catalog's objects, the refusal a
 * decider throws, and the shape of the events deciders return and evolvers read.
 *
 * Deciders are pure (Emmett style): `decide(state, command) -> events`, throwing `CommandRefusal` when the
 * command is not allowed in that state. Evolvers fold a stream into the object:
 * `evolve(state, event) -> state`: the object types and evolvers live with the read models
 * (projections/lib/lifecycle.ts, projections/outbound/), which fold with the same functions.
 */

import { isLive, type Lifecycle } from '../../../projections/lib/lifecycle.js';
import { CommandRefusal } from '../../commands/refusal.js';

export { createObject, definedOnly, evolveLifecycle, isLive, type Lifecycle, type LifecycleTypes, type StoredEvent } from '../../../projections/lib/lifecycle.js';
/** The refusal lives in its own module (errors.ts); deciders import it from here with the rest. */
export { CommandRefusal, type RefusalKind } from '../../commands/refusal.js';

/** An event as a decider returns it (the command path adds metadata) and as an evolver reads it. */
export interface ObEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
}

/** The object, or a 404 refusal for one that never existed or was deleted (deleted objects vanish, catalog §2.1). */
export function requireLive<T extends Lifecycle>(object: T | undefined, what: string, uuid: string): T {
  if (!isLive(object)) throw new CommandRefusal('not_found', `no ${what} ${uuid}`);
  return object;
}

/** The refusal for deleting an object that campaigns still reference, without `force` (catalog §2.2: 400). */
export function inUseRefusal(what: string, uuid: string, campaigns: readonly string[]): CommandRefusal {
  return new CommandRefusal(
    'invalid',
    `${what} ${uuid} is referenced by campaign ${campaigns.join(', ')}; delete with force=1 to clear the references`,
    'force',
  );
}

/** A create is refused only when the uuid is taken (uuids are generated, so this means a replayed request). */
export function requireNew(state: Lifecycle | undefined, what: string, uuid: string): void {
  if (state !== undefined) throw new CommandRefusal('conflict', `${what} ${uuid} already exists`);
}
