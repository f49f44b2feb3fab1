import type { AmiFields, RecordedEvent } from '../../src/events/index.js';
import { field, readSnapshot, snapshotAction, type Snapshot } from '../lib/ami-fields.js';
import { epochSeconds, eventTime } from '../lib/event-time.js';
import { reconcileList, upsertStamped } from '../lib/row-changes.js';
import { contactId, contactLists, listEntries, newContact } from './contacts.js';
import {
  aorConsumed,
  aorSpecs,
  authConsumed,
  authSpecs,
  contactConsumed,
  contactSpecs,
  contactStatusDetailConsumed,
  contactStatusDetailSpecs,
  endpointDetail,
  endpointDetailColumnSpecs,
  endpointListSpecs,
  extraFields,
  readAllColumns,
  readColumns,
  registrationConsumed,
  registrationSpecs,
} from './fields.js';
import type { Change, PjsipAorRow, PjsipAuthRow, PjsipContactRow, PjsipEndpointRow, PjsipRegistrationRow, State } from './rows.js';

/**
 * The `PJSIPShow*` snapshots after every (re)connect: each list is the whole truth of its kind (gone = delete).
 * `PJSIPShowEndpoint` (one endpoint's detail) only adds to what the lists said and never deletes.
 */

/** Items of a list snapshot that are of one event kind (a list may mix kinds: registrations come with their auths). */
function itemsOf(snapshot: Snapshot, event: string): readonly AmiFields[] {
  return (snapshot.items ?? []).filter((item) => item.Event === undefined || item.Event === event);
}

const objectName = (item: AmiFields): string | undefined => field(item, 'ObjectName');

export function emptyEndpoint(name: string): Omit<PjsipEndpointRow, 'tm_update'> {
  return { object_name: name, object_type: 'endpoint', transport: null, aors: null, auth: null, outbound_auth: null, contacts: null, device_state: null, active_channels: null, detail: {} };
}

function reconcileEndpoints(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'pjsip_endpoints', {
    items: itemsOf(snapshot, 'EndpointList'),
    itemKey: objectName,
    apply: (item, name) => {
      const base = state.get('pjsip_endpoints', name) ?? { ...emptyEndpoint(name), tm_update: time };
      const { tm_update: _, ...current } = base;
      return upsertStamped(state, 'pjsip_endpoints', name, { ...current, ...readColumns(item, endpointListSpecs) }, time);
    },
    rowKey: (row) => row.object_name,
  });
}

/** Endpoints naming `object` in one of their comma-separated `columns`: how an AOR or auth learns its endpoint before any detail. */
function endpointNaming(state: State, object: string, columns: readonly ('aors' | 'auth' | 'outbound_auth')[]): string | null {
  const endpoint = state.all('pjsip_endpoints').find((row) => columns.some((column) => listEntries(row[column]).includes(object)));
  return endpoint?.object_name ?? null;
}

type Listed<Row> = Omit<Row, 'tm_update' | 'object_name' | 'extra'>;

function aorRow(state: State, item: AmiFields, name: string): Omit<PjsipAorRow, 'tm_update'> {
  const existing = state.get('pjsip_aors', name);
  const columns = readAllColumns(item, aorSpecs) as Listed<PjsipAorRow>;
  // AorList reports the contacts but not their counts (AorDetail does): count them.
  const count = listEntries(columns.contacts).length;
  return {
    ...columns,
    object_type: columns.object_type ?? 'aor',
    object_name: name,
    endpoint_name: columns.endpoint_name ?? existing?.endpoint_name ?? endpointNaming(state, name, ['aors']),
    contacts_registered: columns.contacts_registered ?? count,
    total_contacts: columns.total_contacts ?? count,
    extra: extraFields(item, aorConsumed),
  };
}

function authRow(state: State, item: AmiFields, name: string): Omit<PjsipAuthRow, 'tm_update'> {
  const existing = state.get('pjsip_auths', name);
  const columns = readAllColumns(item, authSpecs) as Listed<PjsipAuthRow>;
  return {
    ...columns,
    object_type: columns.object_type ?? 'auth',
    object_name: name,
    endpoint_name: columns.endpoint_name ?? existing?.endpoint_name ?? endpointNaming(state, name, ['auth', 'outbound_auth']),
    extra: extraFields(item, authConsumed),
  };
}

