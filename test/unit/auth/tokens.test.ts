import { expect } from 'chai';
import { isTokenExpired, newToken, shouldRecordUse, tokenHash, tokenTiming } from '../../../src/auth/tokens.js';

describe('authtokens', () => {
  it('are UUIDs, as the manual shows them', () => {
    expect(newToken()).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newToken()).to.not.equal(newToken());
  });

  it('are stored as a SHA-256 that does not contain the token', () => {
    const token = newToken();
    const hash = tokenHash(token);
    expect(hash).to.match(/^[0-9a-f]{64}$/);
    expect(hash).to.not.include(token);
    expect(tokenHash(token)).to.equal(hash);
  });

  it('refuse to hash an empty or oversized token', () => {
    expect(tokenHash('')).to.equal(undefined);
    expect(tokenHash('x'.repeat(10_000))).to.equal(undefined);
  });

  describe('idle expiry', () => {
    const timing = tokenTiming(600);

    it('keeps a token alive until it has been idle for the configured time', () => {
      const use = { lastUsedMs: 1_000_000, lastRecordedUseMs: 1_000_000 };
      expect(isTokenExpired(use, 1_000_000 + 599_999, timing)).to.equal(false);
      expect(isTokenExpired(use, 1_000_000 + 600_000, timing)).to.equal(true);
    });

    it('measures idleness from the last use, not from the issue time', () => {
      const use = { lastUsedMs: 1_500_000, lastRecordedUseMs: 1_000_000 };
      expect(isTokenExpired(use, 1_000_000 + 700_000, timing)).to.equal(false);
    });

    it('records a use at most every tenth of the idle time, between 1 s and 60 s', () => {
      expect(tokenTiming(600).recordUseEveryMs).to.equal(60_000);
      expect(tokenTiming(3600).recordUseEveryMs).to.equal(60_000);
      expect(tokenTiming(100).recordUseEveryMs).to.equal(10_000);
      expect(tokenTiming(2).recordUseEveryMs).to.equal(1_000);
    });

    it('asks for a use record only once the interval since the last recorded one has passed', () => {
      const use = { lastUsedMs: 1_030_000, lastRecordedUseMs: 1_000_000 };
      expect(shouldRecordUse(use, 1_059_999, timing)).to.equal(false);
      expect(shouldRecordUse(use, 1_060_000, timing)).to.equal(true);
    });
  });
});
