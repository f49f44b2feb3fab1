import { expect } from 'chai';
import { WorkLimiter } from '../../../src/auth/work-limiter.js';

/** A task the test finishes by hand, counting how many are running. */
function gate(): { work: () => Promise<string>; started: number; release: () => void } {
  const waiting: Array<() => void> = [];
  const state = {
    started: 0,
    work: () =>
      new Promise<string>((resolve) => {
        state.started += 1;
        waiting.push(() => resolve('done'));
      }),
    release: () => waiting.shift()?.(),
  };
  return state;
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WorkLimiter', () => {
  it('runs at most maxConcurrent at once and starts a waiting one when a slot frees', async () => {
    const limiter = new WorkLimiter({ maxConcurrent: 2, maxQueued: 5, maxPerKey: 10 });
    const g = gate();
    const admissions = [1, 2, 3].map(() => limiter.run(undefined, g.work));
    expect(admissions.every((a) => a.admitted)).to.equal(true);
    await tick();
    expect(g.started).to.equal(2);
    expect(limiter.waiting).to.equal(1);
    g.release();
    await tick();
    expect(g.started).to.equal(3);
    g.release();
    g.release();
    const results = await Promise.all(admissions.map((a) => (a.admitted ? a.result : undefined)));
    expect(results).to.deep.equal(['done', 'done', 'done']);
    expect(limiter.active).to.equal(0);
  });

  it('refuses at once, without starting the work, when the queue is full', async () => {
    const limiter = new WorkLimiter({ maxConcurrent: 1, maxQueued: 1, maxPerKey: 10 });
    const g = gate();
    limiter.run(undefined, g.work);
    limiter.run(undefined, g.work);
    let ran = false;
    const refused = limiter.run(undefined, async () => {
      ran = true;
      return 'x';
    });
    expect(refused).to.deep.equal({ admitted: false, reason: 'busy' });
    await tick();
    expect(ran).to.equal(false);
    expect(g.started).to.equal(1);
  });

  it('lets one key hold at most maxPerKey places, so other keys still get in', async () => {
    const limiter = new WorkLimiter({ maxConcurrent: 1, maxQueued: 10, maxPerKey: 2 });
    const g = gate();
    expect(limiter.run('flooder', g.work).admitted).to.equal(true);
    expect(limiter.run('flooder', g.work).admitted).to.equal(true);
    expect(limiter.run('flooder', g.work)).to.deep.equal({ admitted: false, reason: 'key-busy' });
    expect(limiter.run('someone-else', g.work).admitted).to.equal(true);
    await tick();
    g.release();
    await tick();
    // The flooder's finished task gave its place back.
    expect(limiter.run('flooder', g.work).admitted).to.equal(true);
  });

  it('frees the slot when the work fails, and passes the failure on', async () => {
    const limiter = new WorkLimiter({ maxConcurrent: 1, maxQueued: 0, maxPerKey: 1 });
    const failing = limiter.run('k', () => {
      throw new Error('boom');
    });
    if (!failing.admitted) throw new Error('not admitted');
    let caught: unknown;
    await failing.result.catch((error: unknown) => (caught = error));
    expect((caught as Error).message).to.equal('boom');
    expect(limiter.run('k', async () => 'ok').admitted).to.equal(true);
  });
});
