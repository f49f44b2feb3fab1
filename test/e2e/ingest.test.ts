/**
 * Issue 2 end to end: AMI ingest into the log against the real Asterisk sandbox.
 * Asterisk's own view comes from an independent raw AMI session (SandboxAmi), never from jade.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';
import type { RecordedEvent } from '../../src/events/index.js';

interface Health {
  readonly ami: { readonly connected: boolean; readonly since: string | null; readonly last_event_at: string | null };
  readonly eventstore: { readonly ok: boolean; readonly position: number };
}

async function health(jade: RunningJade): Promise<Health> {
  const response = await jade.http.get('/v1/health');
  expect(response.status).to.equal(200);
  return response.body?.result as Health;
}

describe('AMI ingest against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;

  before(async function () {
    const sandbox = getSandbox();
    jade = await startTestJade(sandbox);
    await waitForAmi(jade);
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  });

  after(async function () {
    probe?.close();
    await jade?.stop();
  });

  it('stores every AMI event of an originated call under call-<Linkedid>, in the order Asterisk sent it, with metadata', async function () {
    const uniqueId = `e2e-${randomUUID()}`;
    const from = probe.mark();
    await probe.action({ Action: 'Originate', Channel: 'Local/100@demo', Application: 'Wait', Data: '1', ChannelId: uniqueId, Async: 'true' });
    // The ;1 side is ours; the call ends when Wait(1) returns and the dialplan side hangs up too.
    await probe.waitFor((f) => amiGet(f, 'Event') === 'Hangup' && amiGet(f, 'Uniqueid') === uniqueId, { fromIndex: from, timeoutMs: 15_000 });
    await probe.waitFor((f) => amiGet(f, 'Event') === 'Hangup' && amiGet(f, 'Linkedid') === uniqueId && amiGet(f, 'Uniqueid') !== uniqueId, {
      fromIndex: from,
      timeoutMs: 15_000,
    });
    const expected = probe.frames
      .slice(from)
      .filter((f: AmiFrame) => amiGet(f, 'Event') !== undefined && amiGet(f, 'Linkedid') === uniqueId && amiGet(f, 'ActionID') === undefined)
      .map((f) => `${amiGet(f, 'Event')}:${amiGet(f, 'Uniqueid') ?? ''}`);
    expect(expected.length).to.be.greaterThan(10);

    const stored = await eventually(async () => {
      const events = await jade.jade.store.readStream(`call-${uniqueId}`);
      const withLinkedid = events.filter((e) => e.data.Linkedid === uniqueId);
      return withLinkedid.length >= expected.length ? { all: events, withLinkedid } : undefined;
    }, 10_000, 'the call stream to hold every event');

    expect(stored.withLinkedid.map((e) => `${e.type}:${String(e.data.Uniqueid ?? '')}`)).to.deep.equal(expected);
    const positions = stored.all.map((e) => e.position);
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
    for (const event of stored.all) {
      expect(event.metadata.node).to.equal(jade.config.ami.node);
      expect(event.metadata.receivedAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(event.metadata.timestamp, `${event.type} carries Asterisk's Timestamp`).to.match(/^\d+\.\d+$/);
    }
  });

  it('reports Asterisk down while serving, reconnects by itself within 10 s and appends fresh snapshots', async function () {
    const sandbox = getSandbox();
    const before = await jade.jade.store.headPosition();
    probe.close();
    await sandbox.stop();
    const down = await eventually(async () => {
      const h = await health(jade);
      return h.ami.connected ? undefined : h;
    }, 15_000, 'health to say disconnected');
    expect(down.ami.connected).to.equal(false);
    expect(down.eventstore.ok).to.equal(true);
    expect((await jade.get('/v1/core/channels')).status, 'jade keeps serving').to.equal(200);

    await sandbox.start();
    const restartedAt = Date.now();
    await eventually(async () => ((await health(jade)).ami.connected ? true : undefined), 10_000, 'reconnect within 10 s');
    expect(Date.now() - restartedAt).to.be.lessThan(10_000);

    // Asterisk may drop the very first session while it boots: judge the last connect's round.
    const snapshots = await eventually(async () => {
      const events: RecordedEvent[] = await jade.jade.store.readAll({ fromPosition: before + 1 });
      const connected = events.filter((e) => e.type === 'AmiConnected').pop();
      // Commands may take snapshots of their own (rounds of their own); the connect's round must be whole.
      const round = connected?.data.round;
      const ofRound = events.filter((e) => e.type === 'AmiSnapshot' && e.data.round === round && e.position > (connected?.position ?? 0));
      const complete = ofRound.some((e) => e.data.action === 'CoreShowChannels') && ofRound.some((e) => e.data.action === 'Command: module show');
      return connected && complete ? ofRound : undefined;
    }, 20_000, 'the reconnect round of snapshot events');
    expect(snapshots.map((e) => e.data.action)).to.include.members(['CoreShowChannels', 'Command: module show']);
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  });
});
