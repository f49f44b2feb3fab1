import { expect } from 'chai';
import { reconnectDelay } from '../../../src/ami/reconnect-delay.js';

describe('reconnectDelay', () => {
  it('doubles from the initial delay up to the cap', () => {
    const top = (attempt: number) => reconnectDelay(attempt, 250, 5000, () => 1);
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(top)).to.deep.equal([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('jitters between half and all of the step, never above the cap', () => {
    expect(reconnectDelay(3, 250, 5000, () => 0)).to.equal(1000);
    for (let i = 0; i < 1000; i++) {
      const delay = reconnectDelay(i % 40, 250, 5000);
      expect(delay).to.be.at.least(125).and.at.most(5000);
    }
  });
});
