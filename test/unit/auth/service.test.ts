import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { AuthService } from '../../../src/auth/service.js';
import { UsernameTakenError } from '../../../src/auth/errors.js';
import { authEventTypes, permissions } from '../../../src/auth/events.js';
import type { ScryptParams } from '../../../src/auth/password.js';
import { mapError } from '../../../src/http/error-middleware.js';

const fast: ScryptParams = { log2N: 10, r: 8, p: 1 };
const IDLE_SECONDS = 600;

/** A clock the test moves by hand. */
function manualClock(start = Date.UTC(2024, 0, 1)): { now: () => number; advance: (ms: number) => void } {
  let current = start;
  return { now: () => current, advance: (ms) => (current += ms) };
}

function service(store: MemoryEventStore, clock: { now: () => number }, printed: string[] = [], adminPassword = 'admin-pw'): AuthService {
  return new AuthService({
    store,
    logger: silentLogger(),
    tokenIdleSeconds: IDLE_SECONDS,
    adminPassword,
    clock: clock.now,
    scrypt: fast,
    print: (line) => printed.push(line),
  });
}

async function loginToken(auth: AuthService, username = 'admin', password = 'admin-pw'): Promise<string> {
  const result = await auth.login(username, password);
  if (!result.ok) throw new Error(`login failed: ${result.reason}`);
  return result.token;
}

/** Lets fire-and-forget appends land and the directory fold them in. */
async function settle(auth: AuthService, store: MemoryEventStore): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await auth.directory.waitForPosition(await store.headPosition(), 1000);
}

