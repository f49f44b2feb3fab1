import { createHash } from 'node:crypto';
import { upsertStamped } from '../lib/row-changes.js';
import { contactSpecs, readAllColumns } from './fields.js';
import type { Change, PjsipContactRow, State } from './rows.js';

/**
 * Asterisk keeps a contact in three places: its own object, and `<aor>/<uri>` in the comma-separated
 * `contacts` of its AOR and of its endpoint. A contact that comes or goes changes all three.
 */

/** `a,b,c` -> entries, ignoring the empty ones Asterisk leaves (a trailing comma, an empty list). */
export function listEntries(text: string | null | undefined): string[] {
  return (text ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
}

function withEntry(list: string | null, entry: string, present: boolean): string {
  const entries = listEntries(list).filter((existing) => existing !== entry);
  if (present) entries.push(entry);
  return entries.join(',');
}

/** Asterisk's contact id: `<aor>;@<md5 hex of the contact URI>` (res_pjsip location.c). */
export function contactId(aor: string, uri: string): string {
  return `${aor};@${createHash('md5').update(uri).digest('hex')}`;
}

/** Adds or removes `<aor>/<uri>` in the AOR's and the endpoint's contact lists, keeping the AOR's counts in step. */
export function contactLists(state: State, aorName: string, endpointName: string | undefined, uri: string, present: boolean, time: string): Change[] {
  const entry = `${aorName}/${uri}`;
  const changes: Change[] = [];
  const aor = state.get('pjsip_aors', aorName);
  if (aor) {
    const { tm_update: _, ...stored } = aor;
    const contacts = withEntry(aor.contacts, entry, present);
    const count = listEntries(contacts).length;
    changes.push(...upsertStamped(state, 'pjsip_aors', aorName, { ...stored, contacts, total_contacts: count, contacts_registered: count }, time));
  }
  const endpoint = endpointName === undefined ? undefined : state.get('pjsip_endpoints', endpointName);
  if (endpoint) {
    const { tm_update: _, ...stored } = endpoint;
    changes.push(...upsertStamped(state, 'pjsip_endpoints', endpoint.object_name, { ...stored, contacts: withEntry(endpoint.contacts, entry, present) }, time));
  }
  return changes;
}

/** A contact first heard of from an event or a detail: where it is, and Asterisk's status of a contact not qualified yet. */
export function newContact(id: string, uri: string, aor: string): Omit<PjsipContactRow, 'tm_update'> {
  return { ...(readAllColumns({}, contactSpecs) as Omit<PjsipContactRow, 'tm_update' | 'id' | 'extra'>), id, uri, aor, status: 'Unknown', via_address: null, extra: {} };
}
