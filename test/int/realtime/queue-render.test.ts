import { expect } from 'chai';
import { streams } from '../../../src/events/index.js';
import type { ReadModelChange } from '../../../src/readmodels/index.js';
import { toRealtimeEvent } from '../../../src/realtime/event-table.js';
import { getEntry, getMember, getQueue } from '../../../projections/queues/index.js';
import { appendCapture, harness, snapshotEvent, type Harness } from '../readmodels/support.js';

type QueueChange = Extract<ReadModelChange, { table: 'queues' | 'queue_members' | 'queue_entries' }>;
const isQueueChange = (change: ReadModelChange): change is QueueChange =>
  change.table === 'queues' || change.table === 'queue_members' || change.table === 'queue_entries';

describe('queue objects: the REST answer and the realtime payload are one render', function () {
  this.timeout(20_000);
  let h: Harness;
  const last = new Map<string, QueueChange>();

  before(async () => {
    h = await harness();
    await appendCapture(h.store);
    // A reconnect's QueueStatus and a caller still waiting at the end, so a queue and an entry are compared too.
    const at = '2026-11-27T21:00:00.000000000Z';
    const params = { Event: 'QueueParams', Queue: 'sales_1', Max: '0', Strategy: 'ringall', Calls: '0', Holdtime: '3', TalkTime: '7', Completed: '2', Abandoned: '1', ServiceLevel: '60', ServicelevelPerf: '100.0', ServicelevelPerf2: '66.7', Weight: '0' };
    const member = { Event: 'QueueMember', Queue: 'sales_1', Name: 'agent-01', Location: 'Local/agent-01@agents', StateInterface: 'Local/agent-01@agents', Membership: 'static', Penalty: '0', CallsTaken: '3', LastCall: '0', LastPause: '0', LoginTime: '1795813200', InCall: '0', Status: '1', Paused: '0', PausedReason: '', Wrapuptime: '0' };
    await h.store.append(streams.pbx('test'), [snapshotEvent('QueueStatus', { items: [params, member] }, at)]);
    const caller = { Channel: 'PJSIP/c-1', Uniqueid: 'w.1', Linkedid: 'w.1', CallerIDNum: '555', CallerIDName: 'W', ConnectedLineNum: '<unknown>', ConnectedLineName: '<unknown>' };
    await h.store.append(streams.call('w.1'), [{ type: 'QueueCallerJoin', data: { ...caller, Queue: 'sales_1', Position: '1', Count: '1' }, metadata: { node: 'test', receivedAt: at } }]);
    const runner = h.runner();
    runner.changes.on('change', (change) => {
      if (isQueueChange(change)) last.set(`${change.table}\u0000${change.key}`, change);
    });
    await runner.catchUp();
  });
  after(async () => {
    await h.close();
  });

  it('gives, byte for byte, the same queue, member and entry objects from SQLite as from the change feed', async () => {
    const compared = { queues: 0, queue_members: 0, queue_entries: 0 };
    for (const change of last.values()) {
      if (change.op === 'delete') continue;
      const realtime = JSON.stringify(toRealtimeEvent(change)?.data);
      const db = h.readModels.db;
      const rest =
        change.table === 'queues'
          ? await getQueue(db, change.row.name)
          : change.table === 'queue_members'
            ? await getMember(db, change.row.queue_name, change.row.name)
            : await getEntry(db, change.row.unique_id, change.row.tm_update);
      expect(JSON.stringify(rest), `${change.table} ${change.key}`).to.equal(realtime);
      compared[change.table] += 1;
    }
    expect(compared.queues, 'queues compared').to.be.greaterThan(0);
    expect(compared.queue_members, 'members compared').to.be.greaterThan(0);
    expect(compared.queue_entries, 'entries compared').to.be.greaterThan(0);
  });
});
