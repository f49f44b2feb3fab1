import { expect } from 'chai';
import { defaultProjections } from '../../../src/readmodels/index.js';
import { catalogFamilies, realtimeTable, toRealtimeEvent } from '../../../src/realtime/event-table.js';
import { agiChange, channelChange } from './rows.js';
import { publishTopic } from '../../../src/realtime/topics.js';

describe('realtime event table', () => {
  it('has an entry (a mapping or an explicit null) for every read-model table', () => {
    const tables = defaultProjections.flatMap((projection) => Object.keys(projection.tables)).sort();
    expect(Object.keys(realtimeTable).sort()).to.deep.equal(tables);
  });

  it('maps channel changes to core.channel.<op> on /core/channels/<encoded caller_id_name>', () => {
    for (const op of ['create', 'update', 'delete'] as const) {
      const event = toRealtimeEvent(channelChange(op, 12));
      expect(event).to.deep.include({ position: 12, topic: '/core/channels/pjagent%2D01', event: `core.channel.${op}` });
    }
  });

  it('gives the channel payload the REST object’s duration, as of the change', () => {
    const event = toRealtimeEvent(channelChange('delete', 3, { tm_create: '2026-01-01T00:00:00.000000000Z', tm_update: '2026-01-01T00:01:05.000000000Z' }));
    expect(event?.data).to.include({ duration: 65, unique_id: '1700000000.1' });
  });

  it('maps AGI changes to core.agi.<op> on /core/agis/<encoded caller_id_name>', () => {
    const event = toRealtimeEvent(agiChange('update', 4, { caller_id_name: 'pjagent-02' }));
    expect(event).to.deep.include({ position: 4, topic: '/core/agis/pjagent%2D02', event: 'core.agi.update' });
    expect(event?.data).to.deep.include({ env: { agi_request: 'async' }, cmd: {} });
  });

  it('publishes on the bare collection when the target field is empty', () => {
    expect(toRealtimeEvent(channelChange('create', 1, { caller_id_name: '' }))?.topic).to.equal('/core/channels/');
  });

  it('does not publish tables the manual has no events for', () => {
    expect(realtimeTable.modules).to.equal(null);
    expect(realtimeTable.systems).to.equal(null);
  });

  it('declares the catalog’s families, upserts where the manual has no create', () => {
    expect(catalogFamilies.parkedCall).to.deep.equal({
      events: { create: 'park.parkedcall.create', update: 'park.parkedcall.update', delete: 'park.parkedcall.delete' },
      collection: '/park/parkinglots/',
      target: 'parking_lot',
    });
    expect(catalogFamilies.queueMember.events).to.deep.equal({ create: 'queue.member.update', update: 'queue.member.update', delete: 'queue.member.delete' });
    expect(catalogFamilies.queueEntry.events.create).to.equal('queue.entry.update');
    expect(catalogFamilies.queueQueue.events).to.deep.equal({ create: 'queue.queue.update', update: 'queue.queue.update' });
    expect(catalogFamilies.queueQueue.target).to.equal('name');
  });

  it('publishes a new version of a managed file (drift included) on /admin/configurations/<file> with who, why and the line diff', () => {
    const line = (key: string, value: string) => ({ key, value });
    const row = {
      id: '42', position: 42, file: 'queues.conf', kind: 'outside' as const, cause: 'drift', name: 'queues.conf.2026-01-01T00:00:00.000000000Z',
      time: '2026-01-01T00:00:00.000000000Z', user_uuid: null, username: null, command_id: null, hidden: 0,
      before: [{ name: 'sales_2', lines: [line('strategy', 'ringall')] }],
      sections: [{ name: 'sales_2', lines: [line('strategy', 'leastrecent')] }],
    };
    const event = toRealtimeEvent({ projection: 'config_versions', table: 'config_versions', op: 'create', key: '42', row, position: 42 } as Parameters<typeof toRealtimeEvent>[0]);
    expect(event?.event).to.equal('admin.configuration.create');
    expect(event?.topic).to.equal(publishTopic('/admin/configurations/', 'queues.conf'));
    const data = event?.data as { diff: string[]; kind: string; sections?: unknown };
    expect(data.kind).to.equal('outside');
    expect(data.sections, 'the full file stays behind the history route').to.equal(undefined);
    expect(data.diff.filter((l) => l.startsWith('-') || l.startsWith('+')).map((l) => l.replace(/\s+/g, ' '))).to.deep.equal(['-strategy = ringall', '+strategy = leastrecent']);
  });
});
