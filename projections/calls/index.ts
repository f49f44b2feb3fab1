import type { RecordedEvent } from '../../src/events/index.js';
import { streamPrefixes } from '../../src/events/index.js';
import { defineProjection, type EventHandler, type ProjectionState } from '../lib/projection.js';
import { WorkingSet } from '../lib/working-set.js';
import { onCommandRequested, onDialingEvent } from './attribution.js';
import { onCallEvent } from './events.js';
import { onChannelsSnapshot } from './reconcile.js';
import { callJson, liveCallJson, pendingJson, type Tables, type Work } from './rows.js';


/**
 * Call history (`/calls`): one row per call, that is per Asterisk linked id, kept forever.
 * A call's AMI events are all in its `call-<Linkedid>` stream (ARCHITECTURE.md "Events and streams"),
 * so the stream name gives the call even for events that spell the id differently.
 *
 * Who hung up: every leg belongs to a party. The call's first channel (unique id = linked id) is the
 * caller, and so is its Local-channel other half (`LocalBridge`); every other leg is the callee side.
 * The first hangup request (HangupRequest, SoftHangupRequest or Hangup) decides, counting a callee leg
 * only once it (or its Local other half) has been bridged: losing queue members and ringing legs are
 * hung up by Asterisk, not by anyone in the call. A hangup command of the API (`*Hangup` command types,
 * whose `Requested` event is in the log before Asterisk acts) makes it `api`. For an originated call the
 * "caller" is the channel Asterisk dialed first (the originate's `Channel`): for a dialer call, the customer.
 * Known limit: a pending API hangup whose command then failed is not cleared (the channel it named was
 * usually gone already); an originate whose channel is never created leaves its `call_pending` row.
 *
 * Commands join a call by their `targets` (linked_id, or unique_id through the legs). An originate names
 * its channel's unique id before the channel exists (ChannelId), so what arrives for a channel not yet
 * seen waits in `call_pending` until its Newchannel. The dialer's dialing uuid is that same ChannelId.
 */

/** A handler that writes through one working set: several rows of several tables per event, one change each. */
const throughWorkingSet =
  (handler: (work: Work, event: RecordedEvent, state: ProjectionState<Tables>) => void): EventHandler<Tables> =>
  (state, event) => {
    const work = new WorkingSet<Tables>(state);
    handler(work, event, state);
    return work.changes();
  };

export const callsProjection = defineProjection<Tables, 'calls'>({
  name: 'calls',
  version: 2,
  tables: {
    calls: { key: 'linked_id', json: callJson.names },
    call_legs: { key: 'unique_id' },
    calls_live: { key: 'linked_id', json: liveCallJson.names },
    call_pending: { key: 'unique_id', json: pendingJson.names },
  },
  handles: { AmiSnapshot: throughWorkingSet(onChannelsSnapshot) },
  // Open-ended families: whatever Asterisk reports about a call; `<Type>Requested` of every command type; the dialer's dialings.
  handlesStreams: {
    [streamPrefixes.call]: throughWorkingSet(onCallEvent),
    [streamPrefixes.command]: throughWorkingSet(onCommandRequested),
    'dialing-': throughWorkingSet(onDialingEvent),
  },
});

export * from './queries.js';
export type { CallLegRow, CallLegsTable, CallPendingTable, CallRow, CallsLiveTable, CallsTable, HangupBy, LiveCallRow, Party, PendingRow } from './rows.js';
