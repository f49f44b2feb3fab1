import { listDialings } from '../../../projections/ob-dialings.js';
import { listDialingDls } from '../../../projections/ob-dls.js';
import { obEventTypes, obStreams, streams } from '../../events/index.js';
import { parseTimestamp } from '../../events/time.js';
import { dialingStatus, type DialingObject } from '../resources/index.js';
import { resDialDetail, resHangupText } from './codes.js';
import { evolveDialing } from './dialing.js';
import type { LiveDialing } from './live.js';
import { observe, outcome } from './observe.js';
import { dialerActor, type DialerRuntime } from './runtime.js';
import type { DialingTracker } from './tracking.js';

/**
 * Crash recovery: everything the dialer holds in memory is rebuilt on start from the read models and the
 * streams, so a crash loses nothing: dialings in flight are followed again, those whose Originate was never
 * sent are finalised, a half-done finalisation is completed, and an Originate whose answer never came is in doubt.
 */

/** Rebuilds the live dialings from the read models and the log, and completes what a crash interrupted. */
export async function recoverDialings(runtime: DialerRuntime, tracker: DialingTracker): Promise<void> {
  const { options, live: dialings } = runtime;
  const { db, store } = options;
  // A crash mid-write leaves a torn last line: cut it first, so it neither counts as written below
  // (its entry is still held: the record is written again, whole) nor swallows the next record.
  const torn = await options.resultFile.open();
  if (torn > 0) options.logger.warn({ path: options.resultFile.path, bytes: torn }, 'result file ended in a torn line; cut it, its record is rewritten from the log');
  for (const row of await listDialings(db)) {
    const events = await store.readStream(obStreams.dialing(row.uuid));
    const dialing = events.reduce<DialingObject | undefined>(evolveDialing, undefined);
    const last = events[events.length - 1];
    if (!dialing || !last || events.some((event) => event.type === obEventTypes.dialingEnded)) continue;
    const live = dialings.add(dialing, last.revision, Number((parseTimestamp(dialing.tm_create) ?? 0n) / 1_000_000n));
    const related = [...(await store.readStream(streams.call(dialing.uuid))), ...(await store.readStream(streams.command(dialing.action_id)))];
    for (const event of related.sort((a, b) => a.position - b.position)) live.obs = observe(live.obs, event, live.ids);
  }
  // Entries held by a dialing that is not live: its end was recorded but not carried through, or the
  // crash fell between taking the entry and creating the dialing (no dialing stream: no call was made).
  for (const dl of await listDialingDls(db)) {
    const dialingUuid = dl.dialing_uuid;
    if (dialingUuid === null || dialings.get(dialingUuid)) continue;
    const events = await store.readStream(obStreams.dialing(dialingUuid));
    const dialing = events.reduce<DialingObject | undefined>(evolveDialing, undefined);
    if (dialing === undefined) {
      await options.resources.endDlDialing(runtime.context(dialingUuid), {
        uuid: dl.uuid,
        dialing_uuid: dialingUuid,
        res_dial: 0,
        res_dial_detail: resDialDetail(0),
        res_hangup: 0,
        res_hangup_detail: resHangupText(0),
        now: runtime.nowTs(),
      });
    } else if (events.some((event) => event.type === obEventTypes.dialingEnded)) {
      await tracker.completeEnded(dialing, true);
    }
  }
  for (const live of dialings.all()) {
    // The Originate was never requested: the crash came right after the dialing was created.
    if (live.obs.sent === 'none') await tracker.finalise(live, { ...outcome(live.obs), status: dialingStatus.originateRequestFailed }, 'never_sent');
    else if (live.obs.sent === 'requested') await recordCrashDoubt(runtime, tracker, live);
    else await tracker.advance(live);
  }
}

/**
 * The crash fell between `OriginateRequested` and its outcome: the Originate may have been written. Its
 * outcome is `Unknown` (recorded now, on the command's own stream), so the dialing is in doubt like any other.
 */
async function recordCrashDoubt(runtime: DialerRuntime, tracker: DialingTracker, live: LiveDialing): Promise<void> {
  const commandId = live.dialing.action_id;
  const event = {
    type: 'OriginateUnknown',
    data: { command_id: commandId, error: 'Restarted', reason: 'jade stopped after the Originate was requested and before Asterisk answered', timed_out: false },
    metadata: { commandId, userId: dialerActor.uuid, correlationId: commandId },
  };
  try {
    const appended = await runtime.options.store.append(streams.command(commandId), [event], 0);
    live.obs = observe(live.obs, { ...event, position: appended.lastPosition }, live.ids);
  } catch (error) {
    // An outcome landed meanwhile (the stream moved on): it is read like any other.
    runtime.options.logger.warn({ err: error, dialing: live.dialing.uuid }, 'could not record the Originate outcome as Unknown');
  }
  await tracker.advance(live);
}
