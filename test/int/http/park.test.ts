import { expect } from 'chai';
import type { Context, Next } from 'koa';
import { createHttpApp } from '../../../src/http/app.js';
import { parkRoutes } from '../../../src/http/routes/park.js';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { streams, type AmiFields } from '../../../src/events/index.js';
import { AmiActionError, type AmiAction, type AmiGateway } from '../../../src/ami/port.js';
import { createProjectionRunner, openReadModelDb, type ProjectionRunner, type ReadModelChange, type ReadModelDb } from '../../../src/readmodels/index.js';
import { createReadModelSync } from '../../../src/readmodels/sync.js';
import { nowTimestamp } from '../../../src/events/time.js';
import { httpClient, listen, type HttpClient, type TestServer } from '../../support/http.js';
import { snapshotEvent } from '../readmodels/support.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

const admin = { uuid: '00000000-0000-4000-8000-000000000001', username: 'admin', permissions: ['admin'] };

/** A live channel as Asterisk announces it. */
function channel(uniqueId: string, name: string): Record<string, string> {
  return {
    Channel: name, ChannelState: '6', ChannelStateDesc: 'Up', CallerIDNum: '5550100', CallerIDName: 'Jade Recorder', ConnectedLineNum: '<unknown>',
    ConnectedLineName: '<unknown>', Language: 'en', AccountCode: '', Context: 'demo', Exten: '100', Priority: '2', Uniqueid: uniqueId, Linkedid: uniqueId,
  };
}

/** The Parkee block res_parking puts in every ParkedCall* event. */
function parkee(uniqueId: string, name: string, space: string, timeout: number, duration = 0): Record<string, string> {
  return {
    ParkeeChannel: name, ParkeeChannelState: '6', ParkeeChannelStateDesc: 'Up', ParkeeCallerIDNum: '5550100', ParkeeCallerIDName: 'Jade Recorder',
    ParkeeConnectedLineNum: '<unknown>', ParkeeConnectedLineName: '<unknown>', ParkeeLanguage: 'en', ParkeeAccountCode: '', ParkeeContext: 'demo',
    ParkeeExten: '100', ParkeePriority: '2', ParkeeUniqueid: uniqueId, ParkeeLinkedid: uniqueId, ParkerDialString: name.replace(/-[0-9a-f]+(;\d)?$/, ''),
    Parkinglot: 'default', ParkingSpace: space, ParkingTimeout: String(timeout), ParkingDuration: String(duration),
  };
}

/**
 * Plays Asterisk for `Park` and `Hangup`: answers like res_parking / the manager (same refusals) and emits
 * the events a moment after the response, as Asterisk does, so the commands must wait for them.
 */
class FakeParkingAsterisk implements AmiGateway {
  readonly actions: Record<string, string>[] = [];
  connected = true;
  /** Channel name -> unique id, for the channels Asterisk has. */
  readonly channels = new Map<string, string>();
  /** Channel name -> space, for the parked ones. */
  readonly parked = new Map<string, string>();

  constructor(private readonly store: MemoryEventStore) {}

  state() {
    return { connected: this.connected, since: null, lastEventAt: null };
  }

