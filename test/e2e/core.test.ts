/**
 * Issue 3 end to end: channels, modules and systems through REST and audited commands,
 * against the real Asterisk sandbox. Asterisk's own view comes from a raw AMI session.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { amiGet, SandboxAmi } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

describe('Live calls, modules and systems against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;

  async function connectProbe(): Promise<SandboxAmi> {
    const sandbox = getSandbox();
    return SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  }

  async function asteriskChannelIds(): Promise<string[]> {
    const { events } = await probe.action({ Action: 'CoreShowChannels' });
    return events.map((e) => amiGet(e, 'Uniqueid') ?? '').sort();
  }

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
    probe = await connectProbe();
  });

  after(async function () {
    probe?.close();
    await jade?.stop();
  });

  it('originates through POST /v1/core/channels, reads the channel at once, hangs it up with DELETE, and audits both commands', async function () {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', context: 'demo', exten: '100', caller_id: 'E2E <555>', variables: { JADE_TEST: 'a,b' } });
    expect(created.status, created.text).to.equal(200);
    const { unique_id: uniqueId, command_id: commandId } = created.body?.result as { unique_id: string; command_id: string };

    const read = await jade.get(`/v1/core/channels/${uniqueId}`);
    expect(read.status, read.text).to.equal(200);
    const channel = read.body?.result as Row;
    expect(channel.unique_id).to.equal(uniqueId);
    expect(channel.linked_id).to.equal(uniqueId);
    expect(channel.channel).to.match(/^Local\/100@demo-[0-9a-f]+;1$/);
    expect(channel).to.include.keys(
      'channel_state', 'channel_state_desc', 'context', 'exten', 'priority', 'caller_id_name', 'caller_id_num',
      'connected_line_name', 'connected_line_num', 'account_code', 'language', 'application', 'application_data',
      'bridge_id', 'duration', 'hangup_cause', 'hangup_cause_desc', 'variables', 'tm_update',
    );
    expect(channel.caller_id_num).to.equal('555');
    expect(channel.tm_update).to.match(/Z$/);

    // The variables arrive as VarSet events: the projection shows them once Asterisk has set them.
    const withVariable = await eventually(async () => {
      const row = (await jade.get(`/v1/core/channels/${uniqueId}`)).body?.result as Row | undefined;
      const variables = row?.variables as Record<string, string> | undefined;
      return variables?.JADE_TEST === 'a,b' ? row : undefined;
    }, 10_000, 'the channel variable');
    expect(withVariable.duration).to.be.a('number');
    expect(await asteriskChannelIds()).to.include(uniqueId);

    const hungUp = await jade.delete(`/v1/core/channels/${uniqueId}`);
    expect(hungUp.status, hungUp.text).to.equal(200);
    expect(hungUp.body?.result).to.equal(undefined);
    expect((await jade.get(`/v1/core/channels/${uniqueId}`)).status).to.equal(404);
    expect(await asteriskChannelIds()).not.to.include(uniqueId);

    const audit = await jade.jade.store.readStream(`command-${commandId}`);
    expect(audit.map((e) => e.type)).to.deep.equal(['OriginateRequested', 'OriginateSucceeded']);
    const adminUuid = jade.jade.auth.verifyToken(jade.token)?.uuid;
    expect(adminUuid).to.be.a('string');
    expect(audit[0]!.data.user_uuid).to.equal(adminUuid);
    expect(audit[0]!.metadata.userId).to.equal(adminUuid);
    expect((audit[1]!.data.response as Row).Response).to.equal('Success');

    const all = await jade.jade.store.readAll({ fromPosition: audit[1]!.position });
    const hangupRequested = all.find((e) => e.type === 'HangupRequested' && (e.data.request as Row).unique_id === uniqueId);
    expect(hangupRequested, 'the hangup is audited').to.not.equal(undefined);
    expect(hangupRequested!.data.user_uuid).to.equal(adminUuid);
    const hangupOutcome = await jade.jade.store.readStream(hangupRequested!.stream);
    expect(hangupOutcome.map((e) => e.type)).to.deep.equal(['HangupRequested', 'HangupSucceeded']);
  });

  it('shows a call made directly on Asterisk, and drops it when Asterisk hangs it up', async function () {
    const uniqueId = `direct-${randomUUID()}`;
    await probe.action({ Action: 'Originate', Channel: 'Local/100@demo', Application: 'Wait', Data: '30', ChannelId: uniqueId, Async: 'true' });
    const row = await eventually(async () => {
      const r = await jade.get(`/v1/core/channels/${uniqueId}`);
      return r.status === 200 ? (r.body?.result as Row) : undefined;
    }, 10_000, 'the direct call to appear');
    expect(row.linked_id).to.equal(uniqueId);
    expect(row.channel).to.match(/^Local\/100@demo-[0-9a-f]+;1$/);
    const listed = listOf((await jade.get('/v1/core/channels')).body).map((c) => c.unique_id);
    expect(listed).to.include(uniqueId);

    await probe.action({ Action: 'Hangup', Channel: String(row.channel) });
    await eventually(async () => ((await jade.get(`/v1/core/channels/${uniqueId}`)).status === 404 ? true : undefined), 10_000, 'the call to disappear');
  });

  it('reloads app_queue with PUT (the reload time moves), unloads and loads a module, and 404s an unknown one', async function () {
    const systemBefore = (await jade.get('/v1/core/systems/1')).body?.result as Row;
    expect(String(systemBefore.ast_version)).to.match(/^22\./);
    // reload_time has a one-second resolution.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const reloaded = await jade.put('/v1/core/modules/app_queue');
    expect(reloaded.status, reloaded.text).to.equal(200);
    const systemAfter = await eventually(async () => {
      const s = (await jade.get('/v1/core/systems/1')).body?.result as Row;
      return `${String(s.reload_date)} ${String(s.reload_time)}` !== `${String(systemBefore.reload_date)} ${String(systemBefore.reload_time)}` ? s : undefined;
    }, 10_000, 'the reload time to change');
    expect(systemAfter.reload_time).to.match(/^\d\d:\d\d:\d\d$/);

    expect((await jade.get('/v1/core/modules/app_morsecode')).status).to.equal(200);
    const unloaded = await jade.delete('/v1/core/modules/app_morsecode');
    expect(unloaded.status, unloaded.text).to.equal(200);
    // Asterisk no longer lists it; jade keeps the row it has seen, not running, so it can be loaded again.
    const gone = await jade.get('/v1/core/modules/app_morsecode');
    expect(gone.status, gone.text).to.equal(200);
    expect((gone.body?.result as Row).load).to.equal('Not Running');
    expect(await getSandbox().cli('module show like app_morsecode')).to.match(/0 modules loaded/);

    const loaded = await jade.post('/v1/core/modules/app_morsecode');
    expect(loaded.status, loaded.text).to.equal(200);
    const module = (await jade.get('/v1/core/modules/app_morsecode')).body?.result as Row;
    expect(module.load).to.equal('Running');
    expect(await getSandbox().cli('module show like app_morsecode')).to.match(/1 modules loaded/);

    expect((await jade.get('/v1/core/modules/app_nonexistent')).status).to.equal(404);
    expect((await jade.post('/v1/core/modules/app_nonexistent')).status).to.equal(404);
    expect((await jade.delete('/v1/core/modules/app_nonexistent')).status).to.equal(404);
    expect((await jade.get('/v1/admin/core/modules/app_queue')).status, 'the /admin/core alias').to.equal(200);

    // A name that is not a module name never reaches Asterisk's dlopen().
    const head = await jade.jade.store.headPosition();
    for (const name of ['..%2F..%2F..%2Ftmp%2Fevil', 'a%20b', 'x.so.so', '%00', 'a'.repeat(300)]) {
      const refused = await jade.post(`/v1/core/modules/${name}`);
      expect(refused.status, `${name}: ${refused.text}`).to.equal(400);
      expect(refused.body?.error?.message).to.match(/^name /);
    }
    expect(await jade.jade.store.headPosition(), 'nothing recorded').to.equal(head);
  });

  it('refuses bad input with a 4xx naming the field, and sends nothing to Asterisk', async function () {
    const headBefore = await jade.jade.store.headPosition();
    expect((await jade.http.get('/v1/core/channels')).status).to.equal(401);
    expect((await jade.http.get('/v1/core/channels', { token: 'not-a-token' })).status).to.equal(401);
    expect((await jade.http.get('/v1/core/channels', { query: { authtoken: randomUUID() } })).status).to.equal(401);

    const missing = await jade.post('/v1/core/channels', { context: 'demo', exten: '100' });
    expect(missing.status).to.equal(400);
    expect(missing.body?.error?.message).to.match(/channel/);
    const wrongType = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', exten: '100', timeout: 'soon' });
    expect(wrongType.status).to.equal(400);
    expect(wrongType.body?.error?.message).to.match(/timeout/);
    const malformed = await jade.http.post('/v1/core/channels', { token: jade.token, body: '{"channel":' });
    expect(malformed.status).to.equal(400);

    const marker = probe.mark();
    const injection = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', exten: '100', caller_id: 'x\r\nAction: Hangup\r\nChannel: all' });
    expect(injection.status).to.equal(400);
    expect(injection.body?.error?.message).to.match(/caller_id/);
    const varInjection = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', exten: '100', variables: { A: 'b\nAction: Logoff' } });
    expect(varInjection.status).to.equal(400);

    await new Promise((resolve) => setTimeout(resolve, 300));
    const after = await jade.jade.store.readAll({ fromPosition: headBefore + 1 });
    expect(after.filter((e) => e.type.startsWith('Originate')), 'no originate was recorded').to.deep.equal([]);
    expect(probe.frames.slice(marker).filter((f) => amiGet(f, 'Event') === 'Newchannel'), 'no channel was made').to.deep.equal([]);
  });

  it('holds exactly what Asterisk holds after an Asterisk restart with calls up', async function () {
    const sandbox = getSandbox();
    for (let i = 0; i < 2; i++) {
      const r = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'Wait', data: '60' });
      expect(r.status, r.text).to.equal(200);
    }
    await eventually(async () => (listOf((await jade.get('/v1/core/channels')).body).length >= 4 ? true : undefined), 10_000, 'both calls, two legs each');
    probe.close();
    await sandbox.restart();
    probe = await connectProbe();
    // One call made while jade may still be reconnecting: it must show up too.
    await probe.action({ Action: 'Originate', Channel: 'Local/100@demo', Application: 'Wait', Data: '60', ChannelId: `after-${randomUUID()}`, Async: 'true' });
    await eventually(async () => {
      const health = (await jade.http.get('/v1/health')).body?.result as { ami: { connected: boolean } };
      if (!health.ami.connected) return undefined;
      const ours = listOf((await jade.get('/v1/core/channels')).body).map((c) => String(c.unique_id)).sort();
      const theirs = await asteriskChannelIds();
      return theirs.length === 2 && JSON.stringify(ours) === JSON.stringify(theirs) ? true : undefined;
    }, 20_000, 'jade channels to equal Asterisk channels');
  });

  it('rebuilds every projection from the log into tables equal, row for row, to the live ones', async function () {
    const { sqlite } = jade.jade.readModels;
    const tables = ['channels', 'agis', 'modules', 'systems'];
    const dump = (): Record<string, unknown[]> =>
      Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()]));
    // The comparison holds for a quiet log: the rebuild yields the event loop between pages, so an event
    // Asterisk sends meanwhile lands in the rebuilt tables and not in the dump before. Retry until the log
    // stood still for the whole rebuild.
    const quiet = async (): Promise<number> => {
      // After the restart test Asterisk's follow-ups (resync, PJSIP details) may still be arriving: start once a second passed without an event.
      for (let last = -1; ; await new Promise((resolve) => setTimeout(resolve, 1000))) {
        const now = await jade.jade.store.headPosition();
        if (now === last) return now;
        last = now;
      }
    };
    for (let attempt = 1; ; attempt++) {
      const head = await quiet();
      await jade.jade.runner.waitForPosition(head, 10_000);
      const live = dump();
      expect(live.modules!.length).to.be.greaterThan(50);
      const result = await jade.jade.runner.rebuild();
      expect(result.events).to.be.at.least(head - 1);
      if ((await jade.jade.store.headPosition()) !== head && attempt < 10) continue;
      expect(await jade.jade.store.headPosition(), 'the log stood still during one of 10 rebuilds').to.equal(head);
      expect(dump()).to.deep.equal(live);
      break;
    }
  });
});
