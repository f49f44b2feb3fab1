import { expect } from 'chai';
import { voicemailProjection } from '../../../projections/voicemail.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { toRealtimeEvents } from '../../../src/realtime/event-table.js';
import { publishTopic } from '../../../src/realtime/topics.js';
import { reloadsVoicemail } from '../../../src/ami/voicemail-refresh.js';
import { mailboxesToScan, splitMailboxId } from '../../../src/voicemail/watcher.js';
import { LogBuilder } from './support/events.js';

const entry = (mailbox: string, extra: Record<string, string> = {}) => ({
  Event: 'VoicemailUserEntry', VMContext: 'vm-demo', VoiceMailbox: mailbox, Fullname: `Box ${mailbox}`, Email: '', Pager: '', ServerEmail: 'asterisk',
  FromString: '', MailCommand: '', Language: 'en', TimeZone: 'central', Callback: '', Dialout: '', UniqueID: '', ExitContext: '', SayDurationMinimum: '2',
  SayEnvelope: 'Yes', SayCID: 'No', AttachMessage: 'Yes', AttachmentFormat: 'wav', DeleteMessage: 'No', VolumeGain: '1.50', CanReview: 'No',
  CanMarkUrgent: 'No', CallOperator: 'No', MaxMessageCount: '100', MaxMessageLength: '300', NewMessageCount: '2', OldMessageCount: '0', ...extra,
});
const message = (msgname: string, msgId: string, dir = 'INBOX') => ({ msgname, dir, status: dir === 'INBOX' ? 'unread' : 'read', msg_id: msgId, duration: '5', origmailbox: '6001' });

function run(log: LogBuilder) {
  const projection = new MemoryProjection(voicemailProjection.inner);
  return { projection, changes: projection.apply(log.all()) };
}

describe('voicemail projection', () => {
  it('takes the mailboxes of VoicemailUsersList with the catalog types, and drops one no longer listed', () => {
    const log = new LogBuilder();
    log.snapshot('VoicemailUsersList', { items: [entry('6001'), entry('6002')] });
    log.snapshot('VoicemailUsersList', { items: [entry('6001')] });
    const { projection, changes } = run(log);
    expect(projection.rows('voicemail_users').map((r) => r.id)).to.deep.equal(['6001@vm-demo']);
    expect(projection.row('voicemail_users', '6001@vm-demo')).to.include({
      context: 'vm-demo', mailbox: '6001', full_name: 'Box 6001', attach_message: 'Yes', attachment_format: 'wav', language: 'en', timezone: 'central',
      max_message_count: 100, max_message_length: 300, new_message_count: 2, old_message_count: 0, say_duration_minimum: 2, volume_gain: 1.5,
      imap_user: '', tm_update: log.timeOf(1),
    });
    expect(changes.map((c) => `${c.op} ${c.key}`)).to.deep.equal(['create 6001@vm-demo', 'create 6002@vm-demo', 'delete 6002@vm-demo']);
  });

  it('an answer without a list (no users defined) empties the table', () => {
    const log = new LogBuilder();
    log.snapshot('VoicemailUsersList', { items: [entry('6001')] });
    log.snapshot('VoicemailUsersList', { items: [], response: { Response: 'Success', Message: 'There are no voicemail users currently defined.' } });
    expect(run(log).projection.rows('voicemail_users')).to.deep.equal([]);
  });

  it('MessageWaiting sets the counts of a known mailbox (a voicemail.user.update on its topic), and ignores unknown ones', () => {
    const log = new LogBuilder();
    log.snapshot('VoicemailUsersList', { items: [entry('6001')] });
    log.add('MessageWaiting', { Event: 'MessageWaiting', Mailbox: '6001@vm-demo', Waiting: '1', New: '3', Old: '1' });
    log.add('MessageWaiting', { Event: 'MessageWaiting', Mailbox: '7000@elsewhere', Waiting: '1', New: '1', Old: '0' });
    const { projection, changes } = run(log);
    expect(projection.row('voicemail_users', '6001@vm-demo')).to.include({ new_message_count: 3, old_message_count: 1, tm_update: log.timeOf(2) });
    expect(projection.rows('voicemail_users')).to.have.length(1);
    const [event] = toRealtimeEvents({ ...changes[1]!, position: 2 } as never);
    expect(event).to.include({ event: 'voicemail.user.update', topic: publishTopic('/voicemail/users/', '6001@vm-demo') });
  });

  it('a spool scan is the mailbox truth: new messages created, renumbered ones updated (same msg_id), missing ones deleted; other mailboxes untouched', () => {
    const log = new LogBuilder();
    const scan = (userId: string, messages: object[]) => log.add('VoicemailSpoolScanned', { user_id: userId, context: 'vm-demo', mailbox: userId.split('@')[0], time: '', messages });
    scan('6001@vm-demo', [message('msg0000', 'a'), message('msg0001', 'b'), message('msg0002', 'c')]);
    scan('6002@vm-demo', [message('msg0000', 'z')]);
    scan('6001@vm-demo', [message('msg0000', 'a'), message('msg0001', 'c')]);
    const { projection, changes } = run(log);
    expect(changes.slice(4).map((c) => `${c.op} ${c.key} ${(c.row as { msgname?: string }).msgname}`)).to.deep.equal(['update 6001@vm-demo/c msg0001', 'delete 6001@vm-demo/b msg0001']);
    expect(projection.rows('voicemail_messages').map((r) => r.key)).to.deep.equal(['6001@vm-demo/a', '6001@vm-demo/c', '6002@vm-demo/z']);
    const [created] = toRealtimeEvents({ ...changes[0]!, position: 1 } as never);
    expect(created).to.deep.include({ event: 'voicemail.message.create', topic: publishTopic('/voicemail/users/', '6001@vm-demo') });
    expect(created!.data).to.include({ msgname: 'msg0000', msg_id: 'a', user_id: '6001@vm-demo' });
  });

  it("a delete by jade removes the message at once with its metadata and takes MailboxCount's counts", () => {
    const log = new LogBuilder();
    log.snapshot('VoicemailUsersList', { items: [entry('6001')] });
    log.add('VoicemailSpoolScanned', { user_id: '6001@vm-demo', context: 'vm-demo', mailbox: '6001', time: '', messages: [message('msg0000', 'a')] });
    log.add('VoicemailMessageDeleteSucceeded', {
      command_id: 'c1', response: { Response: 'Success' },
      result: { user_id: '6001@vm-demo', context: 'vm-demo', mailbox: '6001', dir: 'INBOX', msgname: 'msg0000', message: message('msg0000', 'a'), removed: [], renamed: [], counts: { new_message_count: 0, old_message_count: 0 } },
    });
    const { projection, changes } = run(log);
    expect(projection.rows('voicemail_messages')).to.deep.equal([]);
    const deleted = changes.find((c) => c.table === 'voicemail_messages' && c.op === 'delete');
    expect(deleted?.row).to.deep.include({ user_id: '6001@vm-demo', msgname: 'msg0000' });
    expect(projection.row('voicemail_users', '6001@vm-demo')).to.include({ new_message_count: 0, old_message_count: 0 });
  });
});

