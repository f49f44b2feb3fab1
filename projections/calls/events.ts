import type { RecordedEvent } from '../../src/events/index.js';
import { streamPrefixes } from '../../src/events/index.js';
import { field, intField } from '../lib/ami-fields.js';
import { eventTime } from '../lib/event-time.js';
import { createLeg, decideHangup, legGone, updateCall, updateLeg } from './legs.js';
import { meaningful, withItem, type Party, type Time, type Work } from './rows.js';

/** A call's own AMI events (its `call-<Linkedid>` stream): legs come and go, and the call learns what happened in it. */

/** Channel variables the dialer (or a dialplan) may set to tag a call; upper-cased. */
const campaignVariables = new Set(['JADE_CAMPAIGN_UUID', 'CAMPAIGN_UUID', 'OB_CAMPAIGN_UUID', 'DIALING_CAMP_UUID', 'UUID_CAMP']);
const dialingVariables = new Set(['JADE_DIALING_UUID', 'DIALING_UUID', 'OB_DIALING_UUID']);

export function onCallEvent(work: Work, event: RecordedEvent): void {
  const linkedId = event.stream.slice(streamPrefixes.call.length);
  const { data } = event;
  const uniqueId = field(data, 'Uniqueid');
  // Most call events change nothing here: the event's time (a parse and a format) only when something does.
  let cached: string | undefined;
  const time = (): string => (cached ??= eventTime(event));
  switch (event.type) {
    case 'Newchannel':
      createLeg(work, linkedId, data, time());
      return;
    case 'Newstate':
      if (intField(data, 'ChannelState') === 6) {
        updateLeg(work, uniqueId, (leg) => ({ tm_answer: leg.tm_answer ?? time() }));
        updateCall(work, linkedId, (call) => ({ tm_answer: call.tm_answer ?? time() }), time);
      }
      break;
    case 'LocalBridge': {
      const one = work.get('call_legs', field(data, 'LocalOneUniqueid') ?? '');
      const two = work.get('call_legs', field(data, 'LocalTwoUniqueid') ?? '');
      if (!one || !two) return;
      // One Local channel, two halves: they share the party of the half that is the caller's, if any.
      const party: Party = one.party === 'caller' || two.party === 'caller' ? 'caller' : 'callee';
      updateLeg(work, one.unique_id, () => ({ local_peer: two.unique_id, party }));
      updateLeg(work, two.unique_id, () => ({ local_peer: one.unique_id, party }));
      return;
    }
    case 'BridgeEnter':
      updateLeg(work, uniqueId, () => ({ bridged: 1 }));
      break;
    case 'QueueCallerJoin': {
      const queue = field(data, 'Queue');
      if (queue !== undefined) updateCall(work, linkedId, (call) => ({ queues: withItem(call.queues, queue) }), time);
      break;
    }
    case 'AgentConnect': {
      const agent = field(data, 'MemberName') || field(data, 'Interface');
      if (agent) updateCall(work, linkedId, (call) => ({ agents: withItem(call.agents, agent) }), time);
      break;
    }
    case 'ParkedCall':
      updateCall(work, linkedId, () => ({ parked: 1 }), time);
      return;
    case 'VarSet': {
      const name = (field(data, 'Variable') ?? '').toUpperCase();
      const campaign = campaignVariables.has(name);
      if (!campaign && !dialingVariables.has(name)) break;
      const value = field(data, 'Value');
      if (!meaningful(value)) break;
      if (campaign) updateCall(work, linkedId, (call) => ({ campaign_uuid: call.campaign_uuid ?? value }), time);
      else updateCall(work, linkedId, (call) => ({ dialing_uuid: call.dialing_uuid ?? value }), time);
      break;
    }
    case 'DialBegin': {
      const dialString = field(data, 'DialString');
      if (meaningful(dialString)) updateCall(work, linkedId, (call) => (call.callee === '' ? { callee: dialString } : {}), time);
      return;
    }
    case 'HangupRequest':
    case 'SoftHangupRequest':
      decideHangup(work, linkedId, uniqueId, time);
      return;
    case 'Hangup':
      decideHangup(work, linkedId, uniqueId, time);
      updateLeg(work, uniqueId, () => ({
        tm_hangup: time(),
        hangup_cause: intField(data, 'Cause') ?? null,
        hangup_cause_desc: field(data, 'Cause-txt') ?? null,
      }));
      if (uniqueId !== undefined) legGone(work, linkedId, uniqueId, time());
      return;
    default:
      break;
  }
  trackCallerId(work, linkedId, uniqueId, data, time);
}

/** Caller id becomes known after Newchannel (an originate's CallerID shows from the first state change). */
function trackCallerId(work: Work, linkedId: string, uniqueId: string | undefined, data: Readonly<Record<string, unknown>>, time: Time): void {
  const num = field(data, 'CallerIDNum');
  if (uniqueId === undefined || !meaningful(num)) return;
  const leg = work.get('call_legs', uniqueId);
  if (!leg || leg.caller_id_num === num) return;
  updateLeg(work, uniqueId, () => ({ caller_id_num: num, caller_id_name: field(data, 'CallerIDName') ?? leg.caller_id_name }));
  if (uniqueId === linkedId) updateCall(work, linkedId, () => ({ caller: num }), time);
}

/** Finds the call a command or dialing id names: by linked id, else by a leg's unique id. */
