import { query } from './actions.js';
import type { AmiAction } from './port.js';

/**
 * THE list of what jade asks Asterisk after every connect and reconnect. AMI has no event ids and no replay, so
 * whatever happened while the link was down is only known from these answers; each becomes one `AmiSnapshot`
 * event for projections to reconcile against (ARCHITECTURE.md "Events and streams").
 *
 * - `list`: an EventList action (`Response: Success` + `EventList: start`, items, `...Complete`);
 * - `response`: a plain action whose response headers are the state (`CoreStatus`);
 * - `command`: a CLI command whose output lines are the state (`module show`: modules come from AMI, never disk).
 *
 * `emptyWhen`: some actions answer an empty list with an error instead of an empty EventList (res_pjsip's
 * `No endpoints found`, `No AORs found`, ...). Such an answer is a snapshot with no items, not a failure:
 * a projection must be able to learn that the last endpoint is gone.
 */
export type SnapshotSpec =
  | { readonly kind: 'list'; readonly name: string; readonly action: AmiAction; readonly emptyWhen?: RegExp }
  | { readonly kind: 'response'; readonly name: string; readonly action: AmiAction }
  | { readonly kind: 'command'; readonly name: string; readonly command: string };

const noneFound = /^No .+ found/i;

const list = (action: string, emptyWhen?: RegExp): SnapshotSpec => ({ kind: 'list', name: action, action: query(action), emptyWhen });
const response = (action: string): SnapshotSpec => ({ kind: 'response', name: action, action: query(action) });
const command = (cli: string): SnapshotSpec => ({ kind: 'command', name: `Command: ${cli}`, command: cli });

/** In this order, one at a time; channels first because calls are what goes stale fastest. */
export const snapshotActions: readonly SnapshotSpec[] = [
  list('CoreShowChannels'),
  list('QueueStatus'),
  list('QueueSummary'),
  list('ParkedCalls'),
  list('Parkinglots'),
  list('DeviceStateList'),
  list('PJSIPShowEndpoints', noneFound),
  list('PJSIPShowAors', noneFound),
  list('PJSIPShowAuths', noneFound),
  list('PJSIPShowContacts', noneFound),
  list('PJSIPShowRegistrationsOutbound', noneFound),
  list('Agents'),
  list('VoicemailUsersList'),
  response('CoreStatus'),
  response('CoreSettings'),
  command('module show'),
];
