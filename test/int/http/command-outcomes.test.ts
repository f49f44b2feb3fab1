import { expect } from 'chai';
import { FakeAmi, fakeModuleShow, type FakeFrame } from '../../support/fake-ami.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../../support/jade.js';

/**
 * The whole app over HTTP against the fake Asterisk of test/support/fake-ami.ts: what a command answers when
 * Asterisk reads it and never answers, what a module name may be, what an unloaded module looks like, and when
 * a hangup is answered.
 */

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

function channel(uniqueId: string, name: string): FakeFrame {
  return {
    Channel: name, ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '5550100', CallerIDName: 'Jade', ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>',
    Language: 'en', AccountCode: '', Context: 'demo', Exten: '100', Priority: '1', Uniqueid: uniqueId, Linkedid: uniqueId,
  };
}

function parkee(uniqueId: string, name: string): FakeFrame {
  return {
    ParkeeChannel: name, ParkeeChannelState: '6', ParkeeChannelStateDesc: 'Up', ParkeeCallerIDNum: '5550100', ParkeeCallerIDName: 'Jade', ParkeeConnectedLineNum: '<unknown>',
    ParkeeConnectedLineName: '<unknown>', ParkeeLanguage: 'en', ParkeeAccountCode: '', ParkeeContext: 'demo', ParkeeExten: '100', ParkeePriority: '1', ParkeeUniqueid: uniqueId,
    ParkeeLinkedid: uniqueId, ParkerDialString: 'Local/100@demo', Parkinglot: 'default', ParkingSpace: '701', ParkingTimeout: '45', ParkingDuration: '0',
  };
}

const hungUp = (uniqueId: string, name: string): FakeFrame => ({ Event: 'Hangup', ...channel(uniqueId, name), Cause: '16', 'Cause-txt': 'Normal Clearing' });

