import type { RecordedEvent } from '../../src/events/index.js';
import { field } from '../lib/ami-fields.js';
import { epochSeconds, eventTime } from '../lib/event-time.js';
import { upsertStamped } from '../lib/row-changes.js';
import { contactId, contactLists, newContact } from './contacts.js';
import type { Change, PjsipContactRow, State } from './rows.js';

/**
 * Live PJSIP events between snapshots: `ContactStatus` (a contact registered, was removed, or changed
 * reachability), `DeviceStateChange` of `PJSIP/<endpoint>` (the endpoint's device state) and `Registry`
 * (an outbound registration's status).
 */

/** `ContactStatus` values that describe reachability; `Created`/`Updated`/`Removed` describe the contact's life. */
const reachability = new Set(['Reachable', 'Unreachable', 'NonQualified', 'Unknown']);

export function onContactStatus(state: State, event: RecordedEvent): Change[] {
  const time = eventTime(event);
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
    : { ...newContact(id, uri, aorName), endpoint_name: endpointName ?? null };
  const next = {
    ...base,
    ...(reachability.has(status) ? { status } : {}),
    ...(roundTrip === undefined ? {} : { round_trip_usec: roundTrip }),
  };
  return [...upsertStamped(state, 'pjsip_contacts', id, next, time), ...contactLists(state, aorName, endpointName, uri, true, time)];
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

export function onDeviceState(state: State, event: RecordedEvent): Change[] {
  const time = eventTime(event);
  const device = field(event.data, 'Device');
  const value = field(event.data, 'State');
  if (device === undefined || value === undefined || !device.startsWith('PJSIP/')) return [];
  const endpoint = state.get('pjsip_endpoints', device.slice('PJSIP/'.length));
  if (!endpoint) return [];
  const { tm_update: _, ...stored } = endpoint;
  return upsertStamped(state, 'pjsip_endpoints', endpoint.object_name, { ...stored, device_state: deviceStateText[value.toUpperCase()] ?? value }, time);
}

/** `Registry` names the registration by its URIs (Username = client URI, Domain = server URI), not by its object name. */
export function onRegistry(state: State, event: RecordedEvent): Change[] {
  const time = eventTime(event);
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
    changes.push(...upsertStamped(state, 'pjsip_registration_outbounds', row.object_name, { ...stored, status, registration_time }, time));
  }
  return changes;
}
