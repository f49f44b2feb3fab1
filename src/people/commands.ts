import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import { getEndpoint } from '../../projections/pjsip/queries.js';
import { evolveBuddy, evolveContact, findBuddy, type BuddyObject, type ContactObject } from '../../projections/people.js';
import { definedOnly, isLive } from '../../projections/lib/lifecycle.js';
import { NotFoundError, peopleEventTypes, peopleStreams, type BuddyFields, type ContactFields } from '../events/index.js';
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
import { InvalidInputError } from '../validation.js';

/**
 * Contacts and buddies (issue 13 P2) on the generic resource path: `contact-<uuid>` and `buddy-<uuid>`
 * streams of lifecycle events. Cross-object rules read the user directory (a contact's or buddy's user must
 * exist) and the live PJSIP read model (a contact's target must be an endpoint Asterisk has): each a 400
 * naming the field. A buddy is its owner's only: any other caller gets the 404 an unknown buddy gets.
 */

export interface PeopleCommandDeps extends ResourceCommandDeps {
  readonly db: Kysely<Database>;
  /** Does a user with this uuid exist (the auth directory)? */
  readonly userExists: (uuid: string) => boolean;
}

export type ContactCreate = Pick<ContactFields, 'user_uuid' | 'type' | 'target'> & Partial<Pick<ContactFields, 'name' | 'detail'>>;
export type ContactUpdate = Partial<ContactFields>;
export type BuddyCreate = { readonly owner_uuid: string; readonly uuid_user: string; readonly name?: string | null; readonly detail?: string | null };
/** A buddy change names its owner (the caller, from the token, never the body). */
export type BuddyUpdate = { readonly owner_uuid: string; readonly changes: Partial<Pick<BuddyFields, 'name' | 'detail'>> };
export type BuddyDelete = { readonly owner_uuid: string };

const contacts: ResourceStream<ContactObject> = { stream: peopleStreams.contact, evolve: evolveContact };
const buddies: ResourceStream<BuddyObject> = { stream: peopleStreams.buddy, evolve: evolveBuddy };

const invalid = (field: string, message: string): InvalidInputError => new InvalidInputError(`${field}: ${message}`, [field]);

function live<T extends { readonly in_use: number }>(state: T | undefined, kind: string, uuid: string): T {
  if (!isLive(state as never)) throw new NotFoundError({ kind, id: uuid });
  return state as T;
}

/**
 * A buddy of someone else reads as no buddy at all (the owner rule: never reveal it exists); so does one naming
 * a deleted user, which the read model dropped with that user (projections/people.ts).
 */
function ownBuddy(state: BuddyObject | undefined, owner: string, uuid: string, userExists: (uuid: string) => boolean): BuddyObject {
  const buddy = live(state, 'buddy', uuid);
  if (buddy.owner_uuid !== owner || !userExists(buddy.uuid_user)) throw new NotFoundError({ kind: 'buddy', id: uuid });
  return buddy;
}

/** A contact of a deleted user went with that user (projections/people.ts): it is not found, as in the read model. */
function liveContact(state: ContactObject | undefined, uuid: string, userExists: (uuid: string) => boolean): ContactObject {
  const contact = live(state, 'contact', uuid);
  if (!userExists(contact.user_uuid)) throw new NotFoundError({ kind: 'contact', id: uuid });
  return contact;
}

export class PeopleCommands {
  readonly path: ResourceCommandPath;
  readonly contacts: ResourceCommands<ContactObject, ContactCreate, ContactUpdate, Record<string, never>>;
  readonly buddies: ResourceCommands<BuddyObject, BuddyCreate, BuddyUpdate, BuddyDelete>;

  constructor(private readonly deps: PeopleCommandDeps) {
    const path = new ResourceCommandPath(deps);
    this.path = path;
    this.contacts = resourceCommands(path, {
      kind: contacts,
      create: async (state, { uuid, body, now }) => {
        if (state !== undefined) throw invalid('uuid', `contact ${uuid} already exists`);
        await this.checkContact(body);
        return [{ type: peopleEventTypes.contactCreated, data: { uuid, name: null, detail: null, ...definedOnly(body), tm_create: now } }];
      },
      update: async (state, { uuid, body, now }) => {
        const contact = liveContact(state, uuid, deps.userExists);
        const changes = definedOnly(body);
        if (Object.keys(changes).length === 0) return [];
        await this.checkContact({ ...contact, ...changes });
        return [{ type: peopleEventTypes.contactUpdated, data: { uuid, changes, tm_update: now } }];
      },
      delete: {
        decide: (state, { uuid, now }): DecidedEvent[] => {
          liveContact(state, uuid, deps.userExists);
          return [{ type: peopleEventTypes.contactDeleted, data: { uuid, tm_delete: now } }];
        },
      },
    });
    this.buddies = resourceCommands(path, {
      kind: buddies,
      create: async (state, { uuid, body, now }) => {
        if (state !== undefined) throw invalid('uuid', `buddy ${uuid} already exists`);
        if (body.uuid_user === body.owner_uuid) throw invalid('uuid_user', 'you cannot be your own buddy');
        if (!deps.userExists(body.uuid_user)) throw invalid('uuid_user', `no user ${body.uuid_user}`);
        if (await findBuddy(deps.db, body.owner_uuid, body.uuid_user)) throw invalid('uuid_user', `user ${body.uuid_user} is already your buddy`);
        return [{ type: peopleEventTypes.buddyCreated, data: { uuid, name: null, detail: null, ...definedOnly(body), tm_create: now } }];
      },
      update: (state, { uuid, body, now }): DecidedEvent[] => {
        ownBuddy(state, body.owner_uuid, uuid, deps.userExists);
        const changes = definedOnly(body.changes);
        if (Object.keys(changes).length === 0) return [];
        return [{ type: peopleEventTypes.buddyUpdated, data: { uuid, changes, tm_update: now } }];
      },
      delete: {
        decide: (state, { uuid, options, now }): DecidedEvent[] => {
          ownBuddy(state, options.owner_uuid, uuid, deps.userExists);
          return [{ type: peopleEventTypes.buddyDeleted, data: { uuid, tm_delete: now } }];
        },
      },
    });
  }

  context(actor: Actor): ResourceContext {
    return this.path.context(actor);
  }

  /** A contact's user must exist, and its target must be an endpoint Asterisk has now (the live read model). */
  private async checkContact(contact: Pick<ContactFields, 'user_uuid' | 'type' | 'target'>): Promise<void> {
    if (!this.deps.userExists(contact.user_uuid)) throw invalid('user_uuid', `no user ${contact.user_uuid}`);
    if (contact.type === 'pjsip_endpoint' && (await getEndpoint(this.deps.db, contact.target)) === undefined) {
      throw invalid('target', `no PJSIP endpoint ${contact.target}`);
    }
  }
}
