import { expect } from 'chai';
import { catalogFamilies } from '../../../src/realtime/event-table.js';
import type { Api } from '../../../ui/api.js';
import { families, LiveState, topics } from '../../../ui/live.js';

/**
 * The dashboard is the reference realtime client (issue 16): the event names it applies and the topics
 * it subscribes to must be the ones the server's realtime table publishes, or the page silently stops moving.
 */
describe('dashboard realtime contract', () => {
  const published = Object.values(catalogFamilies);

  it('applies only event names the realtime table publishes, each family on a topic it subscribes to', () => {
    for (const family of families) {
      const server = published.filter((f) => Object.values(f.events).some((name) => name.startsWith(family.prefix)));
      expect(server, family.prefix).to.not.deep.equal([]);
      for (const f of server) expect(topics.some((topic) => f.collection.startsWith(topic)), `${family.prefix} on ${f.collection}`).to.equal(true);
    }
  });

  it('subscribes only to collections the server publishes on', () => {
    for (const topic of topics) expect(published.some((f) => f.collection === topic), topic).to.equal(true);
  });

  it('applies create, update and delete in order, every change of one log event, and skips what it has seen', () => {
    const seen: string[][] = [];
    const state = new LiveState({} as Api, { changed: (c) => seen.push([...c]), status: () => undefined, tokenEnded: () => undefined });
    state.position = 10;
    const channel = (state_desc: string) => ({ unique_id: 'u1', channel: 'Local/100@demo-1;1', channel_state_desc: state_desc });
    state.apply([
      { position: 9, topic: '/core/channels/x', event: 'core.channel.create', data: { unique_id: 'old' } },
      { position: 11, topic: '/core/channels/x', event: 'core.channel.create', data: channel('Ring') },
      { position: 12, topic: '/core/channels/x', event: 'core.channel.update', data: channel('Up') },
    ]);
    expect([...state.rows.channels.keys()]).to.deep.equal(['u1']);
    expect(state.rows.channels.get('u1')?.channel_state_desc).to.equal('Up');
    // A hangup: the channel's delete and the queue entry's delete share the log event's position.
    state.rows.entries.set('u1', { unique_id: 'u1', queue_name: 'sales_1' });
    state.apply([
      { position: 13, topic: '/core/channels/x', event: 'core.channel.delete', data: channel('Up') },
      { position: 13, topic: '/queue/statuses/sales%5F1', event: 'queue.entry.delete', data: { unique_id: 'u1', queue_name: 'sales_1' } },
    ]);
    expect(state.rows.channels.size).to.equal(0);
    expect(state.rows.entries.size).to.equal(0);
    expect(state.position).to.equal(13);
    expect(seen).to.deep.equal([['channels'], ['channels', 'entries']]);
  });
});
