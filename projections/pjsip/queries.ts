import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import { oneOfNodes, publicRow } from '../lib/node-scope.js';
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

/** A row of one Asterisk box (lib/node-scope.ts): `node` is part of every object. */
type OnNode<Row> = Row & { readonly node: string };
const onNode = <Row>(row: Row, node: string): OnNode<Row> => ({ ...row, node });

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

export async function listEndpoints(db: Kysely<Database>): Promise<OnNode<PjsipEndpointRow>[]> {
  const rows = await db.selectFrom('pjsip_endpoints').selectAll().orderBy('object_name').orderBy('node').execute();
  return rows.map((row) => onNode(endpointJson.fromStored(publicRow(row)), row.node));
}

export async function getEndpoint(db: Kysely<Database>, name: string, node?: string): Promise<OnNode<PjsipEndpointRow> | undefined> {
  const rows = await db.selectFrom('pjsip_endpoints').selectAll().where('object_name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'endpoint', id: name }, node);
  return row && onNode(endpointJson.fromStored(publicRow(row)), row.node);
}

export async function listAors(db: Kysely<Database>): Promise<OnNode<PjsipAorRow>[]> {
  const rows = await db.selectFrom('pjsip_aors').selectAll().orderBy('object_name').orderBy('node').execute();
  return rows.map((row) => onNode(aorJson.fromStored(publicRow(row)), row.node));
}

export async function getAor(db: Kysely<Database>, name: string, node?: string): Promise<OnNode<PjsipAorRow> | undefined> {
  const rows = await db.selectFrom('pjsip_aors').selectAll().where('object_name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'aor', id: name }, node);
  return row && onNode(aorJson.fromStored(publicRow(row)), row.node);
}

export async function listAuths(db: Kysely<Database>): Promise<OnNode<PjsipAuthRow>[]> {
  const rows = await db.selectFrom('pjsip_auths').selectAll().orderBy('object_name').orderBy('node').execute();
  return rows.map((row) => onNode(authJson.fromStored(publicRow(row)), row.node));
}

export async function getAuth(db: Kysely<Database>, name: string, node?: string): Promise<OnNode<PjsipAuthRow> | undefined> {
  const rows = await db.selectFrom('pjsip_auths').selectAll().where('object_name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'auth', id: name }, node);
  return row && onNode(authJson.fromStored(publicRow(row)), row.node);
}

export async function listContacts(db: Kysely<Database>): Promise<OnNode<PjsipContactRow>[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().orderBy('id').orderBy('node').execute();
  return rows.map((row) => onNode(contactJson.fromStored(publicRow(row)), row.node));
}

export async function getContact(db: Kysely<Database>, id: string, node?: string): Promise<OnNode<PjsipContactRow> | undefined> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().where('id', '=', id).execute();
  const row = oneOfNodes(rows, { kind: 'contact', id: id }, node);
  return row && onNode(contactJson.fromStored(publicRow(row)), row.node);
}

export async function listContactsOfEndpoint(db: Kysely<Database>, endpoint: string): Promise<OnNode<PjsipContactRow>[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().where('endpoint_name', '=', endpoint).orderBy('id').execute();
  return rows.map((row) => onNode(contactJson.fromStored(publicRow(row)), row.node));
}

export async function listRegistrations(db: Kysely<Database>): Promise<OnNode<PjsipRegistrationRow>[]> {
  const rows = await db.selectFrom('pjsip_registration_outbounds').selectAll().orderBy('object_name').orderBy('node').execute();
  return rows.map((row) => onNode(registrationJson.fromStored(publicRow(row)), row.node));
}

export async function getRegistration(db: Kysely<Database>, name: string, node?: string): Promise<OnNode<PjsipRegistrationRow> | undefined> {
  const rows = await db.selectFrom('pjsip_registration_outbounds').selectAll().where('object_name', '=', name).execute();
  const row = oneOfNodes(rows, { kind: 'registration', id: name }, node);
  return row && onNode(registrationJson.fromStored(publicRow(row)), row.node);
}