function contactRow(item: AmiFields, id: string): Omit<PjsipContactRow, 'tm_update'> {
  const columns = readAllColumns(item, contactSpecs) as Omit<PjsipContactRow, 'tm_update' | 'id' | 'extra'>;
  const address = field(item, 'ViaAddr');
  const port = field(item, 'ViaPort');
  const semicolon = id.indexOf(';@');
  return {
    ...columns,
    id,
    uri: columns.uri ?? '',
    aor: field(item, 'Aor') ?? (semicolon >= 0 ? id.slice(0, semicolon) : id),
    status: columns.status ?? 'Unknown',
    via_address: address === undefined || address === '' ? null : port === undefined || port === '' ? address : `${address}:${port}`,
    extra: extraFields(item, contactConsumed),
  };
}

function registrationRow(state: State, item: AmiFields, name: string, time: string): Omit<PjsipRegistrationRow, 'tm_update'> {
  const existing = state.get('pjsip_registration_outbounds', name);
  const columns = readAllColumns(item, registrationSpecs) as Omit<Listed<PjsipRegistrationRow>, 'registration_time'>;
  const registered = columns.status === 'Registered';
  return {
    ...columns,
    object_type: columns.object_type ?? 'registration',
    object_name: name,
    // Asterisk does not say when it registered: keep the time jade saw it, or "now" for one first seen registered.
    registration_time: registered ? (existing?.registration_time ?? epochSeconds(time)) : (existing?.registration_time ?? null),
    extra: extraFields(item, registrationConsumed),
  };
}

/** AorList, AuthList, ContactList, OutboundRegistrationDetail: each the whole truth of its table. */
function reconcileAors(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'pjsip_aors', {
    items: itemsOf(snapshot, 'AorList'),
    itemKey: objectName,
    apply: (item, name) => upsertStamped(state, 'pjsip_aors', name, aorRow(state, item, name), time),
    rowKey: (row) => row.object_name,
  });
}

function reconcileAuths(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'pjsip_auths', {
    items: itemsOf(snapshot, 'AuthList'),
    itemKey: objectName,
    apply: (item, name) => upsertStamped(state, 'pjsip_auths', name, authRow(state, item, name), time),
    rowKey: (row) => row.object_name,
  });
}

function reconcileContacts(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'pjsip_contacts', {
    items: itemsOf(snapshot, 'ContactList'),
    itemKey: objectName,
    apply: (item, id) => upsertStamped(state, 'pjsip_contacts', id, contactRow(item, id), time),
    rowKey: (row) => row.id,
  });
}

function reconcileRegistrations(state: State, snapshot: Snapshot, time: string): Change[] {
  if (snapshot.items === undefined) return [];
  return reconcileList(state, 'pjsip_registration_outbounds', {
    // The action also answers with the registrations' AuthDetail items: only the registrations count here.
    items: snapshot.items.filter((item) => item.Event === 'OutboundRegistrationDetail'),
    itemKey: objectName,
    apply: (item, name) => upsertStamped(state, 'pjsip_registration_outbounds', name, registrationRow(state, item, name, time), time),
    rowKey: (row) => row.object_name,
  });
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
    : newContact(id, uri, aorName);
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
  return [...upsertStamped(state, 'pjsip_contacts', id, next, time), ...(existing ? [] : contactLists(state, aorName, endpointName, uri, true, time))];
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
  const changes = upsertStamped(state, 'pjsip_endpoints', name, { ...current, ...readColumns(detail, endpointDetailColumnSpecs), detail: endpointDetail(detail) }, time);
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
      changes.push(...upsertStamped(state, 'pjsip_aors', objectName, { ...stored, ...columns, extra: { ...stored.extra, ...extraFields(item, aorConsumed) } }, time));
    } else if (item.Event === 'AuthDetail') {
      const auth = state.get('pjsip_auths', objectName);
      if (!auth) continue;
      const { tm_update: _t, ...stored } = auth;
      changes.push(...upsertStamped(state, 'pjsip_auths', objectName, { ...stored, endpoint_name: endpointName }, time));
    }
  }
  return changes;
}

/** An `AmiSnapshot` of one of the PJSIP list actions (or one endpoint's detail). */
export function onPjsipSnapshot(state: State, event: RecordedEvent): Change[] {
  const snapshot = readSnapshot(event);
  if (!snapshot) return [];
  const time = eventTime(event);
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