describe('AuthService', () => {
  let store: MemoryEventStore;
  let clock: ReturnType<typeof manualClock>;
  const running: AuthService[] = [];

  beforeEach(() => {
    store = new MemoryEventStore();
    clock = manualClock();
  });

  afterEach(async () => {
    for (const auth of running.splice(0)) await auth.stop();
    await store.close();
  });

  async function started(printed?: string[], adminPassword?: string): Promise<AuthService> {
    const auth = service(store, clock, printed, adminPassword);
    running.push(auth);
    await auth.start();
    return auth;
  }

  describe('bootstrap', () => {
    it('creates admin with permissions admin and user from the configured password', async () => {
      const printed: string[] = [];
      const auth = await started(printed);
      const result = await auth.login('admin', 'admin-pw');
      expect(result.ok).to.equal(true);
      if (result.ok) expect(result.user.permissions).to.deep.equal(['admin', 'user']);
      expect(printed).to.deep.equal([]);
      expect(auth.userView(result.ok ? result.user.uuid : '')?.name).to.equal('Administrator');
    });

    it('prints a generated password once when none is configured, and that password works', async () => {
      const printed: string[] = [];
      const auth = await started(printed, '');
      expect(printed).to.have.length(1);
      const match = /^admin password: (\S{16,})$/.exec(printed[0]!);
      expect(match, printed[0]).to.not.equal(null);
      expect((await auth.login('admin', match![1]!)).ok).to.equal(true);
    });

    it('does not create admin again on a log that has users', async () => {
      await (await started()).stop();
      const printed: string[] = [];
      await started(printed, '');
      const created = (await store.readAll()).filter((e) => e.type === authEventTypes.userCreated);
      expect(created).to.have.length(1);
      expect(printed).to.deep.equal([]);
    });

    it('never writes the plain password to the log', async () => {
      await started(undefined, 'very-secret-admin-password');
      const log = JSON.stringify(await store.readAll());
      expect(log).to.not.include('very-secret-admin-password');
      expect(log).to.include('password_hash');
    });
  });

  describe('login', () => {
    it('refuses a wrong password and an unknown user alike', async () => {
      const auth = await started();
      expect(await auth.login('admin', 'wrong')).to.deep.equal({ ok: false, reason: 'credentials' });
      expect(await auth.login('nobody', 'admin-pw')).to.deep.equal({ ok: false, reason: 'credentials' });
    });

    it('refuses, without issuing a token, a right password lacking the required permission', async () => {
      const auth = await started();
      await auth.createUser({ username: 'agent', name: 'Agent', password: 'agent-pw', permissions: [permissions.user] });
      const before = await store.headPosition();
      expect(await auth.login('agent', 'agent-pw', permissions.admin)).to.deep.equal({ ok: false, reason: 'permission' });
      expect(await store.headPosition()).to.equal(before);
    });

    it('stores only the hash of the token it hands out', async () => {
      const auth = await started();
      const token = await loginToken(auth);
      expect(JSON.stringify(await store.readAll())).to.not.include(token);
      expect(auth.verifyToken(token)?.username).to.equal('admin');
    });
  });

  describe('tokens', () => {
    it('expire after the idle time without use', async () => {
      const auth = await started();
      const token = await loginToken(auth);
      clock.advance(IDLE_SECONDS * 1000 - 1);
      expect(auth.verifyToken(token)).to.not.equal(undefined);
      clock.advance(IDLE_SECONDS * 1000);
      expect(auth.verifyToken(token)).to.equal(undefined);
    });

    it('stay alive while they are used', async () => {
      const auth = await started();
      const token = await loginToken(auth);
      for (let i = 0; i < 5; i += 1) {
        clock.advance(IDLE_SECONDS * 1000 * 0.9);
        expect(auth.verifyToken(token), `use ${i}`).to.not.equal(undefined);
      }
    });

    it('record a use in the log at most once per interval, not per request', async () => {
      const auth = await started();
      const token = await loginToken(auth);
      for (let i = 0; i < 10; i += 1) {
        clock.advance(1000);
        auth.verifyToken(token);
      }
      await settle(auth, store);
      const uses = () => store.readAll().then((all) => all.filter((e) => e.type === authEventTypes.tokenUsed));
      expect(await uses()).to.have.length(0);
      clock.advance(60_000);
      auth.verifyToken(token);
      auth.verifyToken(token);
      await settle(auth, store);
      expect(await uses()).to.have.length(1);
    });

    it('keep their recorded use across a restart, so idle expiry counts from it', async () => {
      const first = await started();
      const token = await loginToken(first);
      clock.advance(500_000);
      expect(first.verifyToken(token)).to.not.equal(undefined);
      await settle(first, store);
      await first.stop();

      const second = await started();
      clock.advance(500_000);
      // 1000 s after issue but only 500 s after the recorded use: alive.
      expect(second.verifyToken(token)?.username).to.equal('admin');
      clock.advance(IDLE_SECONDS * 1000);
      expect(second.verifyToken(token)).to.equal(undefined);
    });

    it('are dead at once after logout, and logout of a dead token reports false', async () => {
      const auth = await started();
      const token = await loginToken(auth);
      expect(await auth.logout(token)).to.equal(true);
      expect(auth.verifyToken(token)).to.equal(undefined);
      expect(await auth.logout(token)).to.equal(false);
      expect(await auth.logout('not-a-token')).to.equal(false);
    });

    it('are dropped from memory once idle, without touching the log', async () => {
      const auth = await started();
      await loginToken(auth);
      const head = await store.headPosition();
      clock.advance(IDLE_SECONDS * 1000);
      expect(auth.directory.forgetExpired(clock.now(), { idleMs: IDLE_SECONDS * 1000, recordUseEveryMs: 60_000 })).to.equal(1);
      expect(await store.headPosition()).to.equal(head);
    });
  });

  describe('users', () => {
    it('refuses a username that exists, even when two creations race', async () => {
      const auth = await started();
      const input = { username: 'dup', name: 'Dup', password: 'pw', permissions: [] };
      const results = await Promise.allSettled([auth.createUser(input), auth.createUser(input)]);
      expect(results.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected?.reason).to.be.instanceOf(UsernameTakenError);
    });

    it('refuses a username HTTP Basic could not carry', async () => {
      const auth = await started();
      let failure: unknown;
      try {
        await auth.createUser({ username: 'a:b', name: '', password: 'pw', permissions: [] });
      } catch (error) {
        failure = error;
      }
      // A plain domain error; the HTTP error table answers it 400.
      expect(failure).to.be.instanceOf(Error);
      expect(mapError(failure)?.status).to.equal(400);
      expect((failure as Error).message).to.match(/^username: must not contain ":"/);
    });

    it('changes the password: the old one stops working, the new one works, other tokens end, the caller keeps its own', async () => {
      const auth = await started();
      const mine = await loginToken(auth);
      const other = await loginToken(auth);
      const admin = auth.verifyToken(mine)!;
      clock.advance(1000);
      expect(await auth.updateUser(admin.uuid, { password: 'new-pw' }, admin, mine)).to.equal(true);
      expect((await auth.login('admin', 'admin-pw')).ok).to.equal(false);
      expect((await auth.login('admin', 'new-pw')).ok).to.equal(true);
      expect(auth.verifyToken(mine)).to.not.equal(undefined);
      expect(auth.verifyToken(other)).to.equal(undefined);
      expect(auth.userView(admin.uuid)?.tm_update).to.be.a('string');
    });

    it('changes the name and sets tm_update; an unchanged name writes nothing', async () => {
      const auth = await started();
      const admin = auth.verifyToken(await loginToken(auth))!;
      expect(auth.userView(admin.uuid)?.tm_update).to.equal(null);
      await auth.updateUser(admin.uuid, { name: 'Boss' }, admin);
      expect(auth.userView(admin.uuid)?.name).to.equal('Boss');
      const head = await store.headPosition();
      await auth.updateUser(admin.uuid, { name: 'Boss' }, admin);
      expect(await store.headPosition()).to.equal(head);
    });

    it('records who made a change in the event metadata', async () => {
      const auth = await started();
      const admin = auth.verifyToken(await loginToken(auth))!;
      await auth.updateUser(admin.uuid, { name: 'Boss' }, admin);
      const updated = (await store.readAll()).find((e) => e.type === authEventTypes.userUpdated);
      expect(updated?.metadata.userId).to.equal(admin.uuid);
      expect(updated?.stream).to.equal(`user-${admin.uuid}`);
    });
  });
});
