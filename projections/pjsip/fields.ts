import type { AmiFields } from '../../src/events/index.js';
import { headersOf, readFields, type FieldTable, type ReadOptions } from '../lib/field-table.js';
import type { PjsipAorRow, PjsipAuthRow, PjsipContactRow, PjsipEndpointRow, PjsipRegistrationRow, Value } from './rows.js';

/**
 * Field tables: manual name <- Asterisk 22 header. The manual's names are mapped explicitly per AMI header;
 * every other header Asterisk 22 reports is kept too, in snake_case (ARCHITECTURE.md "Legacy and manual
 * field names"), in `extra` (`detail` for endpoints).
 */

type Data = AmiFields | Readonly<Record<string, unknown>>;

/** AMI `yes`/`true`/`1`/`on` -> 1, anything else -> 0 (the manual's `authentication_qualify` is an integer). */
const yesIsOne = (text: string): number => (/^(yes|true|1|on)$/i.test(text.trim()) ? 1 : 0);

/** A header that is there but not a number blanks its column: a PJSIP item is the whole truth of its object. */
const asReported: ReadOptions = { unreadable: 'null' };

/** The mapped columns an item carries; absent headers are absent (a partial event must not blank a column). */
export const readColumns = <Row>(data: Data, table: FieldTable<Row>): Partial<Row> => readFields(data, table, asReported);

/** Every column of the table, null where the item lacks it: a snapshot item is the whole truth of its object. */
export const readAllColumns = <Row>(data: Data, table: FieldTable<Row>): Partial<Row> => readFields(data, table, { ...asReported, missing: 'null' });

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
export function extraFields(data: Data, consumed: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(data)) {
    if (typeof value !== 'string' || consumed.has(header) || envelopeHeaders.has(header)) continue;
    out[snakeCase(header)] = value;
  }
  return out;
}

/** EndpointList (the summary of PJSIPShowEndpoints): its own header names for the same columns. */
export const endpointListSpecs: FieldTable<PjsipEndpointRow> = [
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
export const endpointDetailColumnSpecs: FieldTable<PjsipEndpointRow> = [
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
 * the EndpointDetail header that carries each in Asterisk 22. Types follow the manual's example: a number
 * where it shows one. `disallow` has no header in Asterisk 22 (its `allow` already says what is left).
 */
export const endpointDetailSpecs: FieldTable<Record<string, Value>> = [
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

export const aorSpecs: FieldTable<PjsipAorRow> = [
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
  ['qualify_timeout', 'QualifyTimeout', 'float'],
  ['remove_existing', 'RemoveExisting', 'string'],
  ['support_path', 'SupportPath', 'string'],
  ['voicemail_extension', 'VoicemailExtension', 'string'],
];

export const authSpecs: FieldTable<PjsipAuthRow> = [
  ['object_type', 'ObjectType', 'string'],
  ['username', 'Username', 'string'],
  ['auth_type', 'AuthType', 'string'],
  ['password', 'Password', 'string'],
  ['md5_cred', 'Md5Cred', 'string'],
  ['realm', 'Realm', 'string'],
  ['nonce_lifetime', 'NonceLifetime', 'int'],
  ['endpoint_name', 'EndpointName', 'string'],
];

export const contactSpecs: FieldTable<PjsipContactRow> = [
  ['call_id', 'CallId', 'string'],
  ['uri', 'Uri', 'string'],
  ['endpoint_name', 'Endpoint', 'string'],
  ['status', 'Status', 'string'],
  ['qualify_frequency', 'QualifyFrequency', 'int'],
  ['qualify_timout', 'QualifyTimeout', 'float'],
  ['authentication_qualify', 'AuthenticateQualify', yesIsOne],
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
export const contactStatusDetailSpecs: FieldTable<PjsipContactRow> = [
  ['call_id', 'CallID', 'string'],
  ['uri', 'URI', 'string'],
  ['endpoint_name', 'EndpointName', 'string'],
  ['status', 'Status', 'string'],
  ['qualify_frequency', 'QualifyFrequency', 'int'],
  ['qualify_timout', 'QualifyTimeout', 'float'],
  ['authentication_qualify', 'AuthenticateQualify', yesIsOne],
  ['outbound_proxy', 'OutboundProxy', 'string'],
  ['path', 'Path', 'string'],
  ['reg_expire', 'RegExpire', 'int'],
  ['round_trip_usec', 'RoundtripUsec', 'string'],
  ['user_agent', 'UserAgent', 'string'],
  ['via_address', 'ViaAddress', 'string'],
];

export const registrationSpecs: FieldTable<PjsipRegistrationRow> = [
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

export const aorConsumed = headersOf(aorSpecs, ['ObjectName']);
export const authConsumed = headersOf(authSpecs, ['ObjectName']);
// A contact has no object type in the manual (catalog 70 §2.5): `ObjectType: contact` is dropped, not kept as extra.
export const contactConsumed = headersOf(contactSpecs, ['ObjectName', 'ObjectType', 'ViaAddr', 'ViaPort', 'Aor']);
export const registrationConsumed = headersOf(registrationSpecs, ['ObjectName']);
export const contactStatusDetailConsumed = headersOf(contactStatusDetailSpecs, ['ID', 'AOR']);
export const endpointDetailConsumed = new Set([...headersOf(endpointDetailColumnSpecs), ...headersOf(endpointDetailSpecs, ['ObjectName'])]);

/** The EndpointDetail fields beyond the columns: the manual's by their mapped names, the rest in snake_case. */
export function endpointDetail(item: AmiFields): Record<string, Value> {
  return { ...extraFields(item, endpointDetailConsumed), ...(readColumns(item, endpointDetailSpecs) as Record<string, Value>) };
}
