import { expect } from 'chai';
import { FailureTable, LoginBrake, lockDurationMs, type BrakePolicy } from '../../../src/auth/login-brake.js';

const policy: BrakePolicy = { failuresBeforeDelay: 3, baseDelayMs: 1000, maxDelayMs: 8000, memoryMs: 60_000, maxKeys: 100 };

describe('login brake', () => {
  describe('lockDurationMs', () => {
    it('is zero below the threshold, then doubles per failure up to the cap', () => {
      expect([0, 1, 2].map((n) => lockDurationMs(n, policy))).to.deep.equal([0, 0, 0]);
      expect([3, 4, 5, 6, 7, 50, 5000].map((n) => lockDurationMs(n, policy))).to.deep.equal([1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    });
  });

  describe('FailureTable', () => {
    it('locks a key after the threshold for the lock time from its last failure, then lets it try again', () => {
      const table = new FailureTable(policy);
      for (let i = 0; i < 2; i += 1) table.recordFailure('alice', 0);
      expect(table.lockedForMs('alice', 0)).to.equal(0);
      table.recordFailure('alice', 100);
      expect(table.lockedForMs('alice', 100)).to.equal(1000);
      expect(table.lockedForMs('alice', 600)).to.equal(500);
      expect(table.lockedForMs('alice', 1100)).to.equal(0);
      table.recordFailure('alice', 1100);
      expect(table.lockedForMs('alice', 1100)).to.equal(2000);
      expect(table.lockedForMs('bob', 1100)).to.equal(0);
    });

    it('forgets a key after the memory time without failures (the count decays to zero)', () => {
      const table = new FailureTable(policy);
      for (let i = 0; i < 5; i += 1) table.recordFailure('alice', 0);
      expect(table.failures('alice', 59_999)).to.equal(5);
      expect(table.failures('alice', 60_000)).to.equal(0);
      table.recordFailure('alice', 60_000);
      expect(table.lockedForMs('alice', 60_000)).to.equal(0);
    });

    it('keeps at most maxKeys entries, dropping the least recently failed', () => {
      const table = new FailureTable({ ...policy, maxKeys: 3 });
      table.recordFailure('a', 0);
      table.recordFailure('b', 1);
      table.recordFailure('c', 2);
      table.recordFailure('a', 3);
      table.recordFailure('d', 4);
      expect(table.size).to.equal(3);
      expect(table.failures('b', 5)).to.equal(0);
      expect(table.failures('a', 5)).to.equal(2);
      expect(table.failures('c', 5)).to.equal(1);
      expect(table.failures('d', 5)).to.equal(1);
    });

    it('stays bounded under a spray of distinct keys', () => {
      const table = new FailureTable({ ...policy, maxKeys: 1000 });
      for (let i = 0; i < 50_000; i += 1) table.recordFailure(`user-${i}`, i);
      expect(table.size).to.equal(1000);
    });
  });

  describe('LoginBrake', () => {
    const brake = (): LoginBrake => new LoginBrake({ user: policy, address: { ...policy, failuresBeforeDelay: 5 } });

    it('locks a username whatever address it is tried from', () => {
      const b = brake();
      for (let i = 0; i < 3; i += 1) b.recordFailure({ username: 'alice', address: `10.0.0.${i}` }, 0);
      expect(b.lockedForMs({ username: 'alice', address: '10.9.9.9' }, 0)).to.equal(1000);
      expect(b.lockedForMs({ username: 'bob', address: '10.9.9.9' }, 0)).to.equal(0);
    });

    it('locks an address whatever usernames it tries', () => {
      const b = brake();
      for (let i = 0; i < 5; i += 1) b.recordFailure({ username: `user-${i}`, address: '10.0.0.1' }, 0);
      expect(b.lockedForMs({ username: 'fresh', address: '10.0.0.1' }, 0)).to.equal(1000);
      expect(b.lockedForMs({ username: 'fresh', address: '10.0.0.2' }, 0)).to.equal(0);
    });

    it('clears the username count on success but keeps the address count', () => {
      const b = brake();
      for (let i = 0; i < 2; i += 1) b.recordFailure({ username: 'alice', address: '10.0.0.1' }, 0);
      b.recordSuccess({ username: 'alice', address: '10.0.0.1' });
      expect(b.failures({ username: 'alice', address: '10.0.0.1' }, 0)).to.deep.equal({ user: 0, address: 2 });
    });

    it('counts an overlong username under its first 64 characters', () => {
      const b = brake();
      const long = 'x'.repeat(10_000);
      for (let i = 0; i < 3; i += 1) b.recordFailure({ username: `${long}${i}`, address: undefined }, 0);
      expect(b.failures({ username: 'x'.repeat(64), address: undefined }, 0).user).to.equal(3);
    });
  });
});
