import { jsonColumns, type Stored } from '../lib/json-columns.js';
import type { ProjectionState, RowChange } from '../lib/projection.js';

// PJSIP's rows (index.ts says where they come from) and the tables kysely sees.

/** A column or detail value as the API shows it. */
export type Value = string | number | null;

export interface PjsipEndpointRow {
  readonly object_name: string;
  readonly object_type: string;
  readonly transport: string | null;
  readonly aors: string | null;
  readonly auth: string | null;
  readonly outbound_auth: string | null;
  /** `<aor>/<uri>` of each registered contact, comma-separated, as Asterisk's EndpointList reports them. */
  readonly contacts: string | null;
  /** Asterisk's text (`Not in use`, `Unavailable`), as the manual's example shows. */
  readonly device_state: string | null;
  readonly active_channels: string | null;
  /** Every other `EndpointDetail` field, by the manual's name or in snake_case; empty until a detail snapshot. */
  readonly detail: Readonly<Record<string, Value>>;
  readonly tm_update: string;
}

export interface PjsipAorRow {
  readonly object_name: string;
  readonly object_type: string;
  readonly endpoint_name: string | null;
  readonly contacts: string | null;
  readonly contacts_registered: number | null;
  readonly total_contacts: number | null;
  readonly authenticate_qualify: string | null;
  readonly default_expiration: number | null;
  readonly mailboxes: string | null;
  readonly max_contacts: number | null;
  readonly maximum_expiration: number | null;
  readonly minimum_expiration: number | null;
  readonly outbound_proxy: string | null;
  readonly qualify_frequency: number | null;
  readonly qualify_timeout: number | null;
  readonly remove_existing: string | null;
  readonly support_path: string | null;
  readonly voicemail_extension: string | null;
  readonly extra: Readonly<Record<string, string>>;
  readonly tm_update: string;
}

export interface PjsipAuthRow {
  readonly object_name: string;
  readonly object_type: string;
  readonly username: string | null;
  readonly auth_type: string | null;
  /** In clear, as Asterisk reports it and the manual returns it (catalog 70 §2.3). */
  readonly password: string | null;
  readonly md5_cred: string | null;
  readonly realm: string | null;
  readonly nonce_lifetime: number | null;
  readonly endpoint_name: string | null;
  readonly extra: Readonly<Record<string, string>>;
  readonly tm_update: string;
}

export interface PjsipContactRow {
  /** `<aor>;@<md5 of the URI>`, Asterisk's own contact id. */
  readonly id: string;
  readonly call_id: string | null;
  readonly uri: string;
  readonly aor: string;
  readonly endpoint_name: string | null;
  /** `Reachable`, `Unreachable`, `NonQualified`, `Unknown`. */
  readonly status: string;
  readonly qualify_frequency: number | null;
  /** Spelled as the manual spells it (catalog 70 §2.5). */
  readonly qualify_timout: number | null;
  /** 0/1, spelled as the manual spells it (unlike the AOR's `authenticate_qualify`). */
  readonly authentication_qualify: number | null;
  readonly outbound_proxy: string | null;
  readonly path: string | null;
  /** Epoch seconds. */
  readonly reg_expire: number | null;
  /** `"0"` or `"N/A"`: a string, as the manual shows. */
  readonly round_trip_usec: string | null;
  readonly user_agent: string | null;
  /** `<ip>:<port>`. */
  readonly via_address: string | null;
  readonly extra: Readonly<Record<string, string>>;
  readonly tm_update: string;
}

export interface PjsipRegistrationRow {
  readonly object_name: string;
  readonly object_type: string;
  /** `Registered`, `Unregistered`, `Rejected`, ... */
  readonly status: string | null;
  readonly server_uri: string | null;
  readonly client_uri: string | null;
  readonly max_retries: number | null;
  readonly retry_interval: number | null;
  readonly fatal_retry_interval: number | null;
  readonly forbidden_retry_interval: number | null;
  readonly auth_rejection_permanent: string | null;
  readonly support_path: string | null;
  readonly expiration: number | null;
  readonly line: string | null;
  readonly transport: string | null;
  readonly contact_user: string | null;
  readonly endpoint: string | null;
  readonly outbound_auth: string | null;
  readonly outbound_proxy: string | null;
  readonly next_reg: number | null;
  /** Beyond the manual (legacy `/registries/` needs it): epoch seconds of the last `Registry: Registered` jade saw. */
  readonly registration_time: number | null;
  readonly extra: Readonly<Record<string, string>>;
  readonly tm_update: string;
}

/** Each table's JSON columns (TableSpec `json`, and what the queries parse back). */
export const endpointJson = jsonColumns<PjsipEndpointRow, 'detail'>(['detail']);
export const aorJson = jsonColumns<PjsipAorRow, 'extra'>(['extra']);
export const authJson = jsonColumns<PjsipAuthRow, 'extra'>(['extra']);
export const contactJson = jsonColumns<PjsipContactRow, 'extra'>(['extra']);
export const registrationJson = jsonColumns<PjsipRegistrationRow, 'extra'>(['extra']);

/** Stored shapes (kysely): JSON columns are TEXT. */
export type PjsipEndpointsTable = Stored<PjsipEndpointRow, 'detail'>;
export type PjsipAorsTable = Stored<PjsipAorRow, 'extra'>;
export type PjsipAuthsTable = Stored<PjsipAuthRow, 'extra'>;
export type PjsipContactsTable = Stored<PjsipContactRow, 'extra'>;
export type PjsipRegistrationsTable = Stored<PjsipRegistrationRow, 'extra'>;

export type Tables = {
  pjsip_endpoints: PjsipEndpointRow;
  pjsip_aors: PjsipAorRow;
  pjsip_auths: PjsipAuthRow;
  pjsip_contacts: PjsipContactRow;
  pjsip_registration_outbounds: PjsipRegistrationRow;
};
export type Change = RowChange<Tables>;
export type State = ProjectionState<Tables>;
