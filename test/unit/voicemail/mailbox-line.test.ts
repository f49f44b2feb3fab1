import { expect } from 'chai';
import {
  checkMailboxContext,
  mailboxFieldsOf,
  mailboxOptionNames,
  parseMailboxValue,
  readMailbox,
  renderMailboxValue,
  withMailbox,
  withoutMailbox,
} from '../../../src/configfiles/voicemail.js';
import { InvalidInputError } from '../../../src/validation.js';
import type { ConfigFile } from '../../../src/configfiles/model.js';

const fieldsOfError = (fn: () => unknown): readonly string[] | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.fields;
    throw error;
  }
  return undefined;
};

describe('voicemail.conf mailbox lines', () => {
  it('maps every API option to the catalog option name', () => {
    expect(mailboxOptionNames).to.include({
      timezone: 'tz', attach_message: 'attach', attachment_format: 'attachfmt', say_cid: 'saycid', say_duration_minimum: 'saydurationm',
      send_voicemail: 'sendvoicemail', exit_context: 'exitcontext', can_review: 'review', call_operator: 'operator', say_envelope: 'envelope',
      delete_message: 'delete', volume_gain: 'volgain', hide_from_dir: 'hidefromdir', password_location: 'passwordlocation',
      vm_password: 'vm-password', vm_new_password: 'vm-newpassword', vm_invalid_password: 'vm-invalid-password',
      listen_control_forward_key: 'listen-control-forward-key', listen_control_stop_key: 'listen-control-stop-key', backup_deleted: 'backupdeleted',
    });
    expect(Object.keys(mailboxOptionNames)).to.have.length(41);
    expect(new Set(Object.values(mailboxOptionNames)).size).to.equal(41);
  });

  it('renders the catalog example line: positional fields, then the options in table order', () => {
    expect(renderMailboxValue({
      full_name: 'Bob Smith', email: 'bob@example.com', pager: 'bob2@example.com', timezone: 'eastern', attach_message: 'Yes', attachment_format: '',
      say_cid: 'No', say_duration_minimum: '2', dialout: '', callback: '', exit_context: '', can_review: 'No', call_operator: 'No', say_envelope: 'Yes',
      delete_message: 'No', volume_gain: '0.000000',
    })).to.equal(',Bob Smith,bob@example.com,bob2@example.com,tz=eastern|attach=Yes|attachfmt=|saycid=No|saydurationm=2|dialout=|callback=|exitcontext=|review=No|operator=No|envelope=Yes|delete=No|volgain=0.000000');
    expect(renderMailboxValue({ password: '4242' })).to.equal('4242,,,');
  });

  it('reads a line back into API names (the §0 "> " mark too), keeping options it does not know', () => {
    expect(parseMailboxValue('> 8762,Alice Jones,alice@example.com,alice2@example.com,attach=no|tz=central|maxmsg=10')).to.deep.equal({
      password: '8762', full_name: 'Alice Jones', email: 'alice@example.com', pager: 'alice2@example.com', attach_message: 'no', timezone: 'central', maxmsg: '10',
    });
    expect(parseMailboxValue('4242,Example Mailbox,root@localhost')).to.deep.equal({ password: '4242', full_name: 'Example Mailbox', email: 'root@localhost' });
    const fields = { password: '1', full_name: 'A', email: '', pager: '', timezone: 'central', maxmsg: '10' };
    expect(parseMailboxValue(renderMailboxValue(fields))).to.deep.equal(fields);
  });

  it('validates a body: known fields, strings, no separators that would break the line (400 naming the field)', () => {
    expect(mailboxFieldsOf({ context: 'c', mailbox: 'm', full_name: 'X', timezone: 'eastern' })).to.deep.equal({ full_name: 'X', timezone: 'eastern' });
    expect(fieldsOfError(() => mailboxFieldsOf({ colour: 'blue' }))).to.deep.equal(['colour']);
    expect(fieldsOfError(() => mailboxFieldsOf({ full_name: 1 }))).to.deep.equal(['full_name']);
    expect(fieldsOfError(() => mailboxFieldsOf({ email: 'a,b' }))).to.deep.equal(['email']);
    expect(fieldsOfError(() => mailboxFieldsOf({ timezone: 'a|b' }))).to.deep.equal(['timezone']);
    expect(fieldsOfError(() => mailboxFieldsOf({ full_name: 'a\nb' }))).to.deep.equal(['full_name']);
    expect(fieldsOfError(() => checkMailboxContext('general'))).to.deep.equal(['context']);
    expect(fieldsOfError(() => checkMailboxContext('a]b'))).to.deep.equal(['context']);
  });

  it('sets a line in place, appends to its context or creates it, and removes only that mailbox', () => {
    const file: ConfigFile = [
      { name: 'general', lines: [{ key: 'format', value: 'wav' }] },
      { name: 'vm-demo', lines: [{ key: '6001', value: '1,A,,', arrow: true }, { key: '6002', value: '2,B,,', arrow: true }] },
    ];
    const updated = withMailbox(file, 'vm-demo', '6001', { password: '9', full_name: 'Z' });
    expect(updated[1]!.lines.map((l) => `${l.key}=${l.value}`)).to.deep.equal(['6001=9,Z,,', '6002=2,B,,']);
    expect(updated[1]!.lines[0]!.arrow).to.equal(true);
    expect(withMailbox(file, 'vm-demo', '6003', {})[1]!.lines.map((l) => l.key)).to.deep.equal(['6001', '6002', '6003']);
    expect(withMailbox(file, 'other', '1', {}).map((c) => c.name)).to.deep.equal(['general', 'vm-demo', 'other']);
    expect(readMailbox(file, 'vm-demo', '6002')).to.deep.equal({ password: '2', full_name: 'B', email: '', pager: '' });
    expect(readMailbox(file, 'vm-demo', '6009')).to.equal(undefined);
    expect(withoutMailbox(file, 'vm-demo', '6001')[1]!.lines.map((l) => l.key)).to.deep.equal(['6002']);
    expect(withoutMailbox(file, 'vm-demo', '6001')[0]).to.equal(file[0]);
  });
});
