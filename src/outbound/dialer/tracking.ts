import { getChannel } from '../../../projections/channels.js';
import { executeCommand } from '../../commands/command.js';
import { obEventTypes, obStreams, type DialingEndedData, type DialingProgress, type RecordedEvent } from '../../events/index.js';
import { parseTimestamp } from '../../events/time.js';
import type { DialingObject, PlanObject } from '../resources/index.js';
import { evolveDialing, originateAction, progressChanges, progressOf } from './dialing.js';
import { hangupDialingChannel } from './hangup.js';
import type { LiveDialing } from './live.js';
import { isComplete, isInDoubt, isSettling, outcome, progress } from './observe.js';
import { resultRecord } from './result-file.js';
import { dialerActor, type DialerRuntime } from './runtime.js';

/**
 * Following the live dialings: what Asterisk's events change in each (recorded as `DialingUpdated`), the
 * audited Originate and Hangup sends, and the end of a dialing: by its outcome, by a timeout, or because a
 * channel snapshot no longer lists its channel.
 */

/** A dialing in doubt past its timeout asks for a channel snapshot at most this often. */
const DOUBT_SNAPSHOT_RETRY_MS = 30_000;

export class DialingTracker {
  /** Wall clock of the last channel snapshot asked for on behalf of dialings in doubt, per box (null: the first). */
  private readonly doubtSnapshotAtMs = new Map<string | null, number>();

  constructor(private readonly runtime: DialerRuntime) {}

  /** The live dialing an event is about: its call stream, its command stream, or an OriginateResponse naming it. */
  dialingOf(event: RecordedEvent): LiveDialing | undefined {
    const { live } = this.runtime;
    const { stream } = event;
    if (stream.startsWith('call-')) {
      const found = live.get(stream.slice(5));
      if (found) return found;
    } else if (stream.startsWith('command-')) {
      return live.byActionId(stream.slice(8));
    }
    if (event.type === 'OriginateResponse') {
      const actionId = event.data.ActionID;
      return typeof actionId === 'string' ? live.byActionId(actionId) : undefined;
    }
    return undefined;
  }

  /** Records what changed, or finalises a dialing whose outcome is complete. */
  async advance(live: LiveDialing): Promise<void> {
    if (live.ending) return;
    if (isComplete(live.obs, live.local)) {
      await this.finalise(live, outcome(live.obs), live.obs.sent === 'rejected' || live.obs.sent === 'failed' ? 'originate_failed' : 'hangup');
      return;
    }
    if (isSettling(live.obs) && live.settlingSinceMs === undefined) live.settlingSinceMs = this.runtime.clock();
    const current = progressOf(live.dialing);
    const changes = progressChanges(current, progress(live.obs, current));
    if (Object.keys(changes).length === 0) return;
    const data = { uuid: live.dialing.uuid, changes, source_position: live.obs.position, tm_update: this.runtime.nowTs() };
    await this.appendDialing(live, obEventTypes.dialingUpdated, data);
  }

  private async appendDialing(live: LiveDialing, type: string, data: object): Promise<void> {
    const event = { type, data: data as Record<string, unknown>, metadata: this.runtime.metadata(live.dialing.uuid) };
    const appended = await this.runtime.options.store.append(obStreams.dialing(live.dialing.uuid), [event], live.revision);
    live.revision = appended.nextExpectedRevision;
    live.dialing = evolveDialing(live.dialing, event) ?? live.dialing;
  }

  /**
   * Catalog §4 step 8, in an order a crash can resume: the dialing's end (the decision), its result line
   * (fsync'd), then the entry's release with the results. Recovery finds an ended dialing whose entry is
   * still held, writes the line if the file lacks it, and releases the entry.
   */
  async finalise(live: LiveDialing, final: DialingProgress, reason: string): Promise<void> {
    if (live.ending) return;
    live.ending = true;
    try {
      const now = this.runtime.nowTs();
      const ended: DialingEndedData = { uuid: live.dialing.uuid, ...final, reason, tm_update: now, tm_delete: now };
      await this.appendDialing(live, obEventTypes.dialingEnded, ended);
      await this.completeEnded(live.dialing, false);
      this.runtime.stats.finalised += 1;
    } catch (error) {
      this.runtime.options.logger.error({ err: error, dialing: live.dialing.uuid }, 'dialing finalisation failed; recovery completes it on restart');
    } finally {
      this.runtime.live.remove(live);
      this.runtime.wake();
    }
  }

  /** The steps after `DialingEnded`: the result line (unless recovery finds it written) and the entry's release. */
  async completeEnded(dialing: DialingObject, recovering: boolean): Promise<void> {
    const { resultFile, resources } = this.runtime.options;
    if (!recovering || !(await resultFile.contains(dialing.uuid))) await resultFile.append(resultRecord(dialing));
    await resources.endDlDialing(this.runtime.context(dialing.uuid), {
      uuid: dialing.uuid_dl_list,
      dialing_uuid: dialing.uuid,
      res_dial: dialing.res_dial,
      res_dial_detail: dialing.res_dial_detail,
      res_hangup: dialing.res_hangup,
      res_hangup_detail: dialing.res_hangup_detail,
      now: dialing.tm_update ?? this.runtime.nowTs(),
    });
  }

