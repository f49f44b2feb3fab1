import { expect } from 'chai';
import { request as httpRequest } from 'node:http';
import { pino } from 'pino';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { loadConfig, type Config } from '../../../src/config.js';
import { createAuth, permissions, type Auth } from '../../../src/auth/index.js';
import type { ScryptParams } from '../../../src/auth/password.js';
import { listen, type TestServer } from '../../support/http.js';
import { testHttpApp } from '../../support/app.js';

const ADMIN = { username: 'admin', password: 'admin-secret' };
const GOOD = { username: 'good-user', password: 'good-user-pw' };
const cheapScrypt: ScryptParams = { log2N: 10, r: 8, p: 1 };
/**
 * Generous on purpose (not a speed test): it only has to tell "answered" from "queued behind
 * 200 hashes". With the caps lifted, the production-cost flood took over 30 s on the 2-CPU test box.
 */
const GOOD_LOGIN_BOUND_MS = 5000;

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: { error?: { code?: number; message?: string } } | undefined;
  readonly ms: number;
}

/**
 * A login over real HTTP from a chosen loopback address (all of 127/8 is local on Linux), so one
 * test can play several clients: the per-address brake sees them apart.
 */
function loginFrom(baseUrl: string, localAddress: string, credentials: { username: string; password: string }, path = '/v1/admin/login'): Promise<Answer> {
  const url = new URL(path, baseUrl);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            body: text === '' ? undefined : (JSON.parse(text) as Answer['body']),
            ms: performance.now() - started,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Auth behind a real listening server, with its pino log lines captured. */
class Harness {
  auth!: Auth;
  server!: TestServer;
  readonly logLines: string[] = [];
  private nowMs = Date.now();

  constructor(private readonly scrypt: ScryptParams | undefined) {}

  advance(ms: number): void {
    this.nowMs += ms;
  }

  get logs(): Array<Record<string, unknown>> {
    return this.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async start(auth: Partial<Config['auth']> = {}): Promise<void> {
    const logger = pino({ level: 'info' }, { write: (line: string) => void this.logLines.push(line) });
    const config = loadConfig({ env: { NODE_ENV: 'test' }, overrides: { admin: { password: ADMIN.password }, auth } });
    this.auth = createAuth({ store: new MemoryEventStore(), config, logger, clock: () => this.nowMs, scrypt: this.scrypt, print: () => undefined });
    await this.auth.start();
    await this.auth.service.createUser({ username: GOOD.username, name: 'Good', password: GOOD.password, permissions: [permissions.admin] });
    const app = testHttpApp({ logger, auth: this.auth });
    this.server = await listen(app);
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.auth.stop();
  }
}

/** 200 bad logins (distinct usernames, from four attacker addresses) and, sent amid them, one good login from elsewhere. */
async function floodWithOneGoodLogin(h: Harness): Promise<{ good: Answer; bad: Answer[] }> {
  const badFrom = (i: number): Promise<Answer> => loginFrom(h.server.baseUrl, `127.0.1.${(i % 4) + 1}`, { username: `guess-${i}`, password: `wrong-${i}` });
  const bad = Array.from({ length: 100 }, (_, i) => badFrom(i));
  const good = loginFrom(h.server.baseUrl, '127.0.0.2', GOOD);
  bad.push(...Array.from({ length: 100 }, (_, i) => badFrom(100 + i)));
  return { good: await good, bad: await Promise.all(bad) };
}

function expectRefusalsExplained(bad: readonly Answer[]): void {
  for (const answer of bad) {
    expect(answer.status).to.be.oneOf([401, 429, 503]);
    expect(answer.body?.error?.code).to.equal(answer.status);
    if (answer.status !== 401) expect(Number(answer.retryAfter)).to.be.greaterThan(0);
  }
}

function tally(bad: readonly Answer[]): string {
  const counts = new Map<number, number>();
  for (const answer of bad) counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}×${n}`).join(' ');
}

describe('HTTP login brake: failures are logged, throttled per user and address, and scrypt is capped', () => {
  describe('with the tests\' cheap scrypt', () => {
    let h: Harness;

    beforeEach(async () => {
      h = new Harness(cheapScrypt);
      await h.start();
    });

    afterEach(async () => {
      await h.stop();
    });

    it('logs a failed login with the username and remote address, never the password', async () => {
      const guess = 'Sup3r-Secret-Guess-7781';
      expect((await loginFrom(h.server.baseUrl, '127.0.0.5', { username: 'admin', password: guess })).status).to.equal(401);
      expect((await loginFrom(h.server.baseUrl, '127.0.0.5', { username: 'nobody-here', password: guess })).status).to.equal(401);
      const failed = h.logs.filter((line) => line.msg === 'login failed');
      expect(failed.map((line) => [line.username, line.remote_address])).to.deep.equal([
        ['admin', '127.0.0.5'],
        ['nobody-here', '127.0.0.5'],
      ]);
      for (const line of h.logLines) expect(line).to.not.include(guess);
      // The successful login of the same user is not a failure line.
      expect((await loginFrom(h.server.baseUrl, '127.0.0.5', ADMIN)).status).to.equal(200);
      expect(h.logs.filter((line) => line.msg === 'login failed')).to.have.length(2);
    });

    it('answers 429 with Retry-After after the configured failures for a username, checks nothing while locked, and lets it in once the lock ran out', async () => {
      const limit = loadConfig({ env: { NODE_ENV: 'test' } }).auth.loginFailuresBeforeDelay;
      for (let i = 0; i < limit; i += 1) {
        // Different addresses: the username's own count is what trips.
        expect((await loginFrom(h.server.baseUrl, `127.0.2.${i + 1}`, { username: 'admin', password: `guess-${i}` })).status).to.equal(401);
      }
      const locked = await loginFrom(h.server.baseUrl, '127.0.0.1', ADMIN);
      expect(locked.status).to.equal(429);
      expect(locked.body?.error?.code).to.equal(429);
      expect(locked.retryAfter).to.equal('1');
      // Refused before any password check: logged as refused, not counted as another failure.
      expect(h.logs.filter((line) => line.msg === 'login failed')).to.have.length(limit);
      expect(h.logs.at(-1)).to.include({ msg: 'login refused: too many failed attempts', username: 'admin', remote_address: '127.0.0.1' });
      // Another user is not affected.
      expect((await loginFrom(h.server.baseUrl, '127.0.0.1', GOOD)).status).to.equal(200);
      h.advance(1000);
      expect((await loginFrom(h.server.baseUrl, '127.0.0.1', ADMIN)).status).to.equal(200);
    });

    it('doubles the lock with each further failure', async () => {
      const limit = loadConfig({ env: { NODE_ENV: 'test' } }).auth.loginFailuresBeforeDelay;
      const retryAfter: number[] = [];
      for (let i = 0; i < limit + 3; i += 1) {
        const answer = await loginFrom(h.server.baseUrl, `127.0.3.${i + 1}`, { username: 'admin', password: `guess-${i}` });
        expect(answer.status).to.equal(401);
        if (i >= limit - 1) {
          const locked = await loginFrom(h.server.baseUrl, '127.0.0.1', ADMIN);
          retryAfter.push(Number(locked.retryAfter));
          h.advance(Number(locked.retryAfter) * 1000);
        }
      }
      expect(retryAfter).to.deep.equal([1, 2, 4, 8]);
    });

    it('brakes an address that tries many usernames, without braking other addresses', async () => {
      const limit = loadConfig({ env: { NODE_ENV: 'test' } }).auth.loginAddressFailuresBeforeDelay;
      for (let i = 0; i < limit; i += 1) {
        expect((await loginFrom(h.server.baseUrl, '127.0.0.9', { username: `spray-${i}`, password: 'x' })).status).to.equal(401);
      }
      expect((await loginFrom(h.server.baseUrl, '127.0.0.9', GOOD)).status).to.equal(429);
      expect((await loginFrom(h.server.baseUrl, '127.0.0.10', GOOD)).status).to.equal(200);
    });

    it('a success clears the username\'s count', async () => {
      const limit = loadConfig({ env: { NODE_ENV: 'test' } }).auth.loginFailuresBeforeDelay;
      for (let i = 0; i < limit - 1; i += 1) await loginFrom(h.server.baseUrl, '127.0.4.1', { username: 'admin', password: 'x' });
      expect((await loginFrom(h.server.baseUrl, '127.0.4.2', ADMIN)).status).to.equal(200);
      for (let i = 0; i < limit - 1; i += 1) await loginFrom(h.server.baseUrl, '127.0.4.3', { username: 'admin', password: 'x' });
      expect((await loginFrom(h.server.baseUrl, '127.0.4.4', ADMIN)).status).to.equal(200);
    });

    it('answers a good login amid 200 parallel bad ones (cheap scrypt)', async () => {
      const { good, bad } = await floodWithOneGoodLogin(h);
      console.log(`      good login amid 200 bad ones, cheap scrypt: ${good.ms.toFixed(0)} ms; bad: ${tally(bad)}`);
      expect(good.status).to.equal(200);
      expect(good.ms).to.be.below(GOOD_LOGIN_BOUND_MS);
      expectRefusalsExplained(bad);
    });

    it('refuses at once with 503 and Retry-After when the hashing queue is full, hashing nothing', async () => {
      await h.stop();
      h = new Harness(cheapScrypt);
      // No queue and one hash at a time: any second concurrent login finds it full.
      await h.start({ passwordHashConcurrency: 1, passwordHashQueue: 0, passwordHashPerAddress: 1 });
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => loginFrom(h.server.baseUrl, `127.0.5.${i + 1}`, { username: `u-${i}`, password: 'x' })));
      const busy = answers.filter((answer) => answer.status === 503);
      expect(busy.length).to.be.greaterThan(0);
      for (const answer of busy) expect(answer.retryAfter).to.equal('1');
      // Only the ones that were hashed are failures; the refused ones were never checked.
      expect(h.logs.filter((line) => line.msg === 'login failed')).to.have.length(answers.filter((a) => a.status === 401).length);
    });
  });

  describe('with the production scrypt cost (~60 ms per hash)', () => {
    let h: Harness;

    beforeEach(async () => {
      h = new Harness(undefined);
      await h.start();
    });

    afterEach(async () => {
      await h.stop();
    });

    it('answers a good login amid 200 parallel bad ones, not seconds later', async function () {
      this.timeout(30_000);
      const { good, bad } = await floodWithOneGoodLogin(h);
      console.log(`      good login amid 200 bad ones, production scrypt: ${good.ms.toFixed(0)} ms; bad: ${tally(bad)}`);
      expect(good.status).to.equal(200);
      expect(good.ms).to.be.below(GOOD_LOGIN_BOUND_MS);
      expectRefusalsExplained(bad);
    });
  });
});
