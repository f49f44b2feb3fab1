import { expect } from 'chai';
import { AmiNotConnectedError, AmiNotHereError, AmiSeat, type AmiRuntime } from '../../../src/ami/index.js';

/** Just enough of a runtime to see the seat delegate to it. */
function fakeRuntime(): AmiRuntime & { readonly sent: string[] } {
  const sent: string[] = [];
  const gateway = {
    state: () => ({ connected: true, since: '2026-01-01T00:00:00.000000000Z', lastEventAt: null }),
    action: async (action: Readonly<Record<string, string | number | undefined>>) => {
      sent.push(String(action.Action));
      return { Response: 'Success' };
    },
    listAction: async () => ({ response: { Response: 'Success' }, items: [], complete: {} }),
    command: async () => ({ response: { Response: 'Success' }, output: [] }),
  };
  const stats = { received: 3, appended: 3, queued: 0, inFlight: 0, retries: 0, reordered: 0 };
  return {
    sent,
    gateway,
    connection: undefined as never,
    ingest: undefined as never,
    stats: () => stats,
    resnapshot: async () => ({ round: 'r', snapshots: [] }) as never,
    stop: async () => {},
  };
}

describe('AmiSeat: the AMI runtime while this node leads', () => {
  it('unseated, refuses every action with AmiNotHereError (a 503 like any not-connected) and says not connected', async () => {
    const seat = new AmiSeat();
    expect(seat.state().connected).to.equal(false);
    const refused = await seat.action({ Action: 'Ping' }).catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(AmiNotHereError).and.instanceOf(AmiNotConnectedError);
    expect(await seat.resnapshot(['CoreShowChannels']).catch((error: unknown) => error)).to.be.instanceOf(AmiNotHereError);
    expect(seat.stats().received).to.equal(0);
  });

  it('seated, passes actions to the runtime; unseated again, refuses at once and keeps the last figures', async () => {
    const seat = new AmiSeat();
    const runtime = fakeRuntime();
    seat.seat(runtime);
    expect(seat.state().connected).to.equal(true);
    expect(await seat.gateway.action({ Action: 'Ping' })).to.deep.equal({ Response: 'Success' });
    expect(runtime.sent).to.deep.equal(['Ping']);
    expect(seat.unseat()).to.equal(runtime);
    expect(seat.current()).to.equal(undefined);
    expect(await seat.command('core show uptime').catch((error: unknown) => error)).to.be.instanceOf(AmiNotHereError);
    expect(runtime.sent, 'nothing reached the old runtime').to.deep.equal(['Ping']);
    expect(seat.stats().received).to.equal(3);
  });
});
