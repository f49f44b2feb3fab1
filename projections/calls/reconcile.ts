import type { RecordedEvent } from '../../src/events/index.js';
import { field, readSnapshot, snapshotAction } from '../lib/ami-fields.js';
import { eventTime, parseDuration, shiftTimestamp } from '../lib/event-time.js';
import type { ProjectionState } from '../lib/projection.js';
import { createLeg, legGone, updateLeg } from './legs.js';
import type { Tables, Work } from './rows.js';

/**
 * After a (re)connect Asterisk's channel list (CoreShowChannels) is the truth: legs it no longer has ended while
 * jade was away (their time is unknown: the snapshot's is used, cause null), and channels never seen start calls.
 * Reads `state` (the rows before this event) for what is listed and live; writes through `work`.
 */
export function onChannelsSnapshot(work: Work, event: RecordedEvent, state: ProjectionState<Tables>): void {
  const snapshot = readSnapshot(event);
  if (!snapshot || snapshotAction(snapshot) !== 'coreshowchannels' || snapshot.items === undefined) return;
  const time = eventTime(event);
  const listed = new Set<string>();
  for (const item of snapshot.items) {
    const uniqueId = field(item, 'Uniqueid');
    if (uniqueId === undefined) continue;
    listed.add(uniqueId);
    if (state.get('call_legs', uniqueId)) continue;
    const linkedId = field(item, 'Linkedid') ?? uniqueId;
    createLeg(work, linkedId, item, shiftTimestamp(time, -parseDuration(field(item, 'Duration'))) ?? time);
  }
  for (const live of state.all('calls_live')) {
    for (const uniqueId of live.live) {
      if (listed.has(uniqueId)) continue;
      updateLeg(work, uniqueId, (leg) => ({ tm_hangup: leg.tm_hangup ?? time }));
      legGone(work, live.linked_id, uniqueId, time);
    }
  }
}