  /**
   * After a channel snapshot (a (re)connect to Asterisk, or jade's own restart): a dialing that reached
   * Asterisk, is old enough to have its channel, and whose channel Asterisk no longer lists ended while
   * jade could not hear it. Its outcome is what the log holds (an answered call stays answered).
   * A dialing in doubt is judged only by a snapshot taken after its `Unknown` outcome: its channel not listed
   * and never seen means the Originate made no call (`never_existed`), and the entry may be dialed again.
   * A box's snapshot judges only the dialings on that box: another box's channels are not in it.
   */
  async reconcileChannels(snapshot: RecordedEvent): Promise<void> {
    const { options, timings } = this.runtime;
    await options.readModels.waitForPosition(snapshot.position, timings.settleTimeoutMs).catch(() => undefined);
    const at = Number((parseTimestamp(snapshot.recordedAt) ?? BigInt(this.runtime.clock()) * 1_000_000n) / 1_000_000n);
    const now = this.runtime.nowTs();
    const snapshotBox = typeof snapshot.metadata?.node === 'string' ? snapshot.metadata.node : undefined;
    for (const live of this.runtime.live.all()) {
      const { obs } = live;
      if (live.ending || obs.mainHangup !== null) continue;
      const box = this.snapshotNode(live.dialing.node);
      if (box !== undefined && snapshotBox !== undefined && box !== snapshotBox) continue;
      const doubtSettled = obs.sent === 'in_doubt' && obs.doubtPosition !== null && snapshot.position > obs.doubtPosition;
      const reached = obs.channel !== null || obs.sent === 'queued' || obs.originate !== null || doubtSettled;
      if (!reached || live.createdAtMs > at - timings.snapshotGraceMs) continue;
      if (await getChannel(options.db, live.dialing.uuid, now)) continue;
      await this.finalise(live, outcome(obs), isInDoubt(obs) ? 'never_existed' : 'channel_gone');
    }
  }

  /**
   * Timeouts (catalog §4 step 8): no OriginateResponse long after `dial_timeout`; an end whose remaining events
   * never came. A dialing in doubt is not timed out: ending it would free its entry for a second call while the
   * first may be ringing. Past its timeout it asks for a channel snapshot instead (reconcileChannels decides).
   */
  async expireDialings(): Promise<void> {
    const { timings } = this.runtime;
    const now = this.runtime.clock();
    /** The boxes of dialings in doubt past their timeout (null: the first box). */
    const doubtBoxes = new Set<string | null>();
    for (const live of this.runtime.live.all()) {
      if (live.ending) continue;
      if (isInDoubt(live.obs)) {
        if (now - live.createdAtMs > live.dialing.dial_timeout + timings.originateGraceMs) doubtBoxes.add(live.dialing.node);
        continue;
      }
      if (live.settlingSinceMs !== undefined && now - live.settlingSinceMs > timings.hangupGraceMs) {
        await this.finalise(live, outcome(live.obs), 'hangup');
      } else if (live.obs.originate === null && now - live.createdAtMs > live.dialing.dial_timeout + timings.originateGraceMs) {
        if (live.obs.channel !== null && live.obs.mainHangup === null) this.sendHangup(live, 'timeout');
        await this.finalise(live, outcome(live.obs), 'timeout');
      }
    }
    for (const node of doubtBoxes) this.askChannelSnapshot(node, now);
  }

  /** A channel snapshot of the box whose dialings are in doubt (at most every DOUBT_SNAPSHOT_RETRY_MS per box). */
  private askChannelSnapshot(node: string | null, now: number): void {
    const request = this.runtime.options.requestChannelSnapshot;
    if (!request || !this.runtime.box(node).commands.ami.state().connected) return;
    const askedAt = this.doubtSnapshotAtMs.get(node);
    if (askedAt !== undefined && now - askedAt < DOUBT_SNAPSHOT_RETRY_MS) return;
    this.doubtSnapshotAtMs.set(node, now);
    this.runtime.track(request(this.snapshotNode(node)));
  }

  /** The configured name of a dialing's box: its own, or the first box's for null; undefined when no names are known. */
  private snapshotNode(node: string | null): string | undefined {
    return node ?? this.runtime.options.commands.nodes?.names[0];
  }

  /** The audited Originate; its outcome events come back through the subscription. */
  async originate(live: LiveDialing, plan: PlanObject): Promise<void> {
    const { dialing } = live;
    // Over the campaign's box (recorded on the dialing); one no longer configured is Rejected like a box that is down.
    const box = this.runtime.box(dialing.node);
    await executeCommand(box.commands, {
      type: 'Originate',
      actor: dialerActor,
      commandId: dialing.action_id,
      request: { dialing_uuid: dialing.uuid, campaign_uuid: dialing.uuid_camp, channel: dialing.dial_channel, dial_index: dialing.dial_index, dial_trycnt: dialing.dial_trycnt },
      targets: { unique_id: dialing.uuid, dialing_uuid: dialing.uuid, campaign_uuid: dialing.uuid_camp, ...box.target },
      act: async () => ({ response: await box.commands.ami.action(originateAction(dialing, plan)), result: { unique_id: dialing.uuid, dialing_uuid: dialing.uuid } }),
    });
  }

  /** An audited Hangup of a dialing's channel (forced stop, deleted entry, timeout). */
  sendHangup(live: LiveDialing, why: string): void {
    live.hangupSentAtMs = this.runtime.clock();
    this.runtime.track(hangupDialingChannel(this.runtime.options.commands, dialerActor, live.dialing, live.obs.channel, why));
  }
}
