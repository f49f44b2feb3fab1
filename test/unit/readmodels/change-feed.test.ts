import { expect } from 'chai';
import { ChangeFeed } from '../../../src/readmodels/change-feed.js';

describe('change feed', () => {
  it('delivers changes one by one, then the batch, then the position', () => {
    const feed = new ChangeFeed<string>();
    const seen: string[] = [];
    feed.on('change', (change) => seen.push(`change ${change}`));
    feed.on('batch', (batch) => seen.push(`batch ${batch.changes.join(',')} @${batch.position}`));
    feed.on('position', (position) => seen.push(`position ${position}`));
    feed.publish(['a', 'b'], 7);
    feed.publish([], 8);
    expect(seen).to.deep.equal(['change a', 'change b', 'batch a,b @7', 'position 7', 'position 8']);
  });

  it('isolates a throwing listener and reports its error', () => {
    const reported: unknown[] = [];
    const feed = new ChangeFeed<string>((error) => reported.push(error));
    const seen: string[] = [];
    feed.on('change', () => {
      throw new Error('bug');
    });
    feed.on('change', (change) => seen.push(change));
    feed.publish(['a'], 1);
    expect(seen).to.deep.equal(['a']);
    expect(reported).to.have.length(1);
  });

  it('stops delivering to a listener once unsubscribed', () => {
    const feed = new ChangeFeed<string>();
    const seen: string[] = [];
    const off = feed.on('change', (change) => seen.push(change));
    feed.publish(['a'], 1);
    off();
    feed.publish(['b'], 2);
    expect(seen).to.deep.equal(['a']);
    expect(feed.listenerCount('change')).to.equal(0);
  });
});
