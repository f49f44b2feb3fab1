import { defineProjection } from '../lib/projection.js';
import { onContactStatus, onDeviceState, onRegistry } from './events.js';
import { onPjsipSnapshot } from './reconcile.js';
import { aorJson, authJson, contactJson, endpointJson, registrationJson, type Tables } from './rows.js';
import { nodeScoped } from '../lib/node-scope.js';

/**
 * PJSIP live state (catalog 70 §2, 20-admin "PJSIP"; legacy `/peers` and `/registries` answer from it):
 * endpoints, AORs, auths, contacts and outbound registrations.
 *
 * Sources: the `PJSIPShow*` snapshots after every (re)connect are the whole truth of each kind (gone =
 * delete; reconcile.ts). Between them the live events of events.ts. `PJSIPShowEndpoint` snapshots (one per
 * endpoint, taken by src/ami/pjsip-refresh.ts) add the endpoint's full configuration (`EndpointDetail`) and
 * the endpoint names of its AOR and auths; they never delete anything.
 *
 * Field names (fields.ts): the manual's names are mapped explicitly per AMI header; every other header
 * Asterisk 22 reports is kept too, in snake_case, in `extra` (`detail` for endpoints) and merged into the
 * object at read time (queries.ts).
 */
const ownProjection = defineProjection<Tables, 'pjsip'>({
  name: 'pjsip',
  // 2: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 2,
  tables: {
    pjsip_endpoints: { key: 'object_name', json: endpointJson.names },
    pjsip_aors: { key: 'object_name', json: aorJson.names },
    pjsip_auths: { key: 'object_name', json: authJson.names },
    pjsip_contacts: { key: 'id', json: contactJson.names },
    pjsip_registration_outbounds: { key: 'object_name', json: registrationJson.names },
  },
  handles: {
    AmiSnapshot: onPjsipSnapshot,
    ContactStatus: onContactStatus,
    DeviceStateChange: onDeviceState,
    Registry: onRegistry,
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const pjsipProjection = nodeScoped(ownProjection);

export { contactId } from './contacts.js';
export { manualEndpointFields, snakeCase } from './fields.js';
export * from './queries.js';
export type {
  PjsipAorRow,
  PjsipAorsTable,
  PjsipAuthRow,
  PjsipAuthsTable,
  PjsipContactRow,
  PjsipContactsTable,
  PjsipEndpointRow,
  PjsipEndpointsTable,
  PjsipRegistrationRow,
  PjsipRegistrationsTable,
} from './rows.js';
