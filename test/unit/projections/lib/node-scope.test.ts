import { expect } from 'chai';
import { channelsProjection } from '../../../../projections/channels.js';
import { modulesProjection } from '../../../../projections/modules.js';
import { queuesProjection } from '../../../../projections/queues/index.js';
import { MemoryProjection } from '../../../../projections/lib/memory-state.js';
import { nodeScoped, oneOfNodes } from '../../../../projections/lib/node-scope.js';
import { defineProjection, type ProjectionState } from '../../../../projections/lib/projection.js';
import { AmbiguousNodeError } from '../../../../src/events/errors.js';
import { amiEventTypes, type AmiFields } from '../../../../src/events/index.js';
import { channelFields, LogBuilder } from '../support/events.js';

/** A resync snapshot recorded by one box's link. */
function snapshot(log: LogBuilder, node: string, action: string, parts: { items?: AmiFields[]; output?: string[] } = {}) {
  return log.add(amiEventTypes.snapshot, { action, items: parts.items ?? [], response: { Response: 'Success' }, ...(parts.output ? { output: parts.output } : {}), round: `r-${node}` }, { node });
}

const moduleShow = (...names: string[]) => [
  'Module                         Description                              Use Count  Status      Support Level',
  ...names.map((name) => `${`${name}.so`.padEnd(30)} ${'Some module'.padEnd(40)} ${'0'.padEnd(10)} ${'Running'.padEnd(11)} ${'core'.padStart(13)}`),
  `${names.length} modules loaded`,
];

describe('node-scoped projections (several Asterisk boxes in one log)', () => {
  it('keeps the rows of two boxes apart, each with its node, under <node>/<key>', () => {
    const projection = new MemoryProjection(channelsProjection);
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('east1-1.1'), { node: 'east' });
    log.add('Newchannel', channelFields('west1-1.1'), { node: 'west' });
    const changes = projection.apply(log.all());
    expect(changes.map((c) => [c.op, c.key, c.row.node])).to.deep.equal([
      ['create', 'east/east1-1.1', 'east'],
      ['create', 'west/west1-1.1', 'west'],
    ]);
    expect(projection.row('channels', 'west/west1-1.1')).to.include({ unique_id: 'west1-1.1', node: 'west', row_key: 'west/west1-1.1' });
  });

  it('makes a name both boxes have two rows (modules, queues)', () => {
    const modules = new MemoryProjection(modulesProjection);
    const log = new LogBuilder();
    snapshot(log, 'east', 'Command: module show', { output: moduleShow('app_queue', 'res_pjsip') });
    snapshot(log, 'west', 'Command: module show', { output: moduleShow('app_queue') });
    modules.apply(log.all());
    expect(modules.rows('modules').map((row) => row.row_key)).to.deep.equal(['east/app_queue', 'east/res_pjsip', 'west/app_queue']);

    const queues = new MemoryProjection(queuesProjection);
    const queueLog = new LogBuilder();
    for (const node of ['east', 'west']) {
      snapshot(queueLog, node, 'QueueStatus', { items: [{ Event: 'QueueParams', Queue: 'sales', Max: '0', Strategy: 'ringall', Calls: node === 'east' ? '1' : '3', Holdtime: '0', TalkTime: '0', Completed: '0', Abandoned: '0', ServiceLevel: '0', ServicelevelPerf: '0', ServicelevelPerf2: '0', Weight: '0' }] });
    }
    queues.apply(queueLog.all());
    expect(queues.rows('queues').map((row) => [row.node, row.name, row.calls])).to.deep.equal([
      ['east', 'sales', 1],
      ['west', 'sales', 3],
    ]);
  });

  it('reconciles a snapshot of one box against that box\'s rows only: the other box\'s stay as they were', () => {
    const projection = new MemoryProjection(channelsProjection);
    const log = new LogBuilder();
    log.add('Newchannel', channelFields('east1-1.1'), { node: 'east' });
    log.add('Newchannel', channelFields('west1-1.1'), { node: 'west' });
    log.add('Newchannel', channelFields('west1-1.2'), { node: 'west' });
    projection.apply(log.all());
    const westBefore = projection.rows('channels').filter((row) => row.node === 'west');

    // east restarted: its channel list is empty, west's calls are not in it.
    const restart = new LogBuilder();
    for (let i = 0; i < 3; i++) restart.add('Noop', {});
    snapshot(restart, 'east', 'CoreShowChannels', { items: [{ Event: 'CoreShowChannel', ...channelFields('east1-2.1') }] });
    const changes = projection.apply(restart.all().slice(3));

    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([
      ['create', 'east/east1-2.1'],
      ['delete', 'east/east1-1.1'],
    ]);
    expect(projection.rows('channels').filter((row) => row.node === 'west')).to.deep.equal(westBefore);
  });

  it('gives an event without a node (jade\'s own fact) the row of whichever box has it', () => {
    type Thing = { readonly id: string; readonly value: string };
    const things = nodeScoped(
      defineProjection<{ things: Thing }, 'things'>({
        name: 'things',
        version: 1,
        tables: { things: { key: 'id' } },
        handles: {
          Put: (_state, event) => [{ table: 'things', op: 'create', key: String(event.data.id), row: { id: String(event.data.id), value: 'new' } }],
          Touch: (state: ProjectionState<{ things: Thing }>, event) => {
            const row = state.get('things', String(event.data.id));
            return row ? [{ table: 'things', op: 'update', key: row.id, row: { ...row, value: 'touched' } }] : [];
          },
        },
      }),
    );
    const projection = new MemoryProjection(things);
    const log = new LogBuilder();
    log.add('Put', { id: 'x' }, { node: 'east' });
    log.add('Put', { id: 'y' }, { node: 'west' });
    log.add('Touch', { id: 'y' }, { node: undefined });
    const changes = projection.apply(log.all());
    expect(changes.at(-1)).to.deep.include({ op: 'update', key: 'west/y', row: { id: 'y', value: 'touched', node: 'west', row_key: 'west/y' } });
    expect(projection.row('things', 'east/x')).to.include({ value: 'new' });
  });

  it('answers a single read with the only box having the id, that of ?node=, or refuses to pick among several', () => {
    const rows = [{ node: 'east', name: 'sales' }, { node: 'west', name: 'sales' }];
    expect(() => oneOfNodes(rows, { kind: 'queue', id: 'sales' })).to.throw(AmbiguousNodeError, /node is needed: queue sales exists on several Asterisk boxes \(east, west\)/);
    expect(oneOfNodes(rows, { kind: 'queue', id: 'sales' }, 'west')).to.equal(rows[1]);
    expect(oneOfNodes(rows.slice(0, 1), { kind: 'queue', id: 'sales' })).to.equal(rows[0]);
    expect(oneOfNodes(rows, { kind: 'queue', id: 'sales' }, 'north')).to.equal(undefined);
  });
});
