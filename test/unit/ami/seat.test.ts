import { expect } from 'chai';
import { AmiNotConnectedError, AmiNotHereError, AmiSeat, type AmiGateway } from '../../../src/ami/index.js';
import type { AmiNodes } from '../../../src/ami/nodes.js';

/** Just enough of one box's gateway to see the seat delegate to it. */
function fakeGateway(sent: string[], box: string): AmiGateway {
  return {
    state: () => ({ connected: true, since: '2026-01-01T00:00:00.000000000Z', lastEventAt: null }),
    action: async (action) => {
      sent.push(`${box}:${String(action.Action)}`);
      return { Response: 'Success' };
    },
    listAction: async () => ({ response: { Response: 'Success' }, items: [], complete: {} }),
    command: async (command) => {
      sent.push(`${box}:${command}`);
      return { response: { Response: 'Success' }, output: [] };
    },
  };
}

/** Just enough of the links of boxes `east` and `west`. */
function fakeLinks(): AmiNodes & { readonly sent: string[] } {
  const sent: string[] = [];
  const gateways = new Map([['east', fakeGateway(sent, 'east')], ['west', fakeGateway(sent, 'west')]]);
  const stats = { received: 3, appended: 3, queued: 0, inFlight: 0, retries: 0, reordered: 0 };
  return {
    sent,
    names: ['east', 'west'],
    first: { gateway: gateways.get('east')! } as AmiNodes['first'],
    gateway: (node) => gateways.get(node),
    runtime: () => undefined,
    statuses: () => [],
    state: () => ({ connected: true, since: '2026-01-01T00:00:00.000000000Z', lastEventAt: null }),
    resnapshot: async () => undefined,
    ready: async () => undefined,
    stats: () => stats,
    stop: async () => undefined,
  };
}

describe('AmiSeat: the AMI links while this node leads', () => {
  it('unseated, refuses every action with AmiNotHereError (a 503 like any not-connected) and says not connected', async () => {
    const seat = new AmiSeat(['east', 'west']);
    expect(seat.state().connected).to.equal(false);
    const refused = await seat.gateway.action({ Action: 'Ping' }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(AmiNotHereError).and.instanceOf(AmiNotConnectedError);
    expect(await seat.nodes.gateway('west')!.action({ Action: 'Ping' }).catch((error: unknown) => error)).to.be.instanceOf(AmiNotHereError);
    expect(await seat.resnapshot(['CoreShowChannels']).catch((error: unknown) => error)).to.be.instanceOf(AmiNotHereError);
    expect(seat.stats().received).to.equal(0);
    expect(seat.statuses().map((s) => [s.node, s.connected])).to.deep.equal([['east', false], ['west', false]]);
  });

  it('seated, passes actions to the named box (the first by default); unseated again, refuses at once and keeps the last figures', async () => {
    const seat = new AmiSeat(['east', 'west']);
    const west = seat.nodes.gateway('west')!;
    const links = fakeLinks();
    seat.seat(links);
    expect(seat.state().connected).to.equal(true);
    expect(await seat.gateway.action({ Action: 'Ping' })).to.deep.equal({ Response: 'Success' });
    await west.command('core show uptime');
    expect(links.sent).to.deep.equal(['east:Ping', 'west:core show uptime']);
    expect(seat.nodes.gateway('west'), 'a box keeps its gateway across terms').to.equal(west);
    expect(seat.nodes.gateway('north'), 'a box not configured has none').to.equal(undefined);
    expect(seat.unseat()).to.equal(links);
    expect(seat.current()).to.equal(undefined);
    expect(await west.command('core show uptime').catch((error: unknown) => error)).to.be.instanceOf(AmiNotHereError);
    expect(links.sent, 'nothing reached the old links').to.have.length(2);
    expect(seat.stats().received).to.equal(3);
  });
});