describe('command outcomes, module names and hangups over HTTP (fake Asterisk)', function () {
  this.timeout(30_000);
  let fake: FakeAmi;
  let jade: RunningJade;
  /** The module list `module show` prints now (a module leaves it when unloaded). */
  let modules: string[];

  before(async () => {
    fake = await FakeAmi.start();
    modules = [...fakeModuleShow];
    fake.on('Command', (action) => {
      if (action.command === 'module show') return [{ Response: 'Success', Message: 'Command output follows', Output: modules }];
      return [{ Response: 'Error', Message: 'Command output follows', Output: ['No such command'] }];
    });
    jade = await startTestJade(undefined, {
      overrides: {
        ami: { host: '127.0.0.1', port: fake.port, username: fake.username, secret: fake.secret, reconnectInitialMs: 50, reconnectMaxMs: 200 },
        commands: { readYourWritesTimeoutMs: 1500 },
      },
    });
    await waitForAmi(jade);
  });

  after(async () => {
    await jade?.stop();
    await fake?.close();
  });

  const commandEvents = async (commandId: string): Promise<string[]> => (await jade.jade.store.readStream(`command-${commandId}`)).map((e) => e.type);

  describe('an action Asterisk read and never answered', () => {
    it('records the Originate as Unknown (not Rejected), lists it so, and answers 504 saying Unknown', async () => {
      // Asterisk reads the Originate, then the link drops before any answer.
      fake.on('Originate', (_action, session) => {
        session.socket.destroy();
        return undefined;
      });
      const response = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', context: 'demo', exten: '100' });
      expect(response.status, response.text).to.equal(504);
      expect(response.body?.error?.message).to.include('Unknown');
      const details = response.body?.error?.details as { outcome?: string; command_id?: string } | undefined;
      expect(details?.outcome).to.equal('Unknown');
      const commandId = details!.command_id!;
      expect(await commandEvents(commandId)).to.deep.equal(['OriginateRequested', 'OriginateUnknown']);

      const listed = await jade.get('/v1/commands', { query: { outcome: 'unknown' } });
      expect(listed.status, listed.text).to.equal(200);
      expect(listOf(listed.body).map((c) => [c.uuid, c.type, c.outcome])).to.deep.include([commandId, 'Originate', 'unknown']);
      const one = await jade.get(`/v1/commands/${commandId}`);
      expect(resultOf(one.body)).to.include({ outcome: 'unknown' });
      await waitForAmi(jade);
    });

    it('still records an Originate that was never written (Asterisk down) as Rejected and answers 503', async () => {
      await fake.close();
      await eventually(async () => ((resultOf((await jade.http.get('/v1/health')).body).ami as { connected?: boolean } | undefined)?.connected === false ? true : undefined), 5000, 'AMI down');
      const response = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', context: 'demo', exten: '100' });
      expect(response.status, response.text).to.equal(503);
      const rejected = listOf((await jade.get('/v1/commands', { query: { outcome: 'rejected', type: 'Originate' } })).body);
      expect(rejected).to.have.length(1);
      expect(await commandEvents(String(rejected[0]!.uuid))).to.deep.equal(['OriginateRequested', 'OriginateRejected']);
      await fake.listen();
      await waitForAmi(jade);
    });
  });

  describe('module names from the URL', () => {
    const hostile = ['..%2F..%2Ftmp%2Fevil', 'a%20b', 'x.so.so', '', '%00', 'a'.repeat(300), 'app_queue%2F..%2F..%2Fevil'];

    for (const [method, operation] of [['POST', 'load'], ['PUT', 'reload'], ['DELETE', 'unload']] as const) {
      it(`refuses a hostile name for ${operation} (${method}) with 400 naming the field: nothing recorded, nothing sent`, async () => {
        const before = await jade.jade.store.headPosition();
        const sentBefore = fake.actions.length;
        for (const name of hostile) {
          const response = await jade.http.request(method, `/v1/core/modules/${name}`, { token: jade.token });
          expect(response.status, `${method} ${JSON.stringify(name)}: ${response.text}`).to.equal(400);
          expect(response.body?.error?.message, name).to.match(/^name /);
        }
        // Only commands count: the AMI link of the test before may still be taking its snapshot round, and a token use may be noted.
        const recorded = (await jade.jade.store.readAll({ fromPosition: before + 1 })).filter((e) => e.stream.startsWith('command-'));
        expect(recorded.map((e) => `${e.stream} ${e.type}`), 'nothing recorded').to.deep.equal([]);
        expect(fake.actions.slice(sentBefore).map((a) => a.action), 'nothing sent').to.not.include('ModuleLoad');
      });
    }
  });

  describe('unloading a module', () => {
    it('keeps the module listed as Not Running once DELETE answers, loads it again, and a rebuild gives the same rows', async () => {
      fake.on('ModuleLoad', (action) => {
        const line = fakeModuleShow[1]!; // app_queue.so
        if (action.loadtype === 'unload') modules = modules.filter((l) => l !== line).map((l) => l.replace('2 modules loaded', '1 modules loaded'));
        if (action.loadtype === 'load') modules = [...fakeModuleShow];
        return [{ Response: 'Success', Message: 'Module unloaded.' }];
      });
      const unloaded = await jade.delete('/v1/core/modules/app_queue');
      expect(unloaded.status, unloaded.text).to.equal(200);
      // Read right after the answer: no race with the re-snapshot.
      const row = await jade.get('/v1/core/modules/app_queue');
      expect(row.status, row.text).to.equal(200);
      expect(resultOf(row.body)).to.include({ name: 'app_queue', load: 'Not Running' });
      expect(listOf((await jade.get('/v1/core/modules')).body).map((m) => [m.name, m.load])).to.deep.include(['app_queue', 'Not Running']);
      expect((await jade.delete('/v1/core/modules/app_queue')).status, 'nothing left to unload').to.equal(404);

      const live = listOf((await jade.get('/v1/core/modules')).body);
      const rebuilt = await jade.post('/v1/admin/projections/rebuild', { name: 'modules' });
      expect(rebuilt.status, rebuilt.text).to.equal(200);
      expect(listOf((await jade.get('/v1/core/modules')).body)).to.deep.equal(live);

      const loaded = await jade.post('/v1/core/modules/app_queue');
      expect(loaded.status, loaded.text).to.equal(200);
      expect(resultOf((await jade.get('/v1/core/modules/app_queue')).body)).to.include({ load: 'Running' });
    });
  });

  describe('hanging up', () => {
    /** Asterisk's Hangup answer comes at once; its events `delayMs` later (after the ParkedCallGiveUp, if parked), or never. */
    function hangupAnswers(events: (name: string) => { readonly first: FakeFrame[]; readonly later: FakeFrame[] }, delayMs: number | null): void {
      fake.on('Hangup', (action) => {
        const { first, later } = events(action.channel ?? '');
        setTimeout(() => fake.push(first), 10);
        if (delayMs !== null) setTimeout(() => fake.push(later), delayMs);
        return [{ Response: 'Success', Message: 'Channel Hungup' }];
      });
    }

    const hangupInLog = async (uniqueId: string): Promise<boolean> =>
      (await jade.jade.store.readStream(`call-${uniqueId}`)).some((e) => e.type === 'Hangup' && e.data.Uniqueid === uniqueId);

    async function parkCall(uniqueId: string, name: string): Promise<void> {
      fake.push([{ Event: 'Newchannel', ...channel(uniqueId, name) }, { Event: 'ParkedCall', ...parkee(uniqueId, name) }]);
      await eventually(async () => ((await jade.get(`/v1/park/parkedcalls/${uniqueId}`)).status === 200 ? true : undefined), 5000, 'the parked call');
    }

    it('answers DELETE of a parked call only after the Hangup event of its channel is in the log, not at ParkedCallGiveUp', async () => {
      const [id, name] = ['1700000000.11', 'Local/100@demo-00000011;2'];
      await parkCall(id, name);
      hangupAnswers(() => ({ first: [{ Event: 'ParkedCallGiveUp', ...parkee(id, name), ParkingDuration: '3' }], later: [hungUp(id, name)] }), 400);
      const response = await jade.delete(`/v1/park/parkedcalls/${id}`);
      expect(response.status, response.text).to.equal(200);
      expect(await hangupInLog(id), 'Asterisk confirmed the hangup before the answer').to.equal(true);
      expect((await jade.get(`/v1/core/channels/${id}`)).status).to.equal(404);
      expect((await jade.get(`/v1/park/parkedcalls/${id}`)).status).to.equal(404);
    });

    it('answers DELETE of a channel only after its Hangup event, the same way', async () => {
      const [id, name] = ['1700000000.12', 'PJSIP/100-00000012'];
      fake.push([{ Event: 'Newchannel', ...channel(id, name) }]);
      await eventually(async () => ((await jade.get(`/v1/core/channels/${id}`)).status === 200 ? true : undefined), 5000, 'the channel');
      hangupAnswers(() => ({ first: [], later: [hungUp(id, name)] }), 400);
      const response = await jade.delete(`/v1/core/channels/${id}`);
      expect(response.status, response.text).to.equal(200);
      expect(await hangupInLog(id)).to.equal(true);
      expect((await jade.get(`/v1/core/channels/${id}`)).status).to.equal(404);
    });

    it('answers 504 saying the hangup was accepted but the channel is not yet gone when no Hangup event comes in time', async () => {
      const [id, name] = ['1700000000.13', 'Local/100@demo-00000013;2'];
      await parkCall(id, name);
      hangupAnswers(() => ({ first: [{ Event: 'ParkedCallGiveUp', ...parkee(id, name), ParkingDuration: '3' }], later: [] }), null);
      const response = await jade.delete(`/v1/park/parkedcalls/${id}`);
      expect(response.status, response.text).to.equal(504);
      expect(response.body?.error?.message).to.match(/accepted the hangup of .* not yet gone/);
      expect((await jade.get(`/v1/core/channels/${id}`)).status, 'Asterisk still has it').to.equal(200);

      const [other, otherName] = ['1700000000.14', 'PJSIP/100-00000014'];
      fake.push([{ Event: 'Newchannel', ...channel(other, otherName) }]);
      await eventually(async () => ((await jade.get(`/v1/core/channels/${other}`)).status === 200 ? true : undefined), 5000, 'the channel');
      const channelResponse = await jade.delete(`/v1/core/channels/${other}`);
      expect(channelResponse.status, channelResponse.text).to.equal(504);
    });
  });
});
