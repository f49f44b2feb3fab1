import { streams } from './streams.js';

/**
 * People's own objects (issue 13 P2): a user's contacts (the devices it answers on) and its buddies (the users
 * it follows). Each object is one `<kind>-<uuid>` stream of lifecycle events, decided on the generic resource
 * path (src/commands/resource.ts) and folded by projections/people.ts.
 */
export const peopleEventTypes = {
  contactCreated: 'ContactCreated',
  contactUpdated: 'ContactUpdated',
  contactDeleted: 'ContactDeleted',
  buddyCreated: 'BuddyCreated',
  buddyUpdated: 'BuddyUpdated',
  buddyDeleted: 'BuddyDeleted',
} as const;

/**
 * The user-deleted fact (src/auth/events.ts writes it on the `user-<uuid>` stream): named here too because the
 * people and chat read models react to it (their person's contacts, buddies and chats go, as do other people's
 * buddies naming them), and projections/ may read only src/events/.
 */
export const userDeletedEventType = 'UserDeleted' as const;

/** The part of the user-deleted data the read models need. */
export interface UserDeletedFact {
  readonly uuid: string;
  readonly deleted_at: string;
}

export const peopleStreamKinds = { contact: 'contact', buddy: 'buddy' } as const;

export const peopleStreams = {
  contact: (uuid: string): string => streams.object(peopleStreamKinds.contact, uuid),
  buddy: (uuid: string): string => streams.object(peopleStreamKinds.buddy, uuid),
} as const;

/** Contact types: only a PJSIP endpoint today (catalog 30 `/user/contacts`). */
export const contactTypes = ['pjsip_endpoint'] as const;
export type ContactType = (typeof contactTypes)[number];

/** The writable fields of a contact (catalog 20 `/admin/user/contacts`). */
export interface ContactFields {
  readonly user_uuid: string;
  readonly type: ContactType;
  readonly target: string;
  readonly name: string | null;
  readonly detail: string | null;
}

/** The fields of a buddy: `owner_uuid` (who follows; never changes) and `uuid_user` (whom). */
export interface BuddyFields {
  readonly owner_uuid: string;
  readonly uuid_user: string;
  readonly name: string | null;
  readonly detail: string | null;
}
