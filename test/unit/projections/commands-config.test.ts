import { expect } from 'chai';
import { commandsProjection, type CommandRow } from '../../../projections/commands.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { StreamLog } from './support/stream-log.js';

/** Configuration writes are commands on their file's stream (`config-<file>`): the audit lists them as `ConfigUpdate`. */

const stream = 'config-queues.conf';
const requested = {
  command_id: 'w1', user_uuid: 'user-1', username: 'alice', file: 'queues.conf', operation: 'queue.update', section: 'sales_2',
  options: { strategy: 'ringall' }, wanted: [{ name: 'sales_2', lines: [] }], based_on: 7, reload: 'app_queue',
};

function audit(log: StreamLog): MemoryProjection<{ commands: CommandRow }, 'commands'> {
  const projection = new MemoryProjection(commandsProjection);
  projection.apply(log.all());
  return projection;
}

describe('commands projection: configuration writes', () => {
  it('lists a write as a ConfigUpdate by its user, with the file and operation asked, and its new version once written', () => {
    const log = new StreamLog();
    log.add(stream, 'ConfigUpdateRequested', requested);
    const updated = log.add(stream, 'ConfigUpdated', { command_id: 'w1', file: 'queues.conf', cause: 'write', before: [], after: [], time: log.timeOf(2) });
    const row = audit(log).row('commands', 'w1');
    expect(row).to.include({ type: 'ConfigUpdate', user_uuid: 'user-1', username: 'alice', outcome: 'succeeded' });
    expect(row?.request).to.deep.equal({ file: 'queues.conf', operation: 'queue.update', section: 'sales_2', options: { strategy: 'ringall' }, based_on: 7, reload: 'app_queue' });
    expect(row?.targets).to.deep.equal({ file: 'queues.conf' });
    expect(row?.result).to.deep.equal({ version: updated.position });
  });

  it('ends a refused write as rejected, a failed UpdateConfig and a failed reload as failed, with the reason', () => {
    const log = new StreamLog();
    log.add(stream, 'ConfigUpdateRequested', { ...requested, command_id: 'stale' });
    log.add(stream, 'ConfigUpdateRejected', { command_id: 'stale', file: 'queues.conf', reason: 'stale', message: 'queues.conf changed since version 7', current_version: 9 });
    log.add(stream, 'ConfigUpdateRequested', { ...requested, command_id: 'broken' });
    log.add(stream, 'ConfigUpdateFailed', { command_id: 'broken', file: 'queues.conf', error: 'Update did not complete successfully', applied: 0, rolled_back: false, response: { Response: 'Error' } });
    log.add(stream, 'ConfigUpdateRequested', { ...requested, command_id: 'reload' });
    log.add(stream, 'ConfigUpdated', { command_id: 'reload', file: 'queues.conf', cause: 'write', before: [], after: [], time: log.timeOf(6) });
    log.add(stream, 'ConfigUpdated', { command_id: 'reload', file: 'queues.conf', cause: 'reload_failed', reload_error: 'No such module', before: [], after: [], time: log.timeOf(7) });
    const projection = audit(log);
    expect(projection.row('commands', 'stale')).to.deep.include({ outcome: 'rejected', error: { error: 'queues.conf changed since version 7', reason: 'stale' } });
    expect(projection.row('commands', 'broken')).to.deep.include({ outcome: 'failed', error: { error: 'Update did not complete successfully', reason: 'update_failed' }, response: { Response: 'Error' } });
    expect(projection.row('commands', 'reload')).to.deep.include({ outcome: 'failed', error: { error: 'No such module', reason: 'reload_failed' } });
  });

  it('audits no command for versions jade only observed (first look, drift) or a hidden backup', () => {
    const log = new StreamLog();
    log.add(stream, 'ConfigObserved', { file: 'queues.conf', time: log.timeOf(1), sections: [] });
    log.add(stream, 'ConfigChangedOutsideJade', { file: 'queues.conf', time: log.timeOf(2), before: [], after: [], diff: [], based_on: 1 });
    log.add(stream, 'ConfigVersionHidden', { file: 'queues.conf', name: 'queues.conf.2026-01-01T00:00:00.000000000Z', time: log.timeOf(3), user_uuid: 'u', username: 'a' });
    expect(audit(log).rows('commands')).to.deep.equal([]);
  });
});
