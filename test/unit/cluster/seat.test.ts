import { expect } from 'chai';
import { LeaderSeat } from '../../../src/cluster/seat.js';
import type { Leadership, LeadershipView } from '../../../src/cluster/leadership.js';
import { silentLogger } from '../../../src/logger.js';

/** A leadership the test hands out and takes away. */
class HandLeadership implements Leadership {
  epoch: number | undefined;
  resigned = 0;
  private readonly listeners = new Set<(view: LeadershipView) => void>();
  readonly lease = (): number | undefined => this.epoch;

  constructor(private readonly atStart: number | undefined) {}

  view(): LeadershipView {
    return { role: this.epoch === undefined ? 'follower' : 'leader', node: 'n', epoch: this.epoch ?? 0, leader: null };
  }

  onChange(listener: (view: LeadershipView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(epoch: number | undefined): void {
    this.epoch = epoch;
    for (const listener of this.listeners) listener(this.view());
  }

  async start(): Promise<void> {
    if (this.atStart !== undefined) this.set(this.atStart);
  }

  resign(): void {
    this.resigned += 1;
    this.set(undefined);
  }

  async stop(): Promise<void> {}
}

function seatFor(leadership: HandLeadership, options: { takeReadModels?: (epoch: number) => Promise<void>; failStart?: boolean } = {}) {
  const log: string[] = [];
  const seat = new LeaderSeat({
    leadership,
    takeReadModels: options.takeReadModels ?? (async (epoch) => void log.push(`take ${epoch}`)),
    demoted: () => log.push('demoted'),
    startDuties: async () => {
      if (options.failStart) throw new Error('no AMI config');
      log.push('start');
      return { stop: async (stop = {}) => void log.push(stop.fenced ? 'stop fenced' : 'stop') };
    },
    logger: silentLogger(),
  });
  return { seat, log };
}

describe('LeaderSeat: the leader duties follow the leadership', () => {
  it('a node leading at start takes the read models, then starts its duties, before start resolves', async () => {
    const leadership = new HandLeadership(1);
    const { seat, log } = seatFor(leadership);
    await seat.start();
    expect(log).to.deep.equal(['take 1', 'start']);
    await seat.stop();
    expect(log, 'a graceful stop is not a fenced one').to.deep.equal(['take 1', 'start', 'stop']);
  });

  it('a lost lease is heard at once (demoted, synchronously) and stops the duties as fenced; a new lease starts them again', async () => {
    const leadership = new HandLeadership(1);
    const { seat, log } = seatFor(leadership);
    await seat.start();
    leadership.set(undefined);
    expect(log[log.length - 1], 'before any await').to.equal('demoted');
    await seat.settled();
    expect(log).to.deep.equal(['take 1', 'start', 'demoted', 'stop fenced']);
    leadership.set(2);
    await seat.settled();
    expect(log.slice(4)).to.deep.equal(['take 2', 'start']);
    await seat.stop();
  });

  it('a follower starts nothing; losing the lease while taking the read models starts no duties', async () => {
    const idle = seatFor(new HandLeadership(undefined));
    await idle.seat.start();
    expect(idle.log).to.deep.equal([]);
    await idle.seat.stop();

    const leadership = new HandLeadership(undefined);
    const { seat, log } = seatFor(leadership, {
      takeReadModels: async () => {
        log.push('taking');
        leadership.set(undefined);
      },
    });
    await seat.start();
    leadership.set(3);
    await seat.settled();
    await seat.settled();
    expect(log).to.deep.equal(['taking', 'demoted']);
    await seat.stop();
  });

  it('a leader that cannot start its duties resigns, so another node may lead', async () => {
    const leadership = new HandLeadership(1);
    const { seat, log } = seatFor(leadership, { failStart: true });
    await seat.start();
    await seat.settled();
    expect(leadership.resigned).to.equal(1);
    expect(leadership.lease()).to.equal(undefined);
    expect(log).to.deep.equal(['take 1', 'demoted']);
    await seat.stop();
  });
});
