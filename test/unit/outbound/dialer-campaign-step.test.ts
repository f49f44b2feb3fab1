import { expect } from 'chai';
import { campaignStep, type CampaignView } from '../../../src/outbound/dialer/campaign-step.js';

const view = (fields: Partial<CampaignView>): CampaignView => ({
  status: 1,
  lastReason: 'request',
  liveDialings: 0,
  problems: [],
  dlEndHandle: 1,
  listEnded: false,
  ...fields,
});

describe('dialer campaign steps (catalog 50-outbound §2.5-2.6, §4 step 9)', () => {
  it('dials a started campaign that can run', () => {
    expect(campaignStep(view({}))).to.deep.equal({ kind: 'dial' });
  });

  it('stops (10, then 0 when its dialings are gone) a campaign that lost a resource', () => {
    expect(campaignStep(view({ problems: ['plan is not set'] }))).to.deep.equal({ kind: 'status', status: 10, reason: 'resources_missing' });
    expect(campaignStep(view({ status: 10, lastReason: 'resources_missing', liveDialings: 1 }))).to.deep.equal({ kind: 'none' });
    expect(campaignStep(view({ status: 10, lastReason: 'resources_missing' }))).to.deep.equal({ kind: 'status', status: 0, reason: 'resources_missing' });
  });

  it('stops at the end of the list with dl_end_handle 1, keeps running with 0, and the final 0 keeps the dl_end reason', () => {
    expect(campaignStep(view({ listEnded: true }))).to.deep.equal({ kind: 'status', status: 10, reason: 'dl_end' });
    expect(campaignStep(view({ listEnded: true, dlEndHandle: 0 }))).to.deep.equal({ kind: 'dial' });
    expect(campaignStep(view({ status: 10, lastReason: 'dl_end' }))).to.deep.equal({ kind: 'status', status: 0, reason: 'dl_end' });
  });

  it('finishes the transitional states: 11 → 1 (or 0 without resources), 12 → 2', () => {
    expect(campaignStep(view({ status: 11, lastReason: 'next_campaign' }))).to.deep.equal({ kind: 'status', status: 1, reason: 'next_campaign' });
    expect(campaignStep(view({ status: 11, problems: ['dlma is not set'] }))).to.deep.equal({ kind: 'status', status: 0, reason: 'resources_missing' });
    expect(campaignStep(view({ status: 12, lastReason: 'schedule', liveDialings: 3 }))).to.deep.equal({ kind: 'status', status: 2, reason: 'schedule' });
  });

  it('stopping forcedly hangs everything up first, then stops', () => {
    expect(campaignStep(view({ status: 30, liveDialings: 2 }))).to.deep.equal({ kind: 'hangup_all' });
    expect(campaignStep(view({ status: 30 }))).to.deep.equal({ kind: 'status', status: 0, reason: 'stopped_forcedly' });
  });

  it('leaves paused and stopped campaigns alone without a schedule', () => {
    expect(campaignStep(view({ status: 2 }))).to.deep.equal({ kind: 'none' });
    expect(campaignStep(view({ status: 0 }))).to.deep.equal({ kind: 'none' });
  });

  describe('with scheduling on', () => {
    const open = { open: true, openedSinceLastChange: true };
    it('starts a stopped campaign when its window opens, not one a client stopped inside the open window', () => {
      expect(campaignStep(view({ status: 0, lastReason: null, schedule: open }))).to.deep.equal({ kind: 'status', status: 11, reason: 'schedule' });
      expect(campaignStep(view({ status: 0, schedule: { ...open, openedSinceLastChange: false } }))).to.deep.equal({ kind: 'none' });
    });

    it('stops a started or starting campaign when its window closes (catalog §2.6: 10, then 0), whether or not the window reopens', () => {
      const closed = { open: false, openedSinceLastChange: false };
      expect(campaignStep(view({ status: 1, schedule: closed }))).to.deep.equal({ kind: 'status', status: 10, reason: 'schedule_end' });
      expect(campaignStep(view({ status: 11, schedule: closed }))).to.deep.equal({ kind: 'status', status: 10, reason: 'schedule_end' });
      expect(campaignStep(view({ status: 10, lastReason: 'schedule_end', liveDialings: 0, schedule: closed }))).to.deep.equal({ kind: 'status', status: 0, reason: 'schedule_end' });
      expect(campaignStep(view({ status: 10, lastReason: 'schedule_end', liveDialings: 2, schedule: closed })), 'its dialings in flight end first').to.deep.equal({ kind: 'none' });
    });

    it('starts a campaign the schedule stopped when its window opens again', () => {
      expect(campaignStep(view({ status: 0, lastReason: 'schedule_end', schedule: open }))).to.deep.equal({ kind: 'status', status: 11, reason: 'schedule' });
    });

    it('leaves a client’s pause alone when the window closes', () => {
      expect(campaignStep(view({ status: 2, lastReason: 'request', schedule: { open: false, openedSinceLastChange: false } }))).to.deep.equal({ kind: 'none' });
    });

    it('resumes what an earlier jade’s schedule paused, not what a client paused', () => {
      expect(campaignStep(view({ status: 2, lastReason: 'schedule', schedule: open }))).to.deep.equal({ kind: 'status', status: 11, reason: 'schedule' });
      expect(campaignStep(view({ status: 2, lastReason: 'request', schedule: open }))).to.deep.equal({ kind: 'none' });
    });
  });
});
