import { expect } from 'chai';
import { obCampaignsProjection } from '../../../projections/ob-campaigns.js';
import { obDlsProjection } from '../../../projections/ob-dls.js';
import { obPlansProjection } from '../../../projections/ob-plans.js';
import {
  decideCampaignClearReference,
  decideCampaignCreate,
  decideDlCreate,
  decideDlDialingEnd,
  decideDlDialingStart,
  decideDlmaCreate,
  decidePlanCreate,
  decidePlanDelete,
  decidePlanUpdate,
  evolveCampaign,
  evolveDl,
  evolveDlma,
  evolvePlan,
  type ObEvent,
} from '../../../src/outbound/resources/index.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { realtimeTable, toRealtimeEvent } from '../../../src/realtime/event-table.js';
import type { ReadModelChange } from '../../../src/readmodels/index.js';
import { LogBuilder } from './support/events.js';

const PLAN = '11111111-1111-4111-8111-111111111111';
const DLMA = '33333333-3333-4333-8333-333333333333';
const DL = '44444444-4444-4444-8444-444444444444';
const CAMP = '55555555-5555-4555-8555-555555555555';
const DIALING = '77777777-7777-4777-8777-777777777777';
const T0 = '2026-01-01T00:00:00.000000000Z';
const T1 = '2026-01-01T00:01:00.000000000Z';
const T2 = '2026-01-01T00:02:00.000000000Z';

function log(...batches: readonly (readonly ObEvent[])[]): LogBuilder {
  const builder = new LogBuilder();
  for (const event of batches.flat()) builder.add(event.type, event.data as Record<string, unknown>, { userId: 'u1', commandId: 'c1' });
  return builder;
}

describe('outbound projections', () => {
  const created = decidePlanCreate(undefined, { uuid: PLAN, fields: { name: 'p', dial_mode: 1 }, now: T0 });
  const plan = created.reduce(evolvePlan, undefined);
  const updated = decidePlanUpdate(plan, { uuid: PLAN, changes: { name: 'update plan name' }, now: T1 });
  const deleted = decidePlanDelete(updated.reduce(evolvePlan, plan), { uuid: PLAN, force: false, campaigns: [], now: T2 });

  it('holds the object a plan stream folds to: create, then update', () => {
    const projection = new MemoryProjection(obPlansProjection);
    const changes = projection.apply(log(created, updated).all());
    expect(changes.map((change) => change.op)).to.deep.equal(['create', 'update']);
    expect(projection.row('ob_plans', PLAN)).to.deep.equal(updated.reduce(evolvePlan, plan));
    expect(projection.row('ob_plans', PLAN)).to.include({ name: 'update plan name', tm_update: T1, in_use: 1 });
  });

  it('removes a soft-deleted plan, announcing its last state (in_use 0, tm_delete) as a delete', () => {
    const projection = new MemoryProjection(obPlansProjection);
    const changes = projection.apply(log(created, updated, deleted).all());
    const last = changes[changes.length - 1]!;
    expect(last).to.deep.include({ table: 'ob_plans', op: 'delete', key: PLAN });
    expect(last.row).to.include({ in_use: 0, tm_delete: T2 });
    expect(projection.rows('ob_plans')).to.deep.equal([]);
  });

  it('ignores other streams’ events, and AMI events', () => {
    const builder = log(created);
    builder.add('Newchannel', { Uniqueid: PLAN });
    builder.add('CampaignCreated', { uuid: PLAN });
    const projection = new MemoryProjection(obPlansProjection);
    expect(projection.apply(builder.all())).to.have.length(1);
  });

  it('tracks an entry through a dialing: held with its try counted, then freed with the results', () => {
    const dlma = decideDlmaCreate(undefined, { uuid: DLMA, fields: {}, now: T0 }).reduce(evolveDlma, undefined);
    const dlCreated = decideDlCreate(undefined, { uuid: DL, fields: { dlma_uuid: DLMA, number_1: '300' }, dlma, now: T0 });
    const started = decideDlDialingStart(dlCreated.reduce(evolveDl, undefined), { uuid: DL, dialing_uuid: DIALING, campaign_uuid: CAMP, plan_uuid: PLAN, dial_index: 1, now: T1 });
    const held = [...dlCreated, ...started].reduce(evolveDl, undefined);
    const ended = decideDlDialingEnd(held, { uuid: DL, dialing_uuid: DIALING, res_dial: 4, res_dial_detail: 'Remote end has answered', res_hangup: 16, res_hangup_detail: 'Normal Clearing', now: T2 });

    const projection = new MemoryProjection(obDlsProjection);
    projection.apply(log(dlCreated, started).all());
    expect(projection.row('ob_dls', DL)).to.include({ status: 1, trycnt_1: 1, dialing_uuid: DIALING, tm_last_dial: T1 });
    projection.apply(log(ended).all().map((event) => ({ ...event, position: event.position + 10 })));
    expect(projection.row('ob_dls', DL)).to.include({ status: 0, trycnt_1: 1, dialing_uuid: null, res_dial: 4, res_hangup: 16, tm_last_hangup: T2 });
  });

  it('shows a campaign’s cleared reference', () => {
    const camp = decideCampaignCreate(undefined, { uuid: CAMP, fields: { plan: PLAN }, refs: { plan }, now: T0 });
    const cleared = decideCampaignClearReference(camp.reduce(evolveCampaign, undefined), { uuid: CAMP, field: 'plan', ref_uuid: PLAN, now: T1 });
    const projection = new MemoryProjection(obCampaignsProjection);
    projection.apply(log(camp, cleared).all());
    expect(projection.row('ob_campaigns', CAMP)).to.include({ plan: null, status: 0, tm_update: T1 });
  });

  it('publishes outbound changes as ob.<resource>.<op> on /ob/<resources>/<target>, with the REST object', () => {
    const projection = new MemoryProjection(obPlansProjection);
    const [change] = projection.apply(log(created).all());
    const event = toRealtimeEvent(change as ReadModelChange);
    expect(event).to.deep.include({ event: 'ob.plan.create', topic: `/ob/plans/${PLAN.replace(/-/g, '%2D')}` });
    expect(event?.data).to.deep.equal(projection.row('ob_plans', PLAN));
    expect(realtimeTable.ob_dls?.events.update).to.equal('ob.dl.update');
  });
});

