import { expect } from 'chai';
import { streams } from '../../../src/events/index.js';
import { formatTimestamp } from '../../../src/events/time.js';
import { startTestJade, type RunningJade } from '../../support/jade.js';

type Row = Record<string, unknown>;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

const parkee = {
  ParkeeChannel: 'Local/200@demo-00000001;2', ParkeeChannelState: '6', ParkeeChannelStateDesc: 'Up', ParkeeCallerIDNum: '5550100', ParkeeCallerIDName: 'Jade Recorder',
  ParkeeConnectedLineNum: '<unknown>', ParkeeConnectedLineName: '<unknown>', ParkeeAccountCode: '', ParkeeContext: 'demo', ParkeeExten: '200', ParkeePriority: '2',
  ParkeeUniqueid: '1.2', ParkeeLinkedid: '1.1', ParkerDialString: 'Local/200@demo', Parkinglot: 'default', ParkingSpace: '701', ParkingTimeout: '45', ParkingDuration: '0',
};

describe('parking, device states and legacy paths as of at= (the whole app, no Asterisk)', function () {
  this.timeout(20_000);
  let running: RunningJade;
  let parkedAt: number;

  before(async () => {
    // Taken here, not at file load: a long run must not age the parked call before it is appended.
    const tenSecondsAgo = Date.now() - 10_000;
    running = await startTestJade(undefined);
    const at = (ms: number) => ({ node: 'test', receivedAt: formatTimestamp(BigInt(ms) * 1_000_000n) });
    const store = running.jade.store;
    parkedAt = (await store.append(streams.call('1.1'), [{ type: 'ParkedCall', data: parkee, metadata: at(tenSecondsAgo) }])).lastPosition;
    await store.append(streams.pbx('test'), [{ type: 'DeviceStateChange', data: { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' }, metadata: at(tenSecondsAgo) }]);
    const { lastPosition } = await store.append(streams.call('1.1'), [
      { type: 'ParkedCallGiveUp', data: { ...parkee, ParkingTimeout: '40', ParkingDuration: '5' }, metadata: at(tenSecondsAgo + 5_000) },
      { type: 'DeviceStateChange', data: { Device: 'PJSIP/pjagent-01', State: 'UNAVAILABLE' }, metadata: at(tenSecondsAgo + 5_000) },
    ]);
    await running.jade.runner.waitForPosition(lastPosition, 5000);
  });

  after(async () => {
    await running?.stop();
  });

  it('shows the call parked at a position of the log, its counters as of then, and none now', async () => {
    const then = await running.get('/v1/park/parkedcalls', { query: { at: String(parkedAt) } });
    expect(then.status, then.text).to.equal(200);
    const [call] = listOf(then.body);
    expect(call).to.include({ parkee_unique_id: '1.2', parking_space: '701' });
    // The `now` of a position is when that event was stored (point-in-time.ts): here ~10 s after Asterisk parked it.
    expect(call!.parking_duration).to.be.within(9, 12);
    expect(Number(call!.parking_duration) + Number(call!.parking_timeout)).to.equal(45);
    expect((await running.get('/v1/park/parkedcalls/1.2', { query: { at: String(parkedAt) } })).status).to.equal(200);
    expect(listOf((await running.get('/v1/park/parkedcalls')).body)).to.deep.equal([]);
  });

  it('answers legacy detail calls as of at= too', async () => {
    const then = await running.get('/v1/device_states/', { query: { device: 'PJSIP/pjagent-01', at: String(parkedAt + 1) } });
    expect((then.body?.result as Row | undefined)?.state).to.equal('NOT_INUSE');
    const now = await running.get('/v1/device_states/', { query: { device: 'PJSIP/pjagent-01' } });
    expect((now.body?.result as Row | undefined)?.state).to.equal('UNAVAILABLE');
    expect((await running.get('/v1/park/parkedcalls', { query: { at: 'yesterday' } })).status).to.equal(400);
  });
});
