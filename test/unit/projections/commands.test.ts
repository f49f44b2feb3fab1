import { expect } from 'chai';
import { commandEventKind, commandsProjection, type CommandRow } from '../../../projections/commands.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { StreamLog } from './support/stream-log.js';

function run(log: StreamLog) {
  const projection = new MemoryProjection(commandsProjection);
  const changes = projection.apply(log.all());
  return { projection, changes, row: (uuid: string): CommandRow | undefined => projection.row('commands', uuid) };
}

const requested = { command_type: 'Originate', request: { channel: 'Local/100@demo', exten: '100' }, targets: { unique_id: 'u1' }, user_uuid: 'user-1', username: 'alice' };

describe('commands projection', () => {
  it('records a request as pending with who asked, what, and on what', () => {
    const log = new StreamLog();
    log.command('c1', 'OriginateRequested', requested);
    const { row, changes } = run(log);
    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([['create', 'c1']]);
    expect(row('c1')).to.deep.equal({
      uuid: 'c1',
      type: 'Originate',
      user_uuid: 'user-1',
      username: 'alice',
      request: { channel: 'Local/100@demo', exten: '100' },
      targets: { unique_id: 'u1' },
      response: null,
      result: null,
      error: null,
      outcome: 'pending',
      tm_create: log.timeOf(1),
      tm_update: log.timeOf(1),
    } satisfies CommandRow);
  });

  it('completes it with Asterisk\'s response and the API result on success', () => {
    const log = new StreamLog();
    log.command('c1', 'OriginateRequested', requested);
    log.command('c1', 'OriginateSucceeded', { response: { Response: 'Success', Message: 'Originate successfully queued' }, result: { unique_id: 'u1', command_id: 'c1' } });
    const { row } = run(log);
    expect(row('c1')).to.deep.include({
      outcome: 'succeeded',
      response: { Response: 'Success', Message: 'Originate successfully queued' },
      result: { unique_id: 'u1', command_id: 'c1' },
      error: null,
      tm_create: log.timeOf(1),
      tm_update: log.timeOf(2),
    });
  });

  it('keeps why a command failed (with Asterisk\'s error response) or was rejected before reaching Asterisk', () => {
    const log = new StreamLog();
    log.command('f', 'HangupRequested', { ...requested, command_type: 'Hangup' });
    log.command('f', 'HangupFailed', { error: 'AmiActionError', reason: 'No such channel', timed_out: false, response: { Response: 'Error', Message: 'No such channel' } });
    log.command('r', 'ModuleLoadRequested', { ...requested, command_type: 'ModuleLoad' });
    log.command('r', 'ModuleLoadRejected', { error: 'AmiNotConnectedError', reason: 'Asterisk is not connected' });
    const { row } = run(log);
    expect(row('f')).to.deep.include({ type: 'Hangup', outcome: 'failed', error: { error: 'AmiActionError', reason: 'No such channel', timed_out: false }, response: { Response: 'Error', Message: 'No such channel' } });
    expect(row('r')).to.deep.include({ type: 'ModuleLoad', outcome: 'rejected', error: { error: 'AmiNotConnectedError', reason: 'Asterisk is not connected' }, response: null });
  });

  it('records a command sent without an answer as unknown, distinct from rejected (never sent)', () => {
    const log = new StreamLog();
    log.command('u', 'OriginateRequested', requested);
    log.command('u', 'OriginateUnknown', { error: 'AmiLinkLostError', reason: 'AMI link lost after Originate was sent', timed_out: false });
    const { row } = run(log);
    expect(row('u')).to.deep.include({ outcome: 'unknown', error: { error: 'AmiLinkLostError', reason: 'AMI link lost after Originate was sent', timed_out: false }, response: null });
    expect(commandEventKind('HangupUnknown')).to.deep.equal(['Hangup', 'unknown']);
  });

  it('ignores look-alike events outside command streams and outcomes whose request is not in the log', () => {
    const log = new StreamLog();
    log.add('call-1', 'OriginateRequested', requested);
    log.command('orphan', 'HangupSucceeded', { response: {} });
    const { projection } = run(log);
    expect(projection.rows('commands')).to.deep.equal([]);
  });

  it('reads a command event type as its command type and outcome', () => {
    expect(commandEventKind('QueuePauseSucceeded')).to.deep.equal(['QueuePause', 'succeeded']);
    expect(commandEventKind('Requested')).to.equal(undefined);
    expect(commandEventKind('Newchannel')).to.equal(undefined);
  });
});
