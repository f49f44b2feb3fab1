import { expect } from 'chai';
import { availableMembers, capacitySource, dialsAllowed } from '../../../src/outbound/dialer/pacing.js';

describe('dialer pacing (catalog 50-outbound §3: max available - current + service level)', () => {
  it('dials while the formula is above zero: the tutorial queue with 3 free agents and none dialing makes 3', () => {
    expect(dialsAllowed({ capacity: 3, current: 0, serviceLevel: 0, maxPerTick: 10 })).to.equal(3);
  });

  it('counts the campaign’s live dialings against the available members, plus the service level', () => {
    expect(dialsAllowed({ capacity: 2, current: 2, serviceLevel: 0, maxPerTick: 10 })).to.equal(0);
    expect(dialsAllowed({ capacity: 2, current: 2, serviceLevel: 1, maxPerTick: 10 })).to.equal(1);
    expect(dialsAllowed({ capacity: 0, current: 0, serviceLevel: 2, maxPerTick: 10 })).to.equal(2);
  });

  it('never goes negative, and a negative service level counts as 0', () => {
    expect(dialsAllowed({ capacity: 1, current: 4, serviceLevel: 0, maxPerTick: 10 })).to.equal(0);
    expect(dialsAllowed({ capacity: 3, current: 1, serviceLevel: -5, maxPerTick: 10 })).to.equal(2);
  });

  it('bounds an unlimited destination (park, extensions, other applications) by the per-tick limit only', () => {
    expect(dialsAllowed({ capacity: 'unlimited', current: 500, serviceLevel: 0, maxPerTick: 10 })).to.equal(10);
    expect(dialsAllowed({ capacity: 5, current: 0, serviceLevel: 5, maxPerTick: 4 })).to.equal(4);
  });

  it('reads a queue destination’s queue from its data (the first Queue() argument); everything else is unlimited', () => {
    expect(capacitySource({ type: 1, application: 'queue', data: 'sales_1' })).to.deep.equal({ kind: 'queue', queue: 'sales_1' });
    expect(capacitySource({ type: 1, application: 'Queue', data: 'sales_1,t,,,30' })).to.deep.equal({ kind: 'queue', queue: 'sales_1' });
    expect(capacitySource({ type: 1, application: 'park', data: null })).to.deep.equal({ kind: 'unlimited' });
    expect(capacitySource({ type: 0, application: 'queue', data: 'sales_1' })).to.deep.equal({ kind: 'unlimited' });
  });

  it('counts as available the members that are not in use (device state 1) and not paused', () => {
    expect(
      availableMembers([
        { status: 1, paused: 0 },
        { status: 1, paused: 1 },
        { status: 2, paused: 0 },
        { status: 6, paused: 0 },
        { status: 1, paused: 0 },
      ]),
    ).to.equal(2);
  });
});
