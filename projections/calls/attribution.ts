import type { RecordedEvent } from '../../src/events/index.js';
import { field } from '../lib/ami-fields.js';
import { eventTime } from '../lib/event-time.js';
import { updateCall } from './legs.js';
import { meaningful, withItem, type PendingRow, type Work } from './rows.js';

/**
 * Which API commands and which dialer dialing a call belongs to: commands by their `targets`, the dialer's
 * `dialing-<uuid>` events by that uuid (the originated channel's id). What names a channel not seen yet waits
 * in `call_pending` until its Newchannel (legs.ts adopts it).
 */

/** Fields of the dialer's `dialing-<uuid>` events that name the campaign (catalog 50-outbound: `uuid_camp`). */
const dialingCampaignFields = ['uuid_camp', 'camp_uuid', 'campaign_uuid', 'dialing_camp_uuid'] as const;

function callOf(work: Work, ids: { readonly linkedId?: string; readonly uniqueId?: string }): string | undefined {
  if (ids.linkedId !== undefined && work.get('calls', ids.linkedId)) return ids.linkedId;
  if (ids.uniqueId !== undefined) return work.get('call_legs', ids.uniqueId)?.linked_id;
  return undefined;
}

function pendingFor(work: Work, uniqueId: string, time: string): PendingRow {
  return work.get('call_pending', uniqueId) ?? { unique_id: uniqueId, command_ids: [], campaign_uuid: null, dialing_uuid: null, tm_update: time };
}

export function onCommandRequested(work: Work, event: RecordedEvent): void {
  // Only a command's request names what it acts on; its outcome events add nothing here.
  if (!event.type.endsWith('Requested')) return;
  const time = eventTime(event);
  const { data } = event;
  const commandId = field(data, 'command_id');
  const targets = typeof data.targets === 'object' && data.targets !== null ? (data.targets as Record<string, unknown>) : {};
  const linkedId = field(targets, 'linked_id');
  const uniqueId = field(targets, 'unique_id');
  if (commandId === undefined || (linkedId === undefined && uniqueId === undefined)) return;
  // The dialer's originate and hangup name the campaign and dialing they act for.
  const campaign = field(targets, 'campaign_uuid') ?? null;
  const dialing = field(targets, 'dialing_uuid') ?? null;
  const call = callOf(work, { linkedId, uniqueId });
  if (call === undefined) {
    // Not seen yet: an originate names the channel it is about to create (ChannelId = unique id = linked id).
    const key = uniqueId ?? linkedId!;
    const pending = pendingFor(work, key, time);
    work.put('call_pending', key, {
      ...pending,
      command_ids: withItem(pending.command_ids, commandId),
      campaign_uuid: pending.campaign_uuid ?? campaign,
      dialing_uuid: pending.dialing_uuid ?? dialing,
      tm_update: time,
    });
    return;
  }
  updateCall(
    work,
    call,
    (row) => ({ command_ids: withItem(row.command_ids, commandId), campaign_uuid: row.campaign_uuid ?? campaign, dialing_uuid: row.dialing_uuid ?? dialing }),
    time,
  );
  const commandType = field(data, 'command_type') ?? event.type.replace(/Requested$/, '');
  const live = work.get('calls_live', call);
  if (live && uniqueId !== undefined && commandType.endsWith('Hangup')) {
    work.put('calls_live', call, { ...live, api_hangup: { command_id: commandId, username: field(data, 'username') ?? '', unique_id: uniqueId } });
  }
}

/** The dialer's `dialing-<uuid>` events: the uuid is the originated channel's id, and they name the campaign. */
export function onDialingEvent(work: Work, event: RecordedEvent): void {
  const time = eventTime(event);
  const dialingUuid = event.stream.slice('dialing-'.length);
  const campaign = dialingCampaignFields.map((name) => field(event.data, name)).find(meaningful);
  if (campaign === undefined) return;
  const call = callOf(work, { linkedId: dialingUuid, uniqueId: dialingUuid });
  if (call !== undefined) {
    updateCall(work, call, (row) => ({ campaign_uuid: row.campaign_uuid ?? campaign, dialing_uuid: row.dialing_uuid ?? dialingUuid }), time);
    return;
  }
  const pending = pendingFor(work, dialingUuid, time);
  if (pending.campaign_uuid === campaign && pending.dialing_uuid === dialingUuid) return;
  work.put('call_pending', dialingUuid, { ...pending, campaign_uuid: campaign, dialing_uuid: dialingUuid, tm_update: time });
}