describe('voicemail watcher decisions', () => {
  it('reads a mailbox again after its MessageWaiting, a delete by jade, and for every mailbox a VoicemailUsersList lists', () => {
    expect(mailboxesToScan({ type: 'MessageWaiting', data: { Mailbox: '6001@vm-demo' } })).to.deep.equal([{ context: 'vm-demo', mailbox: '6001' }]);
    expect(mailboxesToScan({ type: 'VoicemailMessageDeleteSucceeded', data: { result: { context: 'c', mailbox: 'm' } } })).to.deep.equal([{ context: 'c', mailbox: 'm' }]);
    expect(mailboxesToScan({ type: 'AmiSnapshot', data: { action: 'VoicemailUsersList', items: [entry('6001'), entry('6002'), { Event: 'x' }] } }).map((m) => m.mailbox)).to.deep.equal(['6001', '6002']);
    expect(mailboxesToScan({ type: 'AmiSnapshot', data: { action: 'QueueStatus', items: [entry('6001')] } })).to.deep.equal([]);
    expect(mailboxesToScan({ type: 'Hangup', data: {} })).to.deep.equal([]);
    expect(splitMailboxId('1234')).to.deep.equal({ context: 'default', mailbox: '1234' });
  });
  it('asks VoicemailUsersList again after a reload of app_voicemail or of everything, not of other modules', () => {
    expect(reloadsVoicemail({ type: 'Reload', data: { Module: 'app_voicemail.so', Status: '2' } })).to.equal(true);
    expect(reloadsVoicemail({ type: 'Reload', data: { Module: 'app_voicemail' } })).to.equal(true);
    expect(reloadsVoicemail({ type: 'Reload', data: { Module: 'All' } })).to.equal(true);
    expect(reloadsVoicemail({ type: 'Reload', data: { Module: 'app_queue.so' } })).to.equal(false);
    expect(reloadsVoicemail({ type: 'ModuleLoadReport', data: { Module: 'app_voicemail.so' } })).to.equal(false);
  });
});
