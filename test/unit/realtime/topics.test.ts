import { expect } from 'chai';
import { canonicalTopic, encodeTarget, publishTopic, TopicError, topicMatches } from '../../../src/realtime/topics.js';

describe('realtime topics', () => {
  describe('encodeTarget (the catalog’s canonical encoder)', () => {
    it('keeps alphanumerics and percent-encodes every other byte in upper-case hex', () => {
      expect(encodeTarget('sales_1')).to.equal('sales%5F1');
      expect(encodeTarget('pjagent-01')).to.equal('pjagent%2D01');
      expect(encodeTarget('<unknown>')).to.equal('%3Cunknown%3E');
      expect(encodeTarget('default')).to.equal('default');
      expect(encodeTarget('a b/c%')).to.equal('a%20b%2Fc%25');
    });

    it('encodes UTF-8 bytes, not UTF-16 units', () => {
      expect(encodeTarget('é')).to.equal('%C3%A9');
      expect(encodeTarget('😀')).to.equal('%F0%9F%98%80');
    });

    it('turns a null or empty target into the empty string (the topic then ends in /)', () => {
      expect(encodeTarget(null)).to.equal('');
      expect(encodeTarget(undefined)).to.equal('');
      expect(publishTopic('/core/channels/', '')).to.equal('/core/channels/');
    });
  });

  describe('canonicalTopic (what a subscription means)', () => {
    it('makes both spellings of the manual’s examples the same subscription', () => {
      expect(canonicalTopic('/core/channels/pjagent-01')).to.equal('/core/channels/pjagent%2D01');
      expect(canonicalTopic('/core/channels/pjagent%2D01')).to.equal('/core/channels/pjagent%2D01');
      expect(canonicalTopic('/core/channels/pjagent%2d01')).to.equal('/core/channels/pjagent%2D01');
      expect(canonicalTopic('/queue/statuses/sales%5F1')).to.equal('/queue/statuses/sales%5F1');
      expect(canonicalTopic('/queue/statuses/sales_1')).to.equal('/queue/statuses/sales%5F1');
    });

    it('leaves / and the module and collection names alone', () => {
      expect(canonicalTopic('/')).to.equal('/');
      expect(canonicalTopic('/core/channels/')).to.equal('/core/channels/');
      expect(canonicalTopic('/queue/')).to.equal('/queue/');
      expect(canonicalTopic('/core/channels')).to.equal('/core/channels');
    });

    it('keeps an invalid escape literally (so it is escaped like any %)', () => {
      expect(canonicalTopic('/core/channels/ab%5')).to.equal('/core/channels/ab%255');
      expect(canonicalTopic('/core/channels/%zz')).to.equal('/core/channels/%25zz');
    });

    it('adds a missing leading /', () => {
      expect(canonicalTopic('core/channels/x-1')).to.equal('/core/channels/x%2D1');
    });

    it('refuses what cannot be a topic', () => {
      for (const bad of [42, null, undefined, {}, '', 'a\nb', '/x'.repeat(600)]) {
        expect(() => canonicalTopic(bad), String(bad)).to.throw(TopicError);
      }
    });
  });

  describe('topicMatches (prefix matching)', () => {
    const topic = publishTopic('/core/channels/', 'pjagent-01');

    it('matches / to everything, a collection to its targets, a target to itself', () => {
      expect(topicMatches('/', topic)).to.equal(true);
      expect(topicMatches('/core/', topic)).to.equal(true);
      expect(topicMatches('/core/channels/', topic)).to.equal(true);
      expect(topicMatches(canonicalTopic('/core/channels/pjagent-01'), topic)).to.equal(true);
    });

    it('does not match another target or collection', () => {
      expect(topicMatches(canonicalTopic('/core/channels/pjagent-02'), topic)).to.equal(false);
      expect(topicMatches('/core/agis/', topic)).to.equal(false);
    });

    it('is a prefix match, as the catalog says: sales%5F1 also matches sales%5F10', () => {
      expect(topicMatches(canonicalTopic('/queue/statuses/sales_1'), publishTopic('/queue/statuses/', 'sales_10'))).to.equal(true);
    });
  });
});
