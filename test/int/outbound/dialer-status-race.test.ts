import { expect } from 'chai';
import { getCampaign } from '../../../projections/ob-campaigns.js';
import { obEventTypes, obStreams } from '../../../src/events/index.js';
import type { EventStore } from '../../../src/eventstore/port.js';
import { campaignStatus } from '../../../src/outbound/resources/index.js';
import { dialerHarness, type DialerHarness } from './dialer-harness.js';

/**
 * A client's status request recorded while the dialer is deciding a status change of the same campaign
 * (after the dialer read the campaign, before its append) wins: the dialer's change, decided from the state
 * before the request, is not recorded over it, and the next tick decides again from the new state.
 * The interleaving is forced: the dialer's commands append through a store that runs the client's request
 * just ahead of the dialer's first append to the campaign's stream.
 */

describe('the dialer’s campaign status change against a client’s request recorded meanwhile', function () {
  this.timeout(20_000);
  let h: DialerHarness;
  let campaign = '';
  /** The client's request to put between the dialer's read and its append; cleared once it ran. */
  let request: (() => Promise<unknown>) | undefined;

  const interleaving = (store: EventStore): EventStore =>
    new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'append') {
          return async (...args: Parameters<EventStore['append']>) => {
            const before = request;
            if (before && args[0] === obStreams.campaign(campaign)) {
              request = undefined;
              await before();
            }
            return target.append(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });

  /** The campaign's status changes in log order, as `status:reason`. */
  const history = async (): Promise<string[]> =>
    (await h.store.readStream(obStreams.campaign(campaign)))
      .filter((event) => event.type === obEventTypes.campaignStatusChanged)
      .map((event) => `${String(event.data.status)}:${String(event.data.reason)}`);
  const status = async (): Promise<number | undefined> => (await getCampaign(h.readModels.db, campaign))?.status;

  beforeEach(async () => {
    h = await dialerHarness({}, interleaving);
    request = undefined;
    // A running campaign with an empty list (dl_end_handle 1): its next tick decides 1 → 10 (dl_end).
    const plan = await h.resources.plans.create(h.ctx, { tech_name: 'Local', trunk_name: 'customers', dial_mode: 1 });
    const dest = await h.resources.destinations.create(h.ctx, { type: 1, application: 'park' });
    const dlma = await h.resources.dlmas.create(h.ctx, { name: 'empty list' });
    campaign = (await h.resources.campaigns.create(h.ctx, { plan: plan.uuid, dest: dest.uuid, dlma: dlma.uuid, status: 1 })).uuid;
  });
  afterEach(async () => {
    await h.close();
  });

  it('keeps a pause requested between the dialer’s read and its append of a stop at the end of the list', async () => {
    request = () => h.resources.campaigns.update(h.ctx, campaign, { status: campaignStatus.pause });
    await h.step();
    expect(request, 'the request ran between the dialer’s decision and its append').to.equal(undefined);
    expect(await history()).to.deep.equal(['1:request', '2:request']);
    expect(await status()).to.equal(campaignStatus.pause);
    // The next ticks decide from the paused campaign: nothing to do.
    await h.step();
    await h.step();
    expect(await history()).to.deep.equal(['1:request', '2:request']);
  });

  it('keeps a stop requested meanwhile, so the campaign can be deleted right after', async () => {
    request = () => h.resources.campaigns.update(h.ctx, campaign, { status: campaignStatus.stop });
    await h.step();
    await h.step();
    expect(await history()).to.deep.equal(['1:request', '0:request']);
    expect(await status()).to.equal(campaignStatus.stop);
    const deleted = await h.resources.campaigns.delete(h.ctx, campaign, {});
    expect(deleted.in_use).to.equal(0);
  });

  it('decides again from the client’s change: a campaign started again meanwhile stops at the end of its list on the next tick', async () => {
    request = async () => {
      await h.resources.campaigns.update(h.ctx, campaign, { status: campaignStatus.pause });
      await h.resources.campaigns.update(h.ctx, campaign, { status: campaignStatus.start });
    };
    await h.step();
    expect(request, 'the requests ran between the dialer’s decision and its append').to.equal(undefined);
    await h.step();
    await h.step();
    expect(await history()).to.deep.equal(['1:request', '2:request', '1:request', '10:dl_end', '0:dl_end']);
    expect(await status()).to.equal(campaignStatus.stop);
  });
});
