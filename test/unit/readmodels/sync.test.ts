import { expect } from 'chai';
import { ChangeFeed } from '../../../src/readmodels/change-feed.js';
import type { ProjectionRunner } from '../../../src/readmodels/runner.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';

function fakeRunner(): { runner: ProjectionRunner<string>; changes: ChangeFeed<string> } {
  const changes = new ChangeFeed<string>();
  return { runner: { changes, waitForPosition: async () => undefined } as unknown as ProjectionRunner<string>, changes };
}

describe('read-model sync', () => {
  it('waitUntil re-checks a condition after a batch committed while an earlier check was still running', async () => {
    const { runner, changes } = fakeRunner();
    let applied = false;
    const pending: Array<() => void> = [];
    // Like a kysely query: the answer is read now, delivered a few turns later.
    const condition = (): Promise<boolean> => {
      const seen = applied;
      return new Promise<boolean>((resolve) => pending.push(() => resolve(seen)));
    };
    const waiting = createReadModelSync(runner).waitUntil(condition, 200);
    expect(pending).to.have.length(1);
    // The effect commits while the first check (which read the old state) is in flight.
    applied = true;
    changes.publish(['row'], 1);
    pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    // The batch asked for a re-check; answer it.
    expect(pending).to.have.length(1);
    pending.shift()!();
    await waiting;
  });

  it('waitUntil times out when the condition never holds', async () => {
    const { runner } = fakeRunner();
    const error = await createReadModelSync(runner).waitUntil(() => false, 20).then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(Error);
    expect(runner.changes.listenerCount('batch')).to.equal(0);
  });
});
