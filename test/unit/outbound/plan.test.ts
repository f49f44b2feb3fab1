import { expect } from 'chai';
import {
  decideDestinationCreate,
  decideDestinationDelete,
  decideDestinationUpdate,
  decidePlanCreate,
  decidePlanDelete,
  decidePlanUpdate,
  evolveDestination,
  evolvePlan,
  CommandRefusal,
} from '../../../src/outbound/resources/index.js';
import { CAMP, CAMP2, DEST, given, PLAN, T0, T1, T2, types } from './support.js';

describe('outbound plan decider', () => {
  it('creates a plan with the catalog defaults for every field not given', () => {
    const events = decidePlanCreate(undefined, { uuid: PLAN, fields: { name: 'Test plan create', variables: { plan_key_1: 'plean_val_1' } }, now: T0 });
    expect(types(events)).to.deep.equal(['PlanCreated']);
    expect(given(evolvePlan, events)).to.deep.equal({
      uuid: PLAN,
      name: 'Test plan create',
      detail: null,
      tech_name: 'SIP',
      trunk_name: null,
      dial_mode: 0,
      dial_timeout: 30000,
      dl_end_handle: 1,
      retry_delay: 60,
      caller_id: null,
      service_level: 0,
      early_media: null,
      codecs: null,
      variables: { plan_key_1: 'plean_val_1' },
      max_retry_cnt_1: 5,
      max_retry_cnt_2: 5,
      max_retry_cnt_3: 5,
      max_retry_cnt_4: 5,
      max_retry_cnt_5: 5,
      max_retry_cnt_6: 5,
      max_retry_cnt_7: 5,
      max_retry_cnt_8: 5,
      in_use: 1,
      tm_create: T0,
      tm_update: null,
      tm_delete: null,
    });
  });

  it('refuses to create over an existing stream (a replayed request)', () => {
    const state = given(evolvePlan, decidePlanCreate(undefined, { uuid: PLAN, fields: {}, now: T0 }));
    expect(() => decidePlanCreate(state, { uuid: PLAN, fields: {}, now: T1 })).to.throw(CommandRefusal).with.property('kind', 'conflict');
  });

  it('updates only the given fields and sets tm_update', () => {
    const created = decidePlanCreate(undefined, { uuid: PLAN, fields: { dial_mode: 1 }, now: T0 });
    const updated = decidePlanUpdate(given(evolvePlan, created), { uuid: PLAN, changes: { name: 'update plan name' }, now: T1 });
    expect(updated).to.deep.equal([{ type: 'PlanUpdated', data: { uuid: PLAN, changes: { name: 'update plan name' }, tm_update: T1 } }]);
    expect(given(evolvePlan, created, updated)).to.include({ name: 'update plan name', dial_mode: 1, tm_update: T1 });
  });

  it('refuses updates to an unknown or a deleted plan as not found', () => {
    expect(() => decidePlanUpdate(undefined, { uuid: PLAN, changes: {}, now: T0 })).to.throw(CommandRefusal).with.property('kind', 'not_found');
    const created = decidePlanCreate(undefined, { uuid: PLAN, fields: {}, now: T0 });
    const deleted = decidePlanDelete(given(evolvePlan, created), { uuid: PLAN, force: false, campaigns: [], now: T1 });
    const state = given(evolvePlan, created, deleted);
    expect(state).to.include({ in_use: 0, tm_delete: T1 });
    expect(() => decidePlanUpdate(state, { uuid: PLAN, changes: { name: 'x' }, now: T2 })).to.throw(CommandRefusal).with.property('kind', 'not_found');
    expect(() => decidePlanDelete(state, { uuid: PLAN, force: true, campaigns: [], now: T2 })).to.throw(CommandRefusal).with.property('kind', 'not_found');
  });

  it('refuses to delete a plan campaigns reference unless forced, naming them (catalog §2.2: 400)', () => {
    const state = given(evolvePlan, decidePlanCreate(undefined, { uuid: PLAN, fields: {}, now: T0 }));
    expect(() => decidePlanDelete(state, { uuid: PLAN, force: false, campaigns: [CAMP], now: T1 }))
      .to.throw(CommandRefusal, CAMP)
      .with.property('kind', 'invalid');
    expect(decidePlanDelete(state, { uuid: PLAN, force: true, campaigns: [CAMP, CAMP2], now: T1 })).to.deep.equal([
      { type: 'PlanDeleted', data: { uuid: PLAN, tm_delete: T1, force: true, campaigns: [CAMP, CAMP2] } },
    ]);
  });
});

describe('outbound destination decider', () => {
  it('creates the catalog example of POST {}: an extension destination with every field null', () => {
    const state = given(evolveDestination, decideDestinationCreate(undefined, { uuid: DEST, fields: {}, now: T0 }));
    expect(state).to.deep.equal({
      uuid: DEST,
      name: null,
      detail: null,
      type: 0,
      application: null,
      data: null,
      context: null,
      exten: null,
      priority: null,
      variables: null,
      in_use: 1,
      tm_create: T0,
      tm_update: null,
      tm_delete: null,
    });
  });

  it('updates, and deletes only when no campaign references it or with force', () => {
    const created = decideDestinationCreate(undefined, { uuid: DEST, fields: { type: 1, application: 'queue', data: 'sales_1' }, now: T0 });
    const updated = decideDestinationUpdate(given(evolveDestination, created), { uuid: DEST, changes: { name: 'new updated name' }, now: T1 });
    const state = given(evolveDestination, created, updated);
    expect(state).to.include({ name: 'new updated name', application: 'queue', data: 'sales_1', tm_update: T1 });
    expect(() => decideDestinationDelete(state, { uuid: DEST, force: false, campaigns: [CAMP], now: T2 })).to.throw(CommandRefusal).with.property('kind', 'invalid');
    expect(given(evolveDestination, created, updated, decideDestinationDelete(state, { uuid: DEST, force: false, campaigns: [], now: T2 }))).to.include({
      in_use: 0,
      tm_delete: T2,
    });
  });
});
