import { expect } from 'chai';
import { deviceStatesProjection } from '../../../projections/device-states.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { LogBuilder } from './support/events.js';
import { sandboxCaptureEvents } from './support/sandbox-capture.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(deviceStatesProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

const item = (device: string, state: string) => ({ Event: 'DeviceStateChange', Device: device, State: state });

describe('device states projection', () => {
  it('lists every device of the DeviceStateList snapshot with its state name', () => {
    const log = new LogBuilder();
    log.snapshot('DeviceStateList', { items: [item('PJSIP/pjagent-01', 'UNAVAILABLE'), item('Agent:1001', 'UNAVAILABLE'), item('Queue:sales_1_avail', 'INUSE')] });
    const { projection } = run(log.all());
    expect(projection.rows('device_states')).to.deep.equal([
      { device: 'Agent:1001', state: 'UNAVAILABLE', tm_update: log.timeOf(1) },
      { device: 'PJSIP/pjagent-01', state: 'UNAVAILABLE', tm_update: log.timeOf(1) },
      { device: 'Queue:sales_1_avail', state: 'INUSE', tm_update: log.timeOf(1) },
    ]);
  });

  it('follows DeviceStateChange: new devices appear, a changed state updates, a repeated state changes nothing', () => {
    const log = new LogBuilder();
    log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'UNAVAILABLE' });
    log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' });
    log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' });
    log.add('DeviceStateChange', { Device: 'Queue:sales_1_avail', State: 'INUSE' });
    const { projection, changes } = run(log.all());

    expect(changes.map((c) => [c.op, c.key, c.row.state])).to.deep.equal([
      ['create', 'PJSIP/pjagent-01', 'UNAVAILABLE'],
      ['update', 'PJSIP/pjagent-01', 'NOT_INUSE'],
      ['create', 'Queue:sales_1_avail', 'INUSE'],
    ]);
    expect(projection.row('device_states', 'PJSIP/pjagent-01')!.tm_update).to.equal(log.timeOf(2));
  });

  it("keeps no Local/ channel devices: Asterisk announces their state but does not hold it (DeviceStateList never lists them)", () => {
    const log = new LogBuilder();
    log.add('DeviceStateChange', { Device: 'Local/100@demo', State: 'INUSE' });
    expect(run(log.all()).changes).to.deep.equal([]);
  });

  it('reconciles after a reconnect: devices Asterisk no longer has are deleted, states are corrected', () => {
    const log = new LogBuilder();
    log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' });
    log.add('DeviceStateChange', { Device: 'Agent:1002', State: 'NOT_INUSE' });
    log.snapshot('DeviceStateList', { items: [item('PJSIP/pjagent-01', 'UNAVAILABLE')] });
    const { projection, changes } = run(log.all());
    expect(changes.slice(2).map((c) => [c.op, c.key])).to.deep.equal([['update', 'PJSIP/pjagent-01'], ['delete', 'Agent:1002']]);
    expect(projection.rows('device_states').map((r) => [r.device, r.state])).to.deep.equal([['PJSIP/pjagent-01', 'UNAVAILABLE']]);
  });

  it('deletes nothing when the DeviceStateList action failed', () => {
    const log = new LogBuilder();
    log.add('DeviceStateChange', { Device: 'PJSIP/pjagent-01', State: 'NOT_INUSE' });
    log.add('AmiSnapshotFailed', { action: 'DeviceStateList', round: 'r2', error: 'timeout' });
    expect(run(log.all()).projection.rows('device_states')).to.have.length(1);
  });

  it('over the recorded sandbox traffic, holds what the last DeviceStateList said plus the changes after it', () => {
    const events = sandboxCaptureEvents();
    const { projection } = run(events);
    const lastList = events.map((e) => e.type === 'AmiSnapshot' && e.data.action === 'DeviceStateList').lastIndexOf(true);
    const expected = new Map<string, string>();
    for (const listed of (events[lastList]!.data.items as Record<string, string>[])) expected.set(listed.Device!, listed.State!);
    for (const later of events.slice(lastList + 1).filter((e) => e.type === 'DeviceStateChange' && !String(e.data.Device).startsWith('Local/'))) {
      expected.set(later.data.Device as string, later.data.State as string);
    }
    expect(projection.rows('device_states').map((r) => [r.device, r.state])).to.deep.equal([...expected.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(expected.size).to.be.greaterThan(10);
  });
});