  async action(action: AmiAction): Promise<AmiFields> {
    const fields = Object.fromEntries(Object.entries(action).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
    this.actions.push(fields);
    const name = fields.Channel!;
    const uniqueId = this.channels.get(name);
    const refuse = (message: string): never => {
      throw new AmiActionError(fields.Action!, { Response: 'Error', ActionID: fields.ActionID!, Message: message });
    };
    switch (fields.Action) {
      case 'Park': {
        if (uniqueId === undefined) refuse(`Channel does not exist: ${name}`);
        if ((fields.Parkinglot ?? 'default') !== 'default') refuse(`Parking lot ${fields.Parkinglot} does not exist`);
        const space = String(701 + this.parked.size);
        this.parked.set(name, space);
        this.emitLater('ParkedCall', parkee(uniqueId!, name, space, fields.Timeout === undefined ? 45 : Number(fields.Timeout) / 1000));
        return { Response: 'Success', ActionID: fields.ActionID!, Message: 'Park successful' };
      }
      case 'Hangup': {
        if (uniqueId === undefined) refuse('No such channel');
        const space = this.parked.get(name);
        this.channels.delete(name);
        this.parked.delete(name);
        if (space !== undefined) this.emitLater('ParkedCallGiveUp', parkee(uniqueId!, name, space, 40, 5));
        this.emitLater('Hangup', { ...channel(uniqueId!, name), Cause: '16', 'Cause-txt': 'Normal Clearing' });
        return { Response: 'Success', ActionID: fields.ActionID!, Message: 'Channel Hungup' };
      }
      default:
        return refuse('Invalid/unknown command');
    }
  }

  listAction(): never {
    throw new Error('not used');
  }

  command(): never {
    throw new Error('not used');
  }

  private emitLater(type: string, data: Record<string, string>): void {
    setTimeout(() => void this.store.append(streams.pbx('test'), [{ type, data, metadata: { node: 'test', receivedAt: nowTimestamp() } }]), 30);
  }
}

describe('park REST routes and commands (real HTTP, SQLite read models, Asterisk played by a fake)', function () {
  this.timeout(20_000);
  let store: MemoryEventStore;
  let readModels: ReadModelDb;
  let runner: ProjectionRunner<ReadModelChange>;
  let asterisk: FakeParkingAsterisk;
  let server: TestServer;
  let http: HttpClient;

  const append = async (type: string, data: Record<string, unknown>): Promise<void> => {
    const { lastPosition } = await store.append(streams.pbx('test'), [{ type, data, metadata: { node: 'test', receivedAt: nowTimestamp() } }]);
    await runner.waitForPosition(lastPosition, 5000);
  };
  const liveChannel = async (uniqueId: string, name: string): Promise<void> => {
    asterisk.channels.set(name, uniqueId);
    await append('Newchannel', channel(uniqueId, name));
  };

  before(async () => {
    store = new MemoryEventStore();
    readModels = await openReadModelDb(':memory:');
    runner = createProjectionRunner({ store, readModels });
    await runner.start();
    asterisk = new FakeParkingAsterisk(store);
    const at = nowTimestamp();
    await store.append(streams.pbx('test'), [
      snapshotEvent('Parkinglots', { items: [{ Event: 'Parkinglot', Name: 'default', StartSpace: '701', StopSpace: '720', Timeout: '45' }, { Event: 'Parkinglot', Name: 'sales lot', StartSpace: '801', StopSpace: '810', Timeout: '90' }] }, at),
    ]);
    const logger = silentLogger();
    const commands = { store, ami: asterisk, readModels: createReadModelSync(runner), logger, settleTimeoutMs: 3000 };
    // Authentication has its own tests: here every request is the admin.
    const authenticate = async (ctx: Context, next: Next) => {
      ctx.state.user = admin;
      await next();
    };
    server = await listen(createHttpApp({ logger, bodyLimitBytes: 1024 * 1024, authenticate, routers: [parkRoutes({ db: readModels.db, commands })] }));
    http = httpClient(server.baseUrl);
    await runner.waitForPosition(await store.headPosition(), 5000);
  });

  after(async () => {
    await server?.close();
    await runner?.stop();
    await store?.close();
    await readModels?.close();
  });

  beforeEach(() => {
    asterisk.actions.length = 0;
    asterisk.connected = true;
  });

  it('lists the parking lots with the manual spelling stop_spcae and serves one by its URI-encoded name on both prefixes', async () => {
    const list = await http.get('/v1/park/parkinglots');
    expect(list.status).to.equal(200);
    expect(listOf(list.body).map((lot) => lot.name)).to.deep.equal(['default', 'sales lot']);
    const lot = resultOf((await http.get('/v1/admin/park/parkinglots/default')).body);
    expect(Object.keys(lot).sort()).to.deep.equal(['name', 'node', 'start_space', 'stop_spcae', 'timeout', 'tm_update']);
    expect(lot).to.include({ name: 'default', start_space: '701', stop_spcae: '720', timeout: 45 });
    expect(resultOf((await http.get('/park/parkinglots/sales%20lot')).body).timeout).to.equal(90);
    const missing = await http.get('/v1/park/parkinglots/nope');
    expect(missing.status).to.equal(404);
    expect(missing.body?.error?.message).to.match(/nope/);
  });

  it('parks a live channel by unique id and answers with the parked call as the read model shows it', async () => {
    await liveChannel('1.1', 'PJSIP/pjagent-01-00000001');
    const parked = await http.post('/v1/park/parkedcalls', { body: { unique_id: '1.1', timeout: 30 } });

    expect(parked.status).to.equal(200);
    expect(resultOf(parked.body)).to.include({ parkee_unique_id: '1.1', parkee_channel: 'PJSIP/pjagent-01-00000001', parking_lot: 'default', parking_space: '701', parking_timeout: 30, parking_duration: 0 });
    expect(resultOf(parked.body).command_id).to.be.a('string');
    expect(asterisk.actions).to.deep.equal([{ Action: 'Park', ActionID: resultOf(parked.body).command_id, Channel: 'PJSIP/pjagent-01-00000001', Timeout: '30000' }]);

    const list = listOf((await http.get('/v1/park/parkedcalls')).body);
    expect(list.map((call) => [call.parkee_unique_id, call.parking_space])).to.deep.equal([['1.1', '701']]);
    const one = resultOf((await http.get('/v1/admin/park/parkedcalls/1.1')).body);
    for (const key of [
      'parkee_unique_id', 'parkee_linked_id', 'parkee_channel', 'parkee_channel_state', 'parkee_channel_state_desc', 'parkee_caller_id_name', 'parkee_caller_id_num',
      'parkee_connected_line_name', 'parkee_connected_line_num', 'parkee_account_code', 'parkee_context', 'parkee_exten', 'parkee_priority', 'parker_dial_string',
      'parking_duration', 'parking_lot', 'parking_space', 'parking_timeout', 'tm_update',
    ]) {
      expect(one, key).to.have.property(key);
    }
    expect(one.parkee_channel_state).to.equal('6');
  });

  it('parks by channel name too', async () => {
    await liveChannel('1.2', 'PJSIP/pjagent-02-00000002');
    const parked = await http.post('/v1/park/parkedcalls', { body: { channel: 'PJSIP/pjagent-02-00000002' } });
    expect(parked.status).to.equal(200);
    expect(resultOf(parked.body)).to.include({ parkee_unique_id: '1.2', parking_space: '702', parking_timeout: 45 });
  });

  it('DELETE hangs the parked call up and answers once the read model shows it gone, recording the command', async () => {
    await liveChannel('1.3', 'Local/200@demo-00000003;2');
    expect((await http.post('/v1/park/parkedcalls', { body: { unique_id: '1.3' } })).status).to.equal(200);
    asterisk.actions.length = 0;

    const deleted = await http.delete('/v1/park/parkedcalls/1.3');

    expect(deleted.status).to.equal(200);
    expect(deleted.body).to.not.have.property('result');
    expect(asterisk.actions.map((a) => [a.Action, a.Channel])).to.deep.equal([['Hangup', 'Local/200@demo-00000003;2']]);
    expect((await http.get('/v1/park/parkedcalls/1.3')).status, 'gone at once: read-your-writes').to.equal(404);
    const commandId = asterisk.actions[0]!.ActionID!;
    const audit = (await store.readAll()).filter((event) => event.stream === streams.command(commandId)).map((event) => event.type);
    expect(audit).to.deep.equal(['ParkedCallHangupRequested', 'ParkedCallHangupSucceeded']);
  });

  it('answers 404 for a parked call or channel jade does not know, without asking Asterisk', async () => {
    expect((await http.delete('/v1/park/parkedcalls/9.9')).status).to.equal(404);
    expect((await http.get('/v1/park/parkedcalls/9.9')).status).to.equal(404);
    const unknown = await http.post('/v1/park/parkedcalls', { body: { unique_id: '9.9' } });
    expect(unknown.status).to.equal(404);
    expect(unknown.body?.error?.message).to.match(/9\.9/);
    expect(asterisk.actions).to.deep.equal([]);
  });

  it("passes Asterisk's refusal on: an unknown lot is 404 with Asterisk's message", async () => {
    await liveChannel('1.4', 'PJSIP/pjagent-03-00000004');
    const refused = await http.post('/v1/park/parkedcalls', { body: { unique_id: '1.4', parkinglot: 'nolot' } });
    expect(refused.status).to.equal(404);
    expect(refused.body?.error?.message).to.match(/nolot/);
  });

  it('rejects bad park bodies with 400 naming the field, before anything reaches Asterisk', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /unique_id/],
      [{ unique_id: '1.1', channel: 'PJSIP/x' }, /exactly one/],
      [{ channel: 'PJSIP/x\r\nAction: Originate' }, /channel/],
      [{ unique_id: '1.1', timeout: -1 }, /timeout/],
      [{ unique_id: '1.1', timeout: 'long' }, /timeout/],
      [{ unique_id: 11 }, /unique_id/],
    ];
    for (const [body, message] of cases) {
      const response = await http.post('/v1/park/parkedcalls', { body });
      expect(response.status, JSON.stringify(body)).to.equal(400);
      expect(response.body?.error?.message, JSON.stringify(body)).to.match(message);
    }
    expect(asterisk.actions).to.deep.equal([]);
  });

  it('answers 503 while Asterisk is not connected, and records the refusal', async () => {
    await liveChannel('1.5', 'PJSIP/pjagent-01-00000005');
    asterisk.connected = false;
    const response = await http.post('/v1/park/parkedcalls', { body: { unique_id: '1.5' } });
    expect(response.status).to.equal(503);
    const types = (await store.readAll()).map((event) => event.type);
    expect(types.at(-1)).to.equal('ParkRejected');
    expect(asterisk.actions).to.deep.equal([]);
  });
});
