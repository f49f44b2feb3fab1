import type { Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { dpEventTypes, type DialplanFields, type DpmaFields } from '../src/events/dp.js';
import type { Database } from './database.js';
import { lifecycleEvolver, type Lifecycle, type StoredEvent } from './lib/lifecycle.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { eventUuid } from './lib/resource-projection.js';

/**
 * Async dialplans (issue 14; catalog 60-core-dialplan §9-12, 20-admin adps/adpmas): one row per live dpma
 * (`dp_dpmas`) and per live step (`dp_dialplans`), each the fold of its `dpma-<uuid>` / `dialplan-<uuid>`
 * stream with the evolvers the deciders use (src/dp/commands.ts). Both deletes remove the row (the catalog's
 * objects have no `in_use`); the log keeps them.
 *
 * `dp_dpmas.version` is the log position of the last change to the dpma or to any of its steps (a step
 * created, changed, moved in or out, deleted): the execution (the process manager) records it when a script
 * starts, so a run is tied to the script as it was then.
 */

/** A dpma as the API shows it (catalog §11-12, plus `on_error` of issue 14). */
export interface DpmaRow {
  uuid: string;
  name: string | null;
  detail: string | null;
  on_error: 'hangup' | 'continue';
  tm_create: string;
  tm_update: string | null;
}

/** A dialplan (one step of a dpma) as the API shows it (catalog §9-10). */
export interface DialplanRow {
  uuid: string;
  dpma_uuid: string;
  sequence: number;
  name: string | null;
  detail: string | null;
  command: string | null;
  tm_create: string;
  tm_update: string | null;
}

export type DpDpmasTable = DpmaRow & { version: number };
export type DpDialplansTable = DialplanRow;

/** The folded stream: the row's fields plus the lifecycle (a deleted object is kept, so its uuid is never reused). */
export type DpmaObject = Lifecycle & DpmaFields;
export type DialplanObject = Lifecycle & DialplanFields;

export const dpmaDefaults: DpmaFields = { name: null, detail: null, on_error: 'hangup' };
export const dialplanDefaults: DialplanFields = { dpma_uuid: '', sequence: 0, name: null, detail: null, command: null };

export const evolveDpma: (state: DpmaObject | undefined, event: StoredEvent) => DpmaObject | undefined = lifecycleEvolver(
  { created: dpEventTypes.dpmaCreated, updated: dpEventTypes.dpmaUpdated, deleted: dpEventTypes.dpmaDeleted },
  dpmaDefaults,
);
export const evolveDialplan: (state: DialplanObject | undefined, event: StoredEvent) => DialplanObject | undefined = lifecycleEvolver(
  { created: dpEventTypes.dialplanCreated, updated: dpEventTypes.dialplanUpdated, deleted: dpEventTypes.dialplanDeleted },
  dialplanDefaults,
);

/** The API object of a dpma (a folded one, or a stored row), in the catalog's field order. */
export function dpmaRow(object: DpmaRow): DpmaRow {
  return { uuid: object.uuid, name: object.name, detail: object.detail, on_error: object.on_error, tm_create: object.tm_create, tm_update: object.tm_update };
}

/** The API object of a dialplan (a folded one, or a stored row), in the catalog's field order. */
export function dialplanRow(object: DialplanRow): DialplanRow {
  return {
    uuid: object.uuid,
    dpma_uuid: object.dpma_uuid,
    sequence: object.sequence,
    name: object.name,
    detail: object.detail,
    command: object.command,
    tm_create: object.tm_create,
    tm_update: object.tm_update,
  };
}

type Tables = { dp_dpmas: DpDpmasTable; dp_dialplans: DpDialplansTable };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

/** A stored row is a live object: `in_use` 1, not deleted. */
const live = <R extends { uuid: string }>(row: R): R & { in_use: number; tm_delete: null } => ({ ...row, in_use: 1, tm_delete: null });

function onDpma(state: State, event: RecordedEvent): Change[] {
  const uuid = eventUuid(event);
  if (uuid === undefined) return [];
  const stored = state.get('dp_dpmas', uuid);
  const before = stored && live(stored);
  const after = evolveDpma(before, event);
  if (after === undefined || after === before) return [];
  if (after.in_use !== 1) return stored === undefined ? [] : [{ table: 'dp_dpmas', op: 'delete', key: uuid, row: stored }];
  return [{ table: 'dp_dpmas', op: stored === undefined ? 'create' : 'update', key: uuid, row: { ...dpmaRow(after), version: event.position } }];
}

function onDialplan(state: State, event: RecordedEvent): Change[] {
  const uuid = eventUuid(event);
  if (uuid === undefined) return [];
  const stored = state.get('dp_dialplans', uuid);
  const before = stored && live(stored);
  const after = evolveDialplan(before, event);
  if (after === undefined || after === before) return [];
  const changes: Change[] = [];
  if (after.in_use !== 1) {
    if (stored === undefined) return [];
    changes.push({ table: 'dp_dialplans', op: 'delete', key: uuid, row: stored });
  } else {
    changes.push({ table: 'dp_dialplans', op: stored === undefined ? 'create' : 'update', key: uuid, row: dialplanRow(after) });
  }
  // The script of every dpma the step left or joined changed: its version moves to this event.
  const touched = new Set([stored?.dpma_uuid, after.in_use === 1 ? after.dpma_uuid : undefined]);
  for (const dpmaUuid of touched) {
    if (dpmaUuid === undefined) continue;
    const dpma = state.get('dp_dpmas', dpmaUuid);
    if (dpma !== undefined) changes.push({ table: 'dp_dpmas', op: 'update', key: dpmaUuid, row: { ...dpma, version: event.position } });
  }
  return changes;
}

export const dialplansProjection = defineProjection<Tables, 'dialplans'>({
  name: 'dialplans',
  version: 1,
  tables: { dp_dpmas: { key: 'uuid' }, dp_dialplans: { key: 'uuid' } },
  handles: {
    [dpEventTypes.dpmaCreated]: onDpma,
    [dpEventTypes.dpmaUpdated]: onDpma,
    [dpEventTypes.dpmaDeleted]: onDpma,
    [dpEventTypes.dialplanCreated]: onDialplan,
    [dpEventTypes.dialplanUpdated]: onDialplan,
    [dpEventTypes.dialplanDeleted]: onDialplan,
  },
});

// ---------------------------------------------------------------------------------------------
// Queries

const dpmaColumns = ['uuid', 'name', 'detail', 'on_error', 'tm_create', 'tm_update'] as const;
const dialplanColumns = ['uuid', 'dpma_uuid', 'sequence', 'name', 'detail', 'command', 'tm_create', 'tm_update'] as const;

/** Every dpma, oldest first (then by uuid). */
export async function listDpmas(db: Kysely<Database>): Promise<DpmaRow[]> {
  return db.selectFrom('dp_dpmas').select(dpmaColumns).orderBy('tm_create').orderBy('uuid').execute();
}

export async function getDpma(db: Kysely<Database>, uuid: string): Promise<DpmaRow | undefined> {
  return db.selectFrom('dp_dpmas').select(dpmaColumns).where('uuid', '=', uuid).executeTakeFirst();
}

/** Every dialplan, oldest first (then by uuid). */
export async function listDialplans(db: Kysely<Database>): Promise<DialplanRow[]> {
  return db.selectFrom('dp_dialplans').select(dialplanColumns).orderBy('tm_create').orderBy('uuid').execute();
}

export async function getDialplan(db: Kysely<Database>, uuid: string): Promise<DialplanRow | undefined> {
  return db.selectFrom('dp_dialplans').select(dialplanColumns).where('uuid', '=', uuid).executeTakeFirst();
}

/** How many steps a dpma has (a dpma with steps cannot be deleted). */
export async function countDpmaSteps(db: Kysely<Database>, dpmaUuid: string): Promise<number> {
  const row = await db
    .selectFrom('dp_dialplans')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('dpma_uuid', '=', dpmaUuid)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The dpma with its steps in `sequence` order (ties by uuid), and `version`: the log position of the last change to it or its steps. */
export async function getDpmaScript(
  db: Kysely<Database>,
  uuid: string,
): Promise<{ dpma: DpmaRow; steps: DialplanRow[]; version: number } | undefined> {
  return db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('dp_dpmas').selectAll().where('uuid', '=', uuid).executeTakeFirst();
    if (row === undefined) return undefined;
    const { version, ...dpma } = row;
    const steps = await tx
      .selectFrom('dp_dialplans')
      .select(dialplanColumns)
      .where('dpma_uuid', '=', uuid)
      .orderBy('sequence')
      .orderBy('uuid')
      .execute();
    return { dpma: dpmaRow(dpma), steps, version };
  });
}
