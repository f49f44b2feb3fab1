import { expect } from 'chai';
import { TopicSet } from '../../../src/realtime/topic-set.js';
import { topicMatches } from '../../../src/realtime/topics.js';

/** A small deterministic PRNG, so a failure reproduces. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('realtime topic set (radix tree)', () => {
  it('answers prefix matches exactly like topicMatches over the whole set, through adds and deletes', () => {
    const random = prng(7);
    const alphabet = ['/', 'c', 'o', 'r', 'e', 'q', '%', '2', 'D', 'a'];
    const word = (max: number) => {
      let out = '/';
      const length = 1 + Math.floor(random() * max);
      for (let i = 0; i < length; i++) out += alphabet[Math.floor(random() * alphabet.length)];
      return out;
    };
    const set = new TopicSet();
    const model = new Set<string>();
    for (let round = 0; round < 3000; round++) {
      const topic = word(6);
      if (random() < 0.6) {
        expect(set.add(topic)).to.equal(!model.has(topic));
        model.add(topic);
      } else {
        expect(set.delete(topic)).to.equal(model.delete(topic));
      }
      const probe = word(9);
      const except = random() < 0.3 ? [...model][Math.floor(random() * model.size)] : undefined;
      const expected = [...model].some((subscription) => subscription !== except && topicMatches(subscription, probe));
      expect(set.matches(probe, except), `${probe} against ${[...model].join(' ')} except ${String(except)}`).to.equal(expected);
      expect(set.size).to.equal(model.size);
    }
  });

  it('does work linear in the number of topics to subscribe them, and constant in it to match one event', () => {
    // 256 vs 2048 topics of one client, as a dashboard following many channels by name would hold.
    const work = (count: number) => {
      const set = new TopicSet();
      for (let i = 0; i < count; i++) set.add(`/core/channels/agent${String(i).padStart(5, '0')}`);
      const subscribing = set.steps;
      set.steps = 0;
      set.matches('/core/channels/agent00042');
      set.matches('/queue/statuses/sales');
      return { subscribing, matching: set.steps };
    };
    const small = work(256);
    const large = work(2048);
    // 8x the topics: linear work is ~8x (quadratic would be ~64x); matching does not depend on the count.
    expect(large.subscribing / small.subscribing).to.be.below(10);
    expect(large.matching).to.be.at.most(small.matching + 2);
  });
});
