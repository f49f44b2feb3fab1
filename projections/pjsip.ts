import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AmiFields, RecordedEvent } from '../src/events/index.js';
import { field, floatField, intField, readSnapshot, snapshotAction, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { epochSeconds, eventTime } from './lib/event-time.js';
import { jsonEqual } from './lib/rows.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { isCredentialName, maskedSecret } from './lib/redact.js';

/**
 * PJSIP live state (catalog 70 §2, 20-admin "PJSIP"; legacy `/peers` and `/registries` answer from it):
 * endpoints, AORs, auths, contacts and outbound registrations.
 *
 * Sources: the `PJSIPShow*` snapshots after every (re)connect are the whole truth of each kind (gone =
 * delete). Between them: `ContactStatus` (a contact registered, was removed, or changed reachability),
 * `DeviceStateChange` of `PJSIP/<endpoint>` (the endpoint's device state) and `Registry` (an outbound
 * registration's status). `PJSIPShowEndpoint` snapshots (one per endpoint, taken by
 * src/ami/pjsip-refresh.ts) add the endpoint's full configuration (`EndpointDetail`) and the
 * endpoint names of its AOR and auths; they never delete anything.
 *
 * Field names: the manual's names are mapped explicitly per AMI header; every other header Asterisk 22
 * reports is kept too, in snake_case (ARCHITECTURE.md "Legacy and manual field names"), in `extra`
 * (`detail` for endpoints) and merged into the object at read time.
 */

type Kind = 'string' | 'int' | 'real' | 'flag';
type Value = string | number | null;
type Data = AmiFields | Readonly<Record<string, unknown>>;

/** A column filled from one AMI header. */
type FieldSpec<Row> = readonly [column: keyof Row & string, header: string, kind: Kind];

/** AMI `yes`/`true`/`1` -> 1, anything else -> 0 (the manual's `authentication_qualify` is an integer). */
function flag(text: string): number {
  return /^(yes|true|1|on)$/i.test(text.trim()) ? 1 : 0;
}

function read(data: Data, header: string, kind: Kind): Value | undefined {
  switch (kind) {
    case 'string':
      return field(data, header);
    case 'int':
      return field(data, header) === undefined ? undefined : (intField(data, header) ?? null);
    case 'real':
      // `QualifyTimeout: 3.000000` reads as 3.
      return field(data, header) === undefined ? undefined : (floatField(data, header) ?? null);
    case 'flag': {
      const text = field(data, header);
      return text === undefined ? undefined : flag(text);
    }
  }
}

/** The mapped columns an item carries; absent headers are absent (a partial event must not blank a column). */
function readColumns<Row>(data: Data, specs: readonly FieldSpec<Row>[]): Partial<Row> {
  const out: Record<string, Value> = {};
  for (const [column, header, kind] of specs) {
    const value = read(data, header, kind);
    if (value !== undefined) out[column] = value;
  }
  return out as Partial<Row>;
}

/** Every column of `specs` the item lacks, as null: a snapshot item is the whole truth of its object. */
function nullsFor<Row>(specs: readonly FieldSpec<Row>[]): Partial<Row> {
  const out: Record<string, null> = {};
  for (const [column] of specs) out[column] = null;
  return out as Partial<Row>;
}

/** Headers that frame an AMI message rather than describe the object. */
const envelopeHeaders = new Set(['Event', 'ActionID', 'Privilege', 'Timestamp', 'SystemName', 'EventList']);

/**
 * AMI header -> snake_case: `DeviceStateBusyAt` -> `device_state_busy_at`, `RTPEngine` -> `rtp_engine`.
 * Digits stay attached to the word before them (`Md5Cred` -> `md5_cred`, `Qualify2xxOnly` -> `qualify2xx_only`);
 * where the manual spells a name otherwise, the explicit tables below decide.
 */
export function snakeCase(header: string): string {
  return header
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/([0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/** Headers of `data` not in `consumed`, snake_cased, as strings: the "rest" of an object beyond the manual's fields. */
function extraFields(data: Data, consumed: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(data)) {
    if (typeof value !== 'string' || consumed.has(header) || envelopeHeaders.has(header)) continue;
    out[snakeCase(header)] = value;
  }
  return out;
}

const headersOf = <Row>(specs: readonly FieldSpec<Row>[], more: readonly string[] = []): ReadonlySet<string> =>
  new Set([...specs.map(([, header]) => header), ...more]);

/** Items of a list snapshot that are of one event kind (a list may mix kinds: registrations come with their auths). */
function itemsOf(snapshot: Snapshot, event: string): readonly AmiFields[] {
  return (snapshot.items ?? []).filter((item) => item.Event === undefined || item.Event === event);
}

// ---------------------------------------------------------------------------------------------
// Row types

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

/** Stored shapes (kysely): JSON columns are TEXT. */
export type PjsipEndpointsTable = Omit<PjsipEndpointRow, 'detail'> & { detail: string };
export type PjsipAorsTable = Omit<PjsipAorRow, 'extra'> & { extra: string };
export type PjsipAuthsTable = Omit<PjsipAuthRow, 'extra'> & { extra: string };
export type PjsipContactsTable = Omit<PjsipContactRow, 'extra'> & { extra: string };
export type PjsipRegistrationsTable = Omit<PjsipRegistrationRow, 'extra'> & { extra: string };

type Tables = {
  pjsip_endpoints: PjsipEndpointRow;
  pjsip_aors: PjsipAorRow;
  pjsip_auths: PjsipAuthRow;
  pjsip_contacts: PjsipContactRow;
  pjsip_registration_outbounds: PjsipRegistrationRow;
};
type TableName = keyof Tables;
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

// ---------------------------------------------------------------------------------------------
// Field tables: manual name <- Asterisk 22 header

/** EndpointList (the summary of PJSIPShowEndpoints): its own header names for the same columns. */
const endpointListSpecs: readonly FieldSpec<PjsipEndpointRow>[] = [
  ['object_type', 'ObjectType', 'string'],
  ['transport', 'Transport', 'string'],
  ['aors', 'Aor', 'string'],
  ['auth', 'Auths', 'string'],
  ['outbound_auth', 'OutboundAuths', 'string'],
  ['contacts', 'Contacts', 'string'],
  ['device_state', 'DeviceState', 'string'],
  ['active_channels', 'ActiveChannels', 'string'],
];

/** EndpointDetail headers that fill the endpoint's columns. */
const endpointDetailColumnSpecs: readonly FieldSpec<PjsipEndpointRow>[] = [
  ['object_type', 'ObjectType', 'string'],
  ['transport', 'Transport', 'string'],
  ['aors', 'Aors', 'string'],
  ['auth', 'Auth', 'string'],
  ['outbound_auth', 'OutboundAuth', 'string'],
  ['device_state', 'DeviceState', 'string'],
  ['active_channels', 'ActiveChannels', 'string'],
];

/**
 * The manual's endpoint fields (catalog 20-admin, 116 keys with object_name, the columns and tm_update), by
 * the EndpointDetail header that carries each in Asterisk 22. Kinds follow the manual's example: a number
 * where it shows one. `disallow` has no header in Asterisk 22 (its `allow` already says what is left).
 */
const endpointDetailSpecs: readonly (readonly [name: string, header: string, kind: Kind])[] = [
  ['account_code', 'Accountcode', 'string'],
  ['acl', 'Acl', 'string'],
  ['aggregate_mwi', 'AggregateMwi', 'string'],
  ['allow', 'Allow', 'string'],
  ['allow_overlap', 'AllowOverlap', 'string'],
  ['allow_subscribe', 'AllowSubscribe', 'string'],
  ['allow_transfer', 'AllowTransfer', 'string'],
  ['asymmetric_rtp_codec', 'AsymmetricRtpCodec', 'string'],
  ['bind_rtp_to_media_address', 'BindRtpToMediaAddress', 'string'],
  ['bundle', 'Bundle', 'string'],
  ['call_group', 'CallGroup', 'string'],
  ['caller_id', 'Callerid', 'string'],
  ['caller_id_privacy', 'CalleridPrivacy', 'string'],
  ['caller_id_tag', 'CalleridTag', 'string'],
  ['connected_line_method', 'ConnectedLineMethod', 'string'],
  ['contact_acl', 'ContactAcl', 'string'],
  ['context', 'Context', 'string'],
  ['cos_audio', 'CosAudio', 'int'],
  ['cos_video', 'CosVideo', 'int'],
  ['device_state_busy_at', 'DeviceStateBusyAt', 'int'],
  ['direct_media', 'DirectMedia', 'string'],
  ['direct_media_glare_mitigation', 'DirectMediaGlareMitigation', 'string'],
  ['direct_media_method', 'DirectMediaMethod', 'string'],
  ['disable_direct_media_on_nat', 'DisableDirectMediaOnNat', 'string'],
  ['disallow', 'Disallow', 'string'],
  ['dtls_ca_file', 'DtlsCaFile', 'string'],
  ['dtls_ca_path', 'DtlsCaPath', 'string'],
  ['dtls_cert_file', 'DtlsCertFile', 'string'],
  ['dtls_cipher', 'DtlsCipher', 'string'],
  ['dtls_fingerprint', 'DtlsFingerprint', 'string'],
  ['dtls_private_key', 'DtlsPrivateKey', 'string'],
  ['dtls_rekey', 'DtlsRekey', 'int'],
  ['dtls_setup', 'DtlsSetup', 'string'],
  ['dtls_verify', 'DtlsVerify', 'string'],
  ['dtmf_mode', 'DtmfMode', 'string'],
  ['fax_detect', 'FaxDetect', 'string'],
  // The option is `fax_detect_timeout` since Asterisk 13.x; the manual kept the older name.
  ['fax_detect_time', 'FaxDetectTimeout', 'int'],
  ['force_avp', 'ForceAvp', 'string'],
  ['force_rport', 'ForceRport', 'string'],
  ['from_domain', 'FromDomain', 'string'],
  ['from_user', 'FromUser', 'string'],
  ['g_726_non_standard', 'G726NonStandard', 'string'],
  ['ice_support', 'IceSupport', 'string'],
  ['identify_by', 'IdentifyBy', 'string'],
  ['inband_progress', 'InbandProgress', 'string'],
  ['incoming_mwi_mailbox', 'IncomingMwiMailbox', 'string'],
  ['language', 'Language', 'string'],
  ['mailboxes', 'Mailboxes', 'string'],
  ['max_audio_streams', 'MaxAudioStreams', 'int'],
  ['max_video_streams', 'MaxVideoStreams', 'int'],
  ['media_address', 'MediaAddress', 'string'],
  ['media_encryption', 'MediaEncryption', 'string'],
  ['media_encryption_optimistic', 'MediaEncryptionOptimistic', 'string'],
  ['media_use_received_transport', 'MediaUseReceivedTransport', 'string'],
  ['message_context', 'MessageContext', 'string'],
  ['moh_passthrough', 'MohPassthrough', 'string'],
  ['moh_suggest', 'MohSuggest', 'string'],
  ['mwi_from_user', 'MwiFromUser', 'string'],
  ['mwi_subscribe_replaces_unsolicited', 'MwiSubscribeReplacesUnsolicited', 'string'],
  ['named_call_group', 'NamedCallGroup', 'string'],
  ['named_pickup_group', 'NamedPickupGroup', 'string'],
  ['notify_early_inuse_ringing', 'NotifyEarlyInuseRinging', 'string'],
  ['one_touch_recording', 'OneTouchRecording', 'string'],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['pickup_group', 'PickupGroup', 'string'],
  ['preferred_codec_only', 'PreferredCodecOnly', 'string'],
  ['record_off_feature', 'RecordOffFeature', 'string'],
  ['record_on_feature', 'RecordOnFeature', 'string'],
  ['redirect_method', 'RedirectMethod', 'string'],
  ['refer_blind_progress', 'ReferBlindProgress', 'string'],
  ['rel_100', '100rel', 'string'],
  ['rewrite_contact', 'RewriteContact', 'string'],
  ['rpid_immediate', 'RpidImmediate', 'string'],
  ['rtcp_mux', 'RtcpMux', 'string'],
  ['rtp_engine', 'RtpEngine', 'string'],
  ['rtp_ipv6', 'RtpIpv6', 'string'],
  ['rtp_keepalive', 'RtpKeepalive', 'int'],
  ['rtp_symmetric', 'RtpSymmetric', 'string'],
  ['rtp_timeout', 'RtpTimeout', 'int'],
  ['rtp_timeout_hold', 'RtpTimeoutHold', 'int'],
  ['sdp_owner', 'SdpOwner', 'string'],
  ['sdp_session', 'SdpSession', 'string'],
  ['send_diversion', 'SendDiversion', 'string'],
  ['send_pai', 'SendPai', 'string'],
  ['send_rpid', 'SendRpid', 'string'],
  ['set_var', 'SetVar', 'string'],
  ['srtp_tag32', 'SrtpTag32', 'string'],
  ['sub_min_expiry', 'SubMinExpiry', 'string'],
  ['subscribe_context', 'SubscribeContext', 'string'],
  ['t38_udptl', 'T38Udptl', 'string'],
  ['t38_udptl_ec', 'T38UdptlEc', 'string'],
  ['t38_udptl_ipv6', 'T38UdptlIpv6', 'string'],
  ['t38_udptl_maxdatagram', 'T38UdptlMaxdatagram', 'int'],
  ['t38_udptl_nat', 'T38UdptlNat', 'string'],
  ['timers', 'Timers', 'string'],
  ['timers_min_se', 'TimersMinSe', 'string'],
  ['timers_sess_expires', 'TimersSessExpires', 'int'],
  ['tone_zone', 'ToneZone', 'string'],
  ['tos_audio', 'TosAudio', 'int'],
  ['tos_video', 'TosVideo', 'int'],
  ['trust_id_inbound', 'TrustIdInbound', 'string'],
  ['trust_id_outbound', 'TrustIdOutbound', 'string'],
  ['use_avpf', 'UseAvpf', 'string'],
  ['use_ptime', 'UsePtime', 'string'],
  ['user_eq_phone', 'UserEqPhone', 'string'],
  ['voicemail_extension', 'VoicemailExtension', 'string'],
  ['webrtc', 'Webrtc', 'string'],
];

/** Every field name of the manual's endpoint object, in the order of the catalog's table. */
export const manualEndpointFields: readonly string[] = [
  'object_name',
  ...endpointDetailColumnSpecs.map(([column]) => column),
  ...endpointDetailSpecs.map(([name]) => name),
].sort();

const aorSpecs: readonly FieldSpec<PjsipAorRow>[] = [
  ['object_type', 'ObjectType', 'string'],
  ['endpoint_name', 'EndpointName', 'string'],
  ['contacts', 'Contacts', 'string'],
  ['contacts_registered', 'ContactsRegistered', 'int'],
  ['total_contacts', 'TotalContacts', 'int'],
  ['authenticate_qualify', 'AuthenticateQualify', 'string'],
  ['default_expiration', 'DefaultExpiration', 'int'],
  ['mailboxes', 'Mailboxes', 'string'],
  ['max_contacts', 'MaxContacts', 'int'],
  ['maximum_expiration', 'MaximumExpiration', 'int'],
  ['minimum_expiration', 'MinimumExpiration', 'int'],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['qualify_frequency', 'QualifyFrequency', 'int'],
  ['qualify_timeout', 'QualifyTimeout', 'real'],
  ['remove_existing', 'RemoveExisting', 'string'],
  ['support_path', 'SupportPath', 'string'],
  ['voicemail_extension', 'VoicemailExtension', 'string'],
];

const authSpecs: readonly FieldSpec<PjsipAuthRow>[] = [
  ['object_type', 'ObjectType', 'string'],
  ['username', 'Username', 'string'],
  ['auth_type', 'AuthType', 'string'],
  ['password', 'Password', 'string'],
  ['md5_cred', 'Md5Cred', 'string'],
  ['realm', 'Realm', 'string'],
  ['nonce_lifetime', 'NonceLifetime', 'int'],
  ['endpoint_name', 'EndpointName', 'string'],
];

const contactSpecs: readonly FieldSpec<PjsipContactRow>[] = [
  ['call_id', 'CallId', 'string'],
  ['uri', 'Uri', 'string'],
  ['endpoint_name', 'Endpoint', 'string'],
  ['status', 'Status', 'string'],
  ['qualify_frequency', 'QualifyFrequency', 'int'],
  ['qualify_timout', 'QualifyTimeout', 'real'],
  ['authentication_qualify', 'AuthenticateQualify', 'flag'],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['path', 'Path', 'string'],
  ['reg_expire', 'ExpirationTime', 'int'],
  ['round_trip_usec', 'RoundtripUsec', 'string'],
  ['user_agent', 'UserAgent', 'string'],
];

/**
 * A contact as `ContactStatusDetail` reports it (in `PJSIPShowEndpoint`'s answer): the same facts as
 * `ContactList`, under other header names (`CallID`, `RegExpire`, `ViaAddress` as `<ip>:<port>`, `ID`).
 */
const contactStatusDetailSpecs: readonly FieldSpec<PjsipContactRow>[] = [
  ['call_id', 'CallID', 'string'],
  ['uri', 'URI', 'string'],
  ['endpoint_name', 'EndpointName', 'string'],
  ['status', 'Status', 'string'],
  ['qualify_frequency', 'QualifyFrequency', 'int'],
  ['qualify_timout', 'QualifyTimeout', 'real'],
  ['authentication_qualify', 'AuthenticateQualify', 'flag'],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['path', 'Path', 'string'],
  ['reg_expire', 'RegExpire', 'int'],
  ['round_trip_usec', 'RoundtripUsec', 'string'],
  ['user_agent', 'UserAgent', 'string'],
  ['via_address', 'ViaAddress', 'string'],
];

const registrationSpecs: readonly FieldSpec<PjsipRegistrationRow>[] = [
  ['object_type', 'ObjectType', 'string'],
  ['status', 'Status', 'string'],
  ['server_uri', 'ServerUri', 'string'],
  ['client_uri', 'ClientUri', 'string'],
  ['max_retries', 'MaxRetries', 'int'],
  ['retry_interval', 'RetryInterval', 'int'],
  ['fatal_retry_interval', 'FatalRetryInterval', 'int'],
  ['forbidden_retry_interval', 'ForbiddenRetryInterval', 'int'],
  ['auth_rejection_permanent', 'AuthRejectionPermanent', 'string'],
  ['support_path', 'SupportPath', 'string'],
  ['expiration', 'Expiration', 'int'],
  ['line', 'Line', 'string'],
  ['transport', 'Transport', 'string'],
  ['contact_user', 'ContactUser', 'string'],
  ['endpoint', 'Endpoint', 'string'],
  ['outbound_auth', 'OutboundAuth', 'string'],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['next_reg', 'NextReg', 'int'],
];

const aorConsumed = headersOf(aorSpecs, ['ObjectName']);
const authConsumed = headersOf(authSpecs, ['ObjectName']);
// A contact has no object type in the manual (catalog 70 §2.5): `ObjectType: contact` is dropped, not kept as extra.
const contactConsumed = headersOf(contactSpecs, ['ObjectName', 'ObjectType', 'ViaAddr', 'ViaPort', 'Aor']);
const registrationConsumed = headersOf(registrationSpecs, ['ObjectName']);
const contactStatusDetailConsumed = headersOf(contactStatusDetailSpecs, ['ID', 'AOR']);
const endpointDetailConsumed = new Set([...endpointDetailColumnSpecs.map(([, header]) => header), ...endpointDetailSpecs.map(([, header]) => header), 'ObjectName']);

/** The EndpointDetail fields beyond the columns: the manual's by their mapped names, the rest in snake_case. */
function endpointDetail(item: AmiFields): Record<string, Value> {
  const out: Record<string, Value> = extraFields(item, endpointDetailConsumed);
  for (const [name, header, kind] of endpointDetailSpecs) {
    const value = read(item, header, kind);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Change helpers

/**
 * Writes `next` if it differs from what is stored (JSON columns compared by value), else nothing.
 * `create` when there was no row. Rows are compared without tm_update.
 */
function put<T extends TableName>(state: State, table: T, key: string, next: Omit<Tables[T], 'tm_update'>, time: string): Change[] {
  const existing = state.get(table, key);
  if (existing) {
    const { tm_update: _, ...stored } = existing as Tables[T] & { tm_update: string };
    if (jsonEqual(stored, next)) return [];
  }
  const row = { ...next, tm_update: time } as Tables[T];
  return [{ table, op: existing ? 'update' : 'create', key, row } as Change];
}

/** Deletes every row of `table` whose key is not in `listed` (the snapshot no longer has it). */
function dropUnlisted<T extends TableName>(state: State, table: T, keyOf: (row: Tables[T]) => string, listed: ReadonlySet<string>): Change[] {
  const changes: Change[] = [];
  for (const row of state.all(table)) {
    const key = keyOf(row);
    if (!listed.has(key)) changes.push({ table, op: 'delete', key, row } as Change);
  }
  return changes;
}

/** `a,b,c` -> entries, ignoring the empty ones Asterisk leaves (a trailing comma, an empty list). */
function listEntries(text: string | null | undefined): string[] {
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

// ---------------------------------------------------------------------------------------------
// Snapshots

function emptyEndpoint(name: string): Omit<PjsipEndpointRow, 'tm_update'> {
  return { object_name: name, object_type: 'endpoint', transport: null, aors: null, auth: null, outbound_auth: null, contacts: null, device_state: null, active_channels: null, detail: {} };
}

function reconcileEndpoints(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of itemsOf(snapshot, 'EndpointList')) {
    const name = field(item, 'ObjectName');
    if (name === undefined || listed.has(name)) continue;
    listed.add(name);
    const base = state.get('pjsip_endpoints', name) ?? { ...emptyEndpoint(name), tm_update: time };
    const { tm_update: _, ...current } = base;
    changes.push(...put(state, 'pjsip_endpoints', name, { ...current, ...readColumns(item, endpointListSpecs) }, time));
  }
  return [...changes, ...dropUnlisted(state, 'pjsip_endpoints', (row) => row.object_name, listed)];
}

/** Endpoints naming `object` in one of their comma-separated `columns`: how an AOR or auth learns its endpoint before any detail. */
function endpointNaming(state: State, object: string, columns: readonly ('aors' | 'auth' | 'outbound_auth')[]): string | null {
  const endpoint = state.all('pjsip_endpoints').find((row) => columns.some((column) => listEntries(row[column]).includes(object)));
  return endpoint?.object_name ?? null;
}

function reconcileAors(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of itemsOf(snapshot, 'AorList')) {
    const name = field(item, 'ObjectName');
    if (name === undefined || listed.has(name)) continue;
    listed.add(name);
    const existing = state.get('pjsip_aors', name);
    const columns = readColumns(item, aorSpecs);
    // AorList reports the contacts but not their counts (AorDetail does): count them.
    const count = listEntries(columns.contacts).length;
    const next: Omit<PjsipAorRow, 'tm_update'> = {
      ...(nullsFor(aorSpecs) as Omit<PjsipAorRow, 'tm_update' | 'object_name' | 'extra'>),
      object_type: 'aor',
      ...columns,
      object_name: name,
      endpoint_name: columns.endpoint_name ?? existing?.endpoint_name ?? endpointNaming(state, name, ['aors']),
      contacts_registered: columns.contacts_registered ?? count,
      total_contacts: columns.total_contacts ?? count,
      extra: extraFields(item, aorConsumed),
    };
    changes.push(...put(state, 'pjsip_aors', name, next, time));
  }
  return [...changes, ...dropUnlisted(state, 'pjsip_aors', (row) => row.object_name, listed)];
}

function authRow(state: State, item: AmiFields, name: string): Omit<PjsipAuthRow, 'tm_update'> {
  const existing = state.get('pjsip_auths', name);
  const columns = readColumns(item, authSpecs);
  return {
    ...(nullsFor(authSpecs) as Omit<PjsipAuthRow, 'tm_update' | 'object_name' | 'extra'>),
    object_type: 'auth',
    ...columns,
    object_name: name,
    endpoint_name: columns.endpoint_name ?? existing?.endpoint_name ?? endpointNaming(state, name, ['auth', 'outbound_auth']),
    extra: extraFields(item, authConsumed),
  };
}

function reconcileAuths(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of itemsOf(snapshot, 'AuthList')) {
    const name = field(item, 'ObjectName');
    if (name === undefined || listed.has(name)) continue;
    listed.add(name);
    changes.push(...put(state, 'pjsip_auths', name, authRow(state, item, name), time));
  }
  return [...changes, ...dropUnlisted(state, 'pjsip_auths', (row) => row.object_name, listed)];
}

function contactFromItem(item: AmiFields, id: string): Omit<PjsipContactRow, 'tm_update'> {
  const columns = readColumns(item, contactSpecs);
  const address = field(item, 'ViaAddr');
  const port = field(item, 'ViaPort');
  const semicolon = id.indexOf(';@');
  return {
    ...(nullsFor(contactSpecs) as Omit<PjsipContactRow, 'tm_update' | 'id' | 'extra'>),
    ...columns,
    id,
    uri: columns.uri ?? '',
    aor: field(item, 'Aor') ?? (semicolon >= 0 ? id.slice(0, semicolon) : id),
    status: columns.status ?? 'Unknown',
    via_address: address === undefined || address === '' ? null : port === undefined || port === '' ? address : `${address}:${port}`,
    extra: extraFields(item, contactConsumed),
  };
}

function reconcileContacts(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  for (const item of itemsOf(snapshot, 'ContactList')) {
    const id = field(item, 'ObjectName');
    if (id === undefined || listed.has(id)) continue;
    listed.add(id);
    changes.push(...put(state, 'pjsip_contacts', id, contactFromItem(item, id), time));
  }
  return [...changes, ...dropUnlisted(state, 'pjsip_contacts', (row) => row.id, listed)];
}

function reconcileRegistrations(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  const changes: Change[] = [];
  const listed = new Set<string>();
  // The action also answers with the registrations' AuthDetail items: only the registrations count here.
  for (const item of (snapshot.items ?? []).filter((i) => i.Event === 'OutboundRegistrationDetail')) {
    const name = field(item, 'ObjectName');
    if (name === undefined || listed.has(name)) continue;
    listed.add(name);
    const existing = state.get('pjsip_registration_outbounds', name);
    const columns = readColumns(item, registrationSpecs);
    const registered = columns.status === 'Registered';
    const next: Omit<PjsipRegistrationRow, 'tm_update'> = {
      ...(nullsFor(registrationSpecs) as Omit<PjsipRegistrationRow, 'tm_update' | 'object_name' | 'extra' | 'registration_time'>),
      object_type: 'registration',
      ...columns,
      object_name: name,
      // Asterisk does not say when it registered: keep the time jade saw it, or "now" for one first seen registered.
      registration_time: registered ? (existing?.registration_time ?? epochSeconds(time)) : (existing?.registration_time ?? null),
      extra: extraFields(item, registrationConsumed),
    };
    changes.push(...put(state, 'pjsip_registration_outbounds', name, next, time));
  }
  return [...changes, ...dropUnlisted(state, 'pjsip_registration_outbounds', (row) => row.object_name, listed)];
}

/**
 * One `ContactStatusDetail` of a PJSIPShowEndpoint answer: a registered contact with everything
 * `ContactStatus` leaves out (Call-ID, user agent, via address, expiry, qualify settings, path).
 * It fills the contact (creating it when the detail is the first to tell of it) and never removes one.
 */
function applyContactStatusDetail(state: State, item: AmiFields, time: string): Change[] {
  const uri = field(item, 'URI');
  const aorName = field(item, 'AOR');
  if (uri === undefined || uri === '' || aorName === undefined || aorName === '') return [];
  const id = field(item, 'ID') || contactId(aorName, uri);
  const existing = state.get('pjsip_contacts', id);
  const columns = readColumns(item, contactStatusDetailSpecs);
  const base: Omit<PjsipContactRow, 'tm_update'> = existing
    ? (({ tm_update: _, ...stored }) => stored)(existing)
    : { ...(nullsFor(contactSpecs) as Omit<PjsipContactRow, 'tm_update' | 'id' | 'extra'>), id, uri, aor: aorName, status: 'Unknown', via_address: null, extra: {} };
  const next: Omit<PjsipContactRow, 'tm_update'> = {
    ...base,
    ...columns,
    id,
    uri,
    aor: aorName,
    status: columns.status || base.status,
    // Asterisk leaves ViaAddress empty when the REGISTER had no usable Via: unknown, not an address.
    via_address: columns.via_address === undefined || columns.via_address === '' ? base.via_address : columns.via_address,
    // ContactList's spelling of the extras (`qualify2xx_only: false`) wins over the detail's (`0`), so the two never flip-flop.
    extra: { ...extraFields(item, contactStatusDetailConsumed), ...base.extra },
  };
  const endpointName = columns.endpoint_name ?? undefined;
  return [...put(state, 'pjsip_contacts', id, next, time), ...(existing ? [] : contactLists(state, aorName, endpointName, uri, true, time))];
}

/** One endpoint's PJSIPShowEndpoint answer: its full configuration, and which endpoint its AORs and auths belong to. */
function applyEndpointDetail(state: State, snapshot: Snapshot, time: string): Change[] {
  const items = snapshot.items ?? [];
  const detail = items.find((item) => item.Event === 'EndpointDetail');
  const name = detail && field(detail, 'ObjectName');
  if (!detail || name === undefined) return [];
  const existing = state.get('pjsip_endpoints', name);
  // An endpoint the list did not have (created by a reload since): the detail is enough to show it.
  const base = existing ?? { ...emptyEndpoint(name), tm_update: time };
  const { tm_update: _, ...current } = base;
  const changes = put(state, 'pjsip_endpoints', name, { ...current, ...readColumns(detail, endpointDetailColumnSpecs), detail: endpointDetail(detail) }, time);
  for (const item of items) {
    if (item.Event === 'ContactStatusDetail') {
      changes.push(...applyContactStatusDetail(state, item, time));
      continue;
    }
    const objectName = field(item, 'ObjectName');
    const endpointName = field(item, 'EndpointName');
    if (objectName === undefined || endpointName === undefined) continue;
    if (item.Event === 'AorDetail') {
      const aor = state.get('pjsip_aors', objectName);
      if (!aor) continue;
      const { tm_update: _t, ...stored } = aor;
      const columns = readColumns(item, aorSpecs);
      changes.push(...put(state, 'pjsip_aors', objectName, { ...stored, ...columns, extra: { ...stored.extra, ...extraFields(item, aorConsumed) } }, time));
    } else if (item.Event === 'AuthDetail') {
      const auth = state.get('pjsip_auths', objectName);
      if (!auth) continue;
      const { tm_update: _t, ...stored } = auth;
      changes.push(...put(state, 'pjsip_auths', objectName, { ...stored, endpoint_name: endpointName }, time));
    }
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Events

/** `ContactStatus` values that describe reachability; `Created`/`Updated`/`Removed` describe the contact's life. */
const reachability = new Set(['Reachable', 'Unreachable', 'NonQualified', 'Unknown']);

/** Adds or removes `<aor>/<uri>` in the AOR's and the endpoint's contact lists, keeping the AOR's counts in step. */
function contactLists(state: State, aorName: string, endpointName: string | undefined, uri: string, present: boolean, time: string): Change[] {
  const entry = `${aorName}/${uri}`;
  const changes: Change[] = [];
  const aor = state.get('pjsip_aors', aorName);
  if (aor) {
    const { tm_update: _, ...stored } = aor;
    const contacts = withEntry(aor.contacts, entry, present);
    const count = listEntries(contacts).length;
    changes.push(...put(state, 'pjsip_aors', aorName, { ...stored, contacts, total_contacts: count, contacts_registered: count }, time));
  }
  const endpoint = endpointName === undefined ? undefined : state.get('pjsip_endpoints', endpointName);
  if (endpoint) {
    const { tm_update: _, ...stored } = endpoint;
    changes.push(...put(state, 'pjsip_endpoints', endpoint.object_name, { ...stored, contacts: withEntry(endpoint.contacts, entry, present) }, time));
  }
  return changes;
}

function onContactStatus(state: State, event: RecordedEvent, time: string): Change[] {
  const uri = field(event.data, 'URI');
  const aorName = field(event.data, 'AOR');
  const status = field(event.data, 'ContactStatus');
  if (uri === undefined || aorName === undefined || status === undefined) return [];
  const endpointName = field(event.data, 'EndpointName');
  const id = contactId(aorName, uri);
  const existing = state.get('pjsip_contacts', id);
  if (status === 'Removed') {
    const changes: Change[] = existing ? [{ table: 'pjsip_contacts', op: 'delete', key: id, row: { ...existing, tm_update: time } }] : [];
    return [...changes, ...contactLists(state, aorName, endpointName, uri, false, time)];
  }
  const roundTrip = field(event.data, 'RoundtripUsec');
  const base: Omit<PjsipContactRow, 'tm_update'> = existing
    ? (({ tm_update: _, ...stored }) => stored)(existing)
    : {
        ...(nullsFor(contactSpecs) as Omit<PjsipContactRow, 'tm_update' | 'id' | 'extra'>),
        id,
        uri,
        aor: aorName,
        endpoint_name: endpointName ?? null,
        // Asterisk's status of a contact not qualified yet.
        status: 'Unknown',
        via_address: null,
        extra: {},
      };
  const next = {
    ...base,
    ...(reachability.has(status) ? { status } : {}),
    ...(roundTrip === undefined ? {} : { round_trip_usec: roundTrip }),
  };
  return [...put(state, 'pjsip_contacts', id, next, time), ...contactLists(state, aorName, endpointName, uri, true, time)];
}

/** `ast_devstate2str`: the endpoint's `device_state` is Asterisk's text, while DeviceStateChange names the state. */
const deviceStateText: Readonly<Record<string, string>> = {
  UNKNOWN: 'Unknown',
  NOT_INUSE: 'Not in use',
  INUSE: 'In use',
  BUSY: 'Busy',
  INVALID: 'Invalid',
  UNAVAILABLE: 'Unavailable',
  RINGING: 'Ringing',
  RINGINUSE: 'Ring+Inuse',
  ONHOLD: 'On Hold',
};

function onDeviceState(state: State, event: RecordedEvent, time: string): Change[] {
  const device = field(event.data, 'Device');
  const value = field(event.data, 'State');
  if (device === undefined || value === undefined || !device.startsWith('PJSIP/')) return [];
  const endpoint = state.get('pjsip_endpoints', device.slice('PJSIP/'.length));
  if (!endpoint) return [];
  const { tm_update: _, ...stored } = endpoint;
  return put(state, 'pjsip_endpoints', endpoint.object_name, { ...stored, device_state: deviceStateText[value.toUpperCase()] ?? value }, time);
}

/** `Registry` names the registration by its URIs (Username = client URI, Domain = server URI), not by its object name. */
function onRegistry(state: State, event: RecordedEvent, time: string): Change[] {
  if (field(event.data, 'ChannelType') !== 'PJSIP') return [];
  const client = field(event.data, 'Username');
  const server = field(event.data, 'Domain');
  const status = field(event.data, 'Status');
  if (status === undefined) return [];
  const changes: Change[] = [];
  for (const row of state.all('pjsip_registration_outbounds')) {
    if (row.client_uri !== client || row.server_uri !== server) continue;
    const { tm_update: _, ...stored } = row;
    const registration_time = status === 'Registered' ? epochSeconds(time) : stored.registration_time;
    changes.push(...put(state, 'pjsip_registration_outbounds', row.object_name, { ...stored, status, registration_time }, time));
  }
  return changes;
}

function onSnapshot(state: State, event: RecordedEvent, time: string): Change[] {
  const snapshot = readSnapshot(event);
  if (!snapshot) return [];
  switch (snapshotAction(snapshot)) {
    case 'pjsipshowendpoints':
      return reconcileEndpoints(state, snapshot, time);
    case 'pjsipshowaors':
      return reconcileAors(state, snapshot, time);
    case 'pjsipshowauths':
      return reconcileAuths(state, snapshot, time);
    case 'pjsipshowcontacts':
      return reconcileContacts(state, snapshot, time);
    case 'pjsipshowregistrationsoutbound':
      return reconcileRegistrations(state, snapshot, time);
    case 'pjsipshowendpoint':
      return applyEndpointDetail(state, snapshot, time);
    default:
      return [];
  }
}

export const pjsipProjection = defineProjection<Tables, 'pjsip'>({
  name: 'pjsip',
  version: 1,
  tables: {
    pjsip_endpoints: { key: 'object_name', json: ['detail'] },
    pjsip_aors: { key: 'object_name', json: ['extra'] },
    pjsip_auths: { key: 'object_name', json: ['extra'] },
    pjsip_contacts: { key: 'id', json: ['extra'] },
    pjsip_registration_outbounds: { key: 'object_name', json: ['extra'] },
  },
  project(state, event) {
    switch (event.type) {
      case 'AmiSnapshot':
        return onSnapshot(state, event, eventTime(event));
      case 'ContactStatus':
        return onContactStatus(state, event, eventTime(event));
      case 'DeviceStateChange':
        return onDeviceState(state, event, eventTime(event));
      case 'Registry':
        return onRegistry(state, event, eventTime(event));
      default:
        return [];
    }
  },
});

// ---------------------------------------------------------------------------------------------
// Objects as the API shows them, and queries

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

const parse = <T>(text: string): T => JSON.parse(text) as T;

export async function listEndpoints(db: Kysely<Database>): Promise<PjsipEndpointRow[]> {
  const rows = await db.selectFrom('pjsip_endpoints').selectAll().orderBy('object_name').execute();
  return rows.map((row) => ({ ...row, detail: parse<Record<string, Value>>(row.detail) }));
}

export async function getEndpoint(db: Kysely<Database>, name: string): Promise<PjsipEndpointRow | undefined> {
  const row = await db.selectFrom('pjsip_endpoints').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && { ...row, detail: parse<Record<string, Value>>(row.detail) };
}

export async function listAors(db: Kysely<Database>): Promise<PjsipAorRow[]> {
  const rows = await db.selectFrom('pjsip_aors').selectAll().orderBy('object_name').execute();
  return rows.map((row) => ({ ...row, extra: parse<Record<string, string>>(row.extra) }));
}

export async function getAor(db: Kysely<Database>, name: string): Promise<PjsipAorRow | undefined> {
  const row = await db.selectFrom('pjsip_aors').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && { ...row, extra: parse<Record<string, string>>(row.extra) };
}

export async function listAuths(db: Kysely<Database>): Promise<PjsipAuthRow[]> {
  const rows = await db.selectFrom('pjsip_auths').selectAll().orderBy('object_name').execute();
  return rows.map((row) => ({ ...row, extra: parse<Record<string, string>>(row.extra) }));
}

export async function getAuth(db: Kysely<Database>, name: string): Promise<PjsipAuthRow | undefined> {
  const row = await db.selectFrom('pjsip_auths').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && { ...row, extra: parse<Record<string, string>>(row.extra) };
}

export async function listContacts(db: Kysely<Database>): Promise<PjsipContactRow[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().orderBy('id').execute();
  return rows.map((row) => ({ ...row, extra: parse<Record<string, string>>(row.extra) }));
}

export async function getContact(db: Kysely<Database>, id: string): Promise<PjsipContactRow | undefined> {
  const row = await db.selectFrom('pjsip_contacts').selectAll().where('id', '=', id).executeTakeFirst();
  return row && { ...row, extra: parse<Record<string, string>>(row.extra) };
}

export async function listContactsOfEndpoint(db: Kysely<Database>, endpoint: string): Promise<PjsipContactRow[]> {
  const rows = await db.selectFrom('pjsip_contacts').selectAll().where('endpoint_name', '=', endpoint).orderBy('id').execute();
  return rows.map((row) => ({ ...row, extra: parse<Record<string, string>>(row.extra) }));
}

export async function listRegistrations(db: Kysely<Database>): Promise<PjsipRegistrationRow[]> {
  const rows = await db.selectFrom('pjsip_registration_outbounds').selectAll().orderBy('object_name').execute();
  return rows.map((row) => ({ ...row, extra: parse<Record<string, string>>(row.extra) }));
}

export async function getRegistration(db: Kysely<Database>, name: string): Promise<PjsipRegistrationRow | undefined> {
  const row = await db.selectFrom('pjsip_registration_outbounds').selectAll().where('object_name', '=', name).executeTakeFirst();
  return row && { ...row, extra: parse<Record<string, string>>(row.extra) };
}
