import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { isCredentialName, maskedSecret } from '../lib/redact.js';
import { manualEndpointFields } from './fields.js';
import {
  aorJson,
  authJson,
  contactJson,
  endpointJson,
  registrationJson,
  type PjsipAorRow,
  type PjsipAuthRow,
  type PjsipContactRow,
  type PjsipEndpointRow,
  type PjsipRegistrationRow,
  type Value,
} from './rows.js';

// Objects as the API shows them (the extra fields merged in), and queries.

export type PjsipObject = Readonly<Record<string, Value>>;

/**
 * The endpoint as the manual shows it: every manual field (null until Asterisk reported it), the extra
 * EndpointDetail fields in snake_case, and the columns. `contacts` is beyond the manual (EndpointList has it).
 */
export function toEndpointObject(row: PjsipEndpointRow): PjsipObject {
  const { detail, ...columns } = row;
  const out: Record<string, Value> = {};
  for (const name of manualEndpointFields) out[name] = null;
  return { ...out, ...detail, ...columns };
}

/** `extra` (snake_case fields beyond the manual) first, so a manual-named column always wins. */
function withExtra<Row extends { readonly extra: Readonly<Record<string, string>> }>(row: Row): PjsipObject {
  const { extra, ...columns } = row;
  return { ...extra, ...(columns as unknown as Record<string, Value>) };
}

export const toAorObject = (row: PjsipAorRow): PjsipObject => withExtra(row);
/**
 * An auth as the API shows it: `password`, `md5_cred` and every other credential Asterisk reports
 * (`password_digest`, `oauth_secret`, `refresh_token`) masked with a constant, set or not (issue 10; the
 * catalog's example returns the password in clear, which this deliberately does not follow).
 */
export function toAuthObject(row: PjsipAuthRow): PjsipObject {
  const out: Record<string, Value> = { ...withExtra(row) };
  for (const key of Object.keys(out)) if (out[key] !== null && isCredentialName(key)) out[key] = maskedSecret;
  return out;
}
export const toContactObject = (row: PjsipContactRow): PjsipObject => withExtra(row);
export const toRegistrationObject = (row: PjsipRegistrationRow): PjsipObject => withExtra(row);

export async function listEndpoints(db: Kysely<Database>): Promise<PjsipEndpointRow[]> {
  const rows = await db.selectFrom('pjsip_endpoints').selectAll().orderBy('object_name').execute();
  return rows.map((row) => endpointJson.fromStored(row));
}

export async function getEndpoint(db: Kysely<Database>, name: string): Promise<PjsipEndpointRow | undefined> {
  const row = await db.selectFrom('pjsip_endpoints').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && endpointJson.fromStored(row);
}

export async function listAors(db: Kysely<Database>): Promise<PjsipAorRow[]> {
  const rows = await db.selectFrom('pjsip_aors').selectAll().orderBy('object_name').execute();
  return rows.map((row) => aorJson.fromStored(row));
}

export async function getAor(db: Kysely<Database>, name: string): Promise<PjsipAorRow | undefined> {
  const row = await db.selectFrom('pjsip_aors').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && aorJson.fromStored(row);
}

export async function listAuths(db: Kysely<Database>): Promise<PjsipAuthRow[]> {
  const rows = await db.selectFrom('pjsip_auths').selectAll().orderBy('object_name').execute();
  return rows.map((row) => authJson.fromStored(row));
}

export async function getAuth(db: Kysely<Database>, name: string): Promise<PjsipAuthRow | undefined> {
  const row = await db.selectFrom('pjsip_auths').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && authJson.fromStored(row);
}

export async function listContacts(db: Kysely<Database>): Promise<PjsipContactRow[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().orderBy('id').execute();
  return rows.map((row) => contactJson.fromStored(row));
}

export async function getContact(db: Kysely<Database>, id: string): Promise<PjsipContactRow | undefined> {
  const row = await db.selectFrom('pjsip_contacts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && contactJson.fromStored(row);
}

export async function listContactsOfEndpoint(db: Kysely<Database>, endpoint: string): Promise<PjsipContactRow[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().where('endpoint_name', '=', endpoint).orderBy('id').execute();
  return rows.map((row) => contactJson.fromStored(row));
}

export async function listRegistrations(db: Kysely<Database>): Promise<PjsipRegistrationRow[]> {
  const rows = await db.selectFrom('pjsip_registration_outbounds').selectAll().orderBy('object_name').execute();
  return rows.map((row) => registrationJson.fromStored(row));
}

export async function getRegistration(db: Kysely<Database>, name: string): Promise<PjsipRegistrationRow | undefined> {
  const row = await db.selectFrom('pjsip_registration_outbounds').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && registrationJson.fromStored(row);
}
