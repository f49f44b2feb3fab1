import type { DialingObject } from '../resources/index.js';
import { otherChannelIdOf } from './dialing.js';
import { emptyObservation, isLocalChannel, type DialingIds, type Observation } from './observe.js';

/**
 * The dialer's in-process view of its dialings not yet finished: the recorded dialing (the fold of its
 * stream, and the revision the next append expects), what Asterisk said about it so far, and timers.
 * Rebuilt from the read models and the log on start (recovery), so losing it loses nothing.
 */
export interface LiveDialing {
  dialing: DialingObject;
  /** Revision of the last event of `dialing-<uuid>`. */
  revision: number;
  readonly ids: DialingIds;
  readonly local: boolean;
  obs: Observation;
  /** Wall clock (ms) the dialing was created: its timeout counts from here. */
  readonly createdAtMs: number;
  /** Wall clock when the end began (the dialed channel's Hangup, or a failed OriginateResponse): the rest must arrive within the grace. */
  settlingSinceMs: number | undefined;
  /** Wall clock of the last Hangup the dialer sent for it (forced stop, deleted entry, timeout). */
  hangupSentAtMs: number | undefined;
  /** Finalisation started: no more updates. */
  ending: boolean;
}

export class LiveDialings {
  private readonly byUuid = new Map<string, LiveDialing>();
  private readonly byAction = new Map<string, LiveDialing>();
  private readonly perCampaign = new Map<string, number>();

  add(dialing: DialingObject, revision: number, createdAtMs: number): LiveDialing {
    const otherId = otherChannelIdOf(dialing);
    const live: LiveDialing = {
      dialing,
      revision,
      ids: { uuid: dialing.uuid, actionId: dialing.action_id, ...(otherId === undefined ? {} : { otherId }) },
      local: isLocalChannel(dialing.dial_channel),
      obs: emptyObservation,
      createdAtMs,
      settlingSinceMs: undefined,
      hangupSentAtMs: undefined,
      ending: false,
    };
    this.byUuid.set(dialing.uuid, live);
    this.byAction.set(dialing.action_id, live);
    this.perCampaign.set(dialing.uuid_camp, (this.perCampaign.get(dialing.uuid_camp) ?? 0) + 1);
    return live;
  }

  remove(live: LiveDialing): void {
    if (this.byUuid.get(live.dialing.uuid) !== live) return;
    this.byUuid.delete(live.dialing.uuid);
    this.byAction.delete(live.dialing.action_id);
    const count = (this.perCampaign.get(live.dialing.uuid_camp) ?? 1) - 1;
    if (count > 0) this.perCampaign.set(live.dialing.uuid_camp, count);
    else this.perCampaign.delete(live.dialing.uuid_camp);
  }

  get(uuid: string): LiveDialing | undefined {
    return this.byUuid.get(uuid);
  }

  byActionId(actionId: string): LiveDialing | undefined {
    return this.byAction.get(actionId);
  }

  /** The pacing formula's "current outbound call count" (catalog §3). */
  countFor(campaignUuid: string): number {
    return this.perCampaign.get(campaignUuid) ?? 0;
  }

  ofCampaign(campaignUuid: string): LiveDialing[] {
    return [...this.byUuid.values()].filter((live) => live.dialing.uuid_camp === campaignUuid);
  }

  all(): LiveDialing[] {
    return [...this.byUuid.values()];
  }

  get size(): number {
    return this.byUuid.size;
  }
}
