/**
 * Issue 5 (parking, and the reconnect reconcile of every live-state read model) end to end against the
 * real Asterisk sandbox. Asterisk's own view comes from a raw AMI session; the realtime events are the
 * realtime table applied to the read models' change feed (what the socket layer publishes).
 */
import { expect } from 'chai';
import { amiGet, SandboxAmi, type AmiFrame } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { toRealtimeEvent, type RealtimeEvent } from '../../src/realtime/event-table.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;

describe('Parking against a real Asterisk 22 (issue 5)', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  const events: RealtimeEvent[] = [];
  let stopListening: (() => void) | undefined;

  const connectProbe = (): Promise<SandboxAmi> => {
    const sandbox = getSandbox();
    return SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
  };

  /** Asterisk's own list: unique id -> space. */
  async function asteriskParked(): Promise<Map<string, string>> {
    const { events: items } = await probe.action({ Action: 'ParkedCalls' });
    return new Map(items.map((item: AmiFrame) => [amiGet(item, 'ParkeeUniqueid') ?? '', amiGet(item, 'ParkingSpace') ?? '']));
  }

  async function jadeParked(): Promise<Row[]> {
    const response = await jade.get('/v1/park/parkedcalls');
    expect(response.status, response.text).to.equal(200);
    return listOf(response.body);
  }

  /** Dials `demo` 200, whose callee side answers and runs Park(); resolves with the parked call as jade shows it. */
  async function parkACall(): Promise<Row> {
    const before = new Set((await jadeParked()).map((call) => call.parkee_unique_id));
    const created = await jade.post('/v1/core/channels', { channel: 'Local/200@demo', application: 'Wait', data: '120' });
    expect(created.status, created.text).to.equal(200);
    return eventually(async () => (await jadeParked()).find((call) => !before.has(call.parkee_unique_id)), 10_000, 'the new parked call');
  }

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
    probe = await connectProbe();
    stopListening = jade.jade.runner.changes.on('change', (change) => {
      const event = toRealtimeEvent(change);
      if (event?.event.startsWith('park.')) events.push(event);
    });
  });

  after(async function () {
    stopListening?.();
    probe?.close();
    await jade?.stop();
  });

  it("lists the default parking lot as Asterisk's Parkinglots reports it", async function () {
    const lots = await eventually(async () => {
      const list = listOf((await jade.get('/v1/park/parkinglots')).body);
      return list.length > 0 ? list : undefined;
    }, 10_000, 'the parking lots');
    const sandbox = getSandbox();
    expect(lots).to.deep.equal([{ ...lots[0], name: 'default', start_space: '701', stop_spcae: '720', timeout: sandbox.parkingTimeSeconds }]);
    expect(resultOf((await jade.get('/v1/admin/park/parkinglots/default')).body).name).to.equal('default');
  });

  it('shows a call parked with Park() with its space and timeout, publishes park.parkedcall.create, and DELETE hangs it up', async function () {
    const sandbox = getSandbox();
    const parked = await parkACall();
    const uniqueId = String(parked.parkee_unique_id);

    expect(parked.parking_lot).to.equal('default');
    expect(Number(parked.parking_space)).to.be.within(701, 720);
    expect(parked.parkee_channel).to.match(/^Local\/200@demo-[0-9a-f]+;2$/);
    expect(parked.parkee_channel_state).to.equal('6');
    expect(parked.parking_timeout).to.be.within(sandbox.parkingTimeSeconds - 2, sandbox.parkingTimeSeconds);
    expect((await asteriskParked()).get(uniqueId)).to.equal(parked.parking_space);
    // The counters move with the clock, without any event.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = resultOf((await jade.get(`/v1/park/parkedcalls/${uniqueId}`)).body);
    expect(Number(later.parking_duration)).to.be.greaterThan(Number(parked.parking_duration));
    expect(Number(later.parking_timeout)).to.be.lessThan(Number(parked.parking_timeout));

    const created = events.find((e) => e.event === 'park.parkedcall.create' && (e.data as Row).parkee_unique_id === uniqueId);
    expect(created?.topic).to.equal('/park/parkinglots/default');

    const deleted = await jade.delete(`/v1/park/parkedcalls/${uniqueId}`);
    expect(deleted.status, deleted.text).to.equal(200);
    expect((await jade.get(`/v1/park/parkedcalls/${uniqueId}`)).status, 'gone as soon as DELETE answers').to.equal(404);
    expect((await asteriskParked()).has(uniqueId)).to.equal(false);
    expect((await jade.get(`/v1/core/channels/${uniqueId}`)).status, 'the parked channel is hung up').to.equal(404);
    expect(events.some((e) => e.event === 'park.parkedcall.delete' && (e.data as Row).parkee_unique_id === uniqueId)).to.equal(true);
  });

  it("times out by itself after the lot's parkingtime, with the delete event", async function () {
    const sandbox = getSandbox();
    const parked = await parkACall();
    const uniqueId = String(parked.parkee_unique_id);
    await eventually(async () => ((await jade.get(`/v1/park/parkedcalls/${uniqueId}`)).status === 404 ? true : undefined), (sandbox.parkingTimeSeconds + 10) * 1000, 'the parked call to time out');

    const deleted = events.find((e) => e.event === 'park.parkedcall.delete' && (e.data as Row).parkee_unique_id === uniqueId);
    expect(deleted?.topic).to.equal('/park/parkinglots/default');
    // Asterisk said why: the call's stream has the timeout, not a hangup request from jade.
    const history = await jade.jade.store.readStream(`call-${String(parked.parkee_linked_id)}`);
    expect(history.map((e) => e.type)).to.include('ParkedCallTimeOut');
    expect((await asteriskParked()).has(uniqueId)).to.equal(false);
  });

  it('parks a live channel with POST /v1/park/parkedcalls into the lot with the given timeout', async function () {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', application: 'Wait', data: '120' });
    expect(created.status, created.text).to.equal(200);
    const uniqueId = (created.body?.result as { unique_id: string }).unique_id;
    await eventually(async () => ((await jade.get(`/v1/core/channels/${uniqueId}`)).status === 200 ? true : undefined), 10_000, 'the channel');

    const parked = await jade.post('/v1/park/parkedcalls', { unique_id: uniqueId, parkinglot: 'default', timeout: 40 });

    expect(parked.status, parked.text).to.equal(200);
    expect(resultOf(parked.body)).to.include({ parkee_unique_id: uniqueId, parking_lot: 'default' });
    expect(resultOf(parked.body).parking_timeout).to.be.within(38, 40);
    expect((await asteriskParked()).get(uniqueId)).to.equal(resultOf(parked.body).parking_space);
    const audit = await jade.jade.store.readStream(`command-${String(resultOf(parked.body).command_id)}`);
    expect(audit.map((e) => e.type)).to.deep.equal(['ParkRequested', 'ParkSucceeded']);
    expect((await jade.delete(`/v1/park/parkedcalls/${uniqueId}`)).status).to.equal(200);
  });

  it('after an Asterisk restart with a parked call, holds exactly what Asterisk holds: parked calls, lots, agents, devices, endpoints', async function () {
    const sandbox = getSandbox();
    const before = await parkACall();
    probe.close();
    await sandbox.restart();
    probe = await connectProbe();
    // A call parked while jade may still be reconnecting: it must show up, and the old one must go.
    await probe.action({ Action: 'Originate', Channel: 'Local/200@demo', Application: 'Wait', Data: '120', Async: 'true' });

    await eventually(async () => {
      const health = resultOf((await jade.http.get('/v1/health')).body) as { ami?: { connected?: boolean } };
      if (!health.ami?.connected) return undefined;
      const theirs = await asteriskParked();
      const ours = await jadeParked();
      if (theirs.size !== 1 || ours.length !== 1) return undefined;
      return ours.every((call) => theirs.get(String(call.parkee_unique_id)) === call.parking_space) ? true : undefined;
    }, 30_000, "jade's parked calls to equal Asterisk's");
    expect(events.some((e) => e.event === 'park.parkedcall.delete' && (e.data as Row).parkee_unique_id === before.parkee_unique_id)).to.equal(true);

    // The other live-state read models agree with Asterisk's own lists too.
    const names = async (action: string, header: string): Promise<string[]> => (await probe.action({ Action: action })).events.map((e) => amiGet(e, header) ?? '').sort();
    const ours = async (path: string, key: string): Promise<string[]> => listOf((await jade.get(path)).body).map((row) => String(row[key])).sort();
    expect(await ours('/v1/park/parkinglots', 'name')).to.deep.equal(await names('Parkinglots', 'Name'));
    expect(await ours('/v1/agents', 'id')).to.deep.equal(await names('Agents', 'Agent'));
    expect(await ours('/v1/pjsip/endpoints', 'object_name')).to.deep.equal(await names('PJSIPShowEndpoints', 'ObjectName'));
    expect(await ours('/v1/pjsip/aors', 'object_name')).to.deep.equal(await names('PJSIPShowAors', 'ObjectName'));
    await eventually(async () => {
      const theirs = (await probe.action({ Action: 'DeviceStateList' })).events.map((e) => `${amiGet(e, 'Device')}=${amiGet(e, 'State')}`).sort();
      const mine = listOf((await jade.get('/v1/device_states')).body).map((row) => String(row.device));
      const states = await Promise.all(mine.map(async (device) => `${device}=${String(resultOf((await jade.get('/v1/device_states/', { query: { device } })).body).state)}`));
      return JSON.stringify(states.sort()) === JSON.stringify(theirs) ? true : undefined;
    }, 10_000, "jade's device states to equal Asterisk's DeviceStateList");

    const [remaining] = await jadeParked();
    expect((await jade.delete(`/v1/park/parkedcalls/${String(remaining!.parkee_unique_id)}`)).status).to.equal(200);
  });
});
