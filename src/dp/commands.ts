import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import {
  countDpmaSteps,
  dialplanRow,
  dpmaDefaults,
  dialplanDefaults,
  dpmaRow,
  evolveDialplan,
  evolveDpma,
  type DialplanObject,
  type DialplanRow,
  type DpmaObject,
  type DpmaRow,
} from '../../projections/dialplans.js';
import { definedOnly, isLive } from '../../projections/lib/lifecycle.js';
import { dpEventTypes, dpStreams, NotFoundError, type DialplanFields, type DpmaFields } from '../events/index.js';
import {
  ResourceCommandPath,
  resourceCommands,
  type DecidedEvent,
  type ResourceCommandDeps,
  type ResourceCommands,
  type ResourceContext,
  type ResourceStream,
} from '../commands/resource.js';
import type { Actor } from '../commands/command.js';
import { CommandRefusal } from '../commands/refusal.js';
import { InvalidInputError } from '../validation.js';

/**
 * Async dialplans (issue 14): dpmas (`dpma-<uuid>`) and their steps (`dialplan-<uuid>`) on the generic
 * resource path. Both URL families (`/dp/...`, `/admin/dialplan/adp[ma]s`) use these commands.
 *
 * Rules: a step's `dpma_uuid` must name a live dpma (400 naming the field), on create and when a PUT moves
 * the step. A dpma with steps cannot be deleted (409, issue 14; the catalog proposed 400); deleting a dpma
 * removes it (the catalog's dpma has no `in_use`: a later GET is 404, like a deleted step), the log keeps it.
 * A step's DELETE is a hard delete (catalog §10). Answers are the API objects (no lifecycle fields).
 */

export interface DpCommandDeps extends ResourceCommandDeps {
  readonly db: Kysely<Database>;
}

export type DpmaCreate = Partial<DpmaFields>;
export type DpmaUpdate = Partial<DpmaFields>;
export type DialplanCreate = Pick<DialplanFields, 'dpma_uuid' | 'sequence'> & Partial<DialplanFields>;
export type DialplanUpdate = Partial<DialplanFields>;
type NoOptions = Record<string, never>;

const dpmas: ResourceStream<DpmaObject> = { stream: dpStreams.dpma, evolve: evolveDpma };
const dialplans: ResourceStream<DialplanObject> = { stream: dpStreams.dialplan, evolve: evolveDialplan };

const invalid = (field: string, message: string): InvalidInputError => new InvalidInputError(`${field}: ${message}`, [field]);

function live<T extends { readonly in_use: number }>(state: T | undefined, kind: string, uuid: string): T {
  if (!isLive(state as never)) throw new NotFoundError({ kind, id: uuid });
  return state as T;
}

/** The same commands answering with the API object instead of the folded state. */
function mapped<S, O, C, U, D>(commands: ResourceCommands<S, C, U, D>, toObject: (state: S) => O): ResourceCommands<O, C, U, D> {
  return {
    create: async (ctx, body) => toObject(await commands.create(ctx, body)),
    update: async (ctx, uuid, body) => toObject(await commands.update(ctx, uuid, body)),
    delete: async (ctx, uuid, options) => toObject(await commands.delete(ctx, uuid, options)),
  };
}

export class DpResourceCommands {
  readonly path: ResourceCommandPath;
  readonly dpmas: ResourceCommands<DpmaRow, DpmaCreate, DpmaUpdate, NoOptions>;
  readonly dialplans: ResourceCommands<DialplanRow, DialplanCreate, DialplanUpdate, NoOptions>;

  constructor(deps: DpCommandDeps) {
    const path = new ResourceCommandPath(deps);
    this.path = path;

    /** The dpma a step names must be live now. */
    const requireDpma = async (uuid: string): Promise<void> => {
      if (!isLive((await path.load(dpmas, uuid)).state)) throw invalid('dpma_uuid', `no dpma ${uuid}`);
    };

    const dpmaCommands = resourceCommands<DpmaObject, DpmaCreate, DpmaUpdate, NoOptions, number>(path, {
      kind: dpmas,
      create: (state, { uuid, body, now }): DecidedEvent[] => {
        if (state !== undefined) throw new CommandRefusal('conflict', `dpma ${uuid} already exists`);
        return [{ type: dpEventTypes.dpmaCreated, data: { uuid, ...dpmaDefaults, ...definedOnly(body), tm_create: now } }];
      },
      update: (state, { uuid, body, now }): DecidedEvent[] => {
        live(state, 'dpma', uuid);
        const changes = definedOnly(body);
        if (Object.keys(changes).length === 0) return [];
        return [{ type: dpEventTypes.dpmaUpdated, data: { uuid, changes, tm_update: now } }];
      },
      delete: {
        facts: (uuid) => countDpmaSteps(deps.db, uuid),
        decide: (state, { uuid, facts, now }): DecidedEvent[] => {
          live(state, 'dpma', uuid);
          if (facts > 0) throw new CommandRefusal('conflict', `dpma ${uuid} still has ${facts} dialplan(s); delete them first`);
          return [{ type: dpEventTypes.dpmaDeleted, data: { uuid, tm_delete: now } }];
        },
      },
    });

    const dialplanCommands = resourceCommands<DialplanObject, DialplanCreate, DialplanUpdate, NoOptions>(path, {
      kind: dialplans,
      create: async (state, { uuid, body, now }): Promise<DecidedEvent[]> => {
        if (state !== undefined) throw new CommandRefusal('conflict', `dialplan ${uuid} already exists`);
        await requireDpma(body.dpma_uuid);
        return [{ type: dpEventTypes.dialplanCreated, data: { uuid, ...dialplanDefaults, ...definedOnly(body), tm_create: now } }];
      },
      update: async (state, { uuid, body, now }): Promise<DecidedEvent[]> => {
        const step = live(state, 'dialplan', uuid);
        const changes = definedOnly(body);
        if (Object.keys(changes).length === 0) return [];
        if (changes.dpma_uuid !== undefined && changes.dpma_uuid !== step.dpma_uuid) await requireDpma(changes.dpma_uuid);
        return [{ type: dpEventTypes.dialplanUpdated, data: { uuid, changes, tm_update: now } }];
      },
      delete: {
        decide: (state, { uuid, now }): DecidedEvent[] => {
          live(state, 'dialplan', uuid);
          return [{ type: dpEventTypes.dialplanDeleted, data: { uuid, tm_delete: now } }];
        },
      },
    });

    this.dpmas = mapped(dpmaCommands, dpmaRow);
    this.dialplans = mapped(dialplanCommands, dialplanRow);
  }

  context(actor: Actor): ResourceContext {
    return this.path.context(actor);
  }
}
