import { campaignStatus } from '../resources/index.js';

/**
 * What the dialer does with one campaign on a tick (catalog 50-outbound §2.5-2.6, §4 step 9), as a pure
 * decision over what it observed. Clients set 0, 1, 2 and 30; the dialer sets the transitional states and
 * finishes them:
 * - 11 starting → 1 (or 0 when the campaign cannot start); 12 pausing → 2 (calls in progress continue);
 * - 10 stopping → 0 once none of its dialings is left; 30 stopping forcedly: hang them all up, then 0;
 * - 1 start: dial, unless a resource is missing (→ 10) or the list is done with `dl_end_handle` 1 (→ 10);
 * - with scheduling on (`sc_mode` 1), catalog §2.6: a started campaign whose window closes stops (10 → 0,
 *   0 once its dialings in flight have ended), whether or not the window opens again; a window that opens
 *   starts a stopped campaign (11 → 1), so a daily window resumes by itself, unless its last status change
 *   came after the window opened (a client stopped it inside this window). A client's pause is left alone;
 *   a campaign an earlier jade paused at a window's end (reason `schedule`) is resumed when it opens.
 * The final step of a transition carries the reason of its -ing step, so `dl_end` reaches 0 and triggers
 * `next_campaign`.
 */

export interface ScheduleView {
  /** The window is open now. */
  readonly open: boolean;
  /** The window opened after the campaign's last status change (or it never changed status). */
  readonly openedSinceLastChange: boolean;
}

export interface CampaignView {
  readonly status: number;
  /** The reason of the campaign's last status change, null when it never changed. */
  readonly lastReason: string | null;
  /** Its dialings not yet finalised. */
  readonly liveDialings: number;
  /** `campaignStartProblems`: why it cannot run (missing resources, dial_mode 0). */
  readonly problems: readonly string[];
  /** Set only with scheduling on. */
  readonly schedule?: ScheduleView;
  /** `dl_end_handle` of its plan (1 = stop at the end of the list). */
  readonly dlEndHandle: number;
  /** No entry is left to dial now or later (catalog §4 step 9), with no dialing of the campaign left. */
  readonly listEnded: boolean;
}

export type CampaignStep =
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number; readonly reason: string }
  | { readonly kind: 'dial' }
  | { readonly kind: 'hangup_all' };

/** Reasons the dialer records on `CampaignStatusChanged`. */
export const stepReasons = {
  schedule: 'schedule',
  scheduleEnd: 'schedule_end',
  dlEnd: 'dl_end',
  resourcesMissing: 'resources_missing',
  nextCampaign: 'next_campaign',
  forcedStop: 'stopped_forcedly',
} as const;

const none: CampaignStep = { kind: 'none' };
const to = (status: number, reason: string): CampaignStep => ({ kind: 'status', status, reason });

/** Was the last change the schedule's (a pause the schedule may undo)? */
const bySchedule = (reason: string | null): boolean => reason === stepReasons.schedule;

export function campaignStep(view: CampaignView): CampaignStep {
  const { status, schedule } = view;
  const reason = view.lastReason ?? 'dialer';
  if (schedule) {
    if (status === campaignStatus.stop && schedule.open && schedule.openedSinceLastChange) return to(campaignStatus.starting, stepReasons.schedule);
    if (status === campaignStatus.pause && schedule.open && bySchedule(view.lastReason)) return to(campaignStatus.starting, stepReasons.schedule);
    if ((status === campaignStatus.start || status === campaignStatus.starting) && !schedule.open) return to(campaignStatus.stopping, stepReasons.scheduleEnd);
  }
  switch (status) {
    case campaignStatus.starting:
      return view.problems.length > 0 ? to(campaignStatus.stop, stepReasons.resourcesMissing) : to(campaignStatus.start, reason);
    case campaignStatus.pausing:
      return to(campaignStatus.pause, reason);
    case campaignStatus.stopping:
      return view.liveDialings === 0 ? to(campaignStatus.stop, reason) : none;
    case campaignStatus.stoppingForcedly:
      return view.liveDialings === 0 ? to(campaignStatus.stop, stepReasons.forcedStop) : { kind: 'hangup_all' };
    case campaignStatus.start:
      if (view.problems.length > 0) return to(campaignStatus.stopping, stepReasons.resourcesMissing);
      if (view.listEnded && view.liveDialings === 0 && view.dlEndHandle === 1) return to(campaignStatus.stopping, stepReasons.dlEnd);
      return { kind: 'dial' };
    default:
      return none;
  }
}
