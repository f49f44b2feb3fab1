/**
 * Issue 10 item 6 against a real Asterisk 22: an Originate Asterisk read (its socket took it) and never answered
 * is `Unknown`, answered 504 with that word, never `Rejected`/503. Asterisk is frozen (SIGSTOP) so the action is
 * written and unanswered; thawed, it makes the call after all, which is why "not sent" would be a lie.
 * Its own sandbox: freezing the shared one would stall the other files.
 */
import { expect } from 'chai';
import { AsteriskSandbox } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;

describe('Unknown command outcomes against a real Asterisk 22 (frozen, then restarted)', function () {
  this.timeout(180_000);
  let sandbox: AsteriskSandbox;
  let jade: RunningJade;

  before(async function () {
    getSandbox(); // the tier's availability check: skipped with it
    sandbox = new AsteriskSandbox({ stopTimeoutMs: 2000 });
    await sandbox.start();
    jade = await startTestJade(sandbox, { overrides: { ami: { host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret, actionTimeoutMs: 2000, keepaliveMs: 60_000 } } });
    await waitForAmi(jade);
  });

  after(async function () {
    sandbox?.thaw();
    await jade?.stop();
    await sandbox?.stop();
  });

  it('answers 504 Unknown for an Originate written to a hung Asterisk, records it so; thawed, Asterisk makes that call after all', async function () {
    sandbox.freeze();
    const response = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', context: 'demo', exten: '100' });
    expect(response.status, response.text).to.equal(504);
    expect(response.body?.error?.message).to.include('Unknown');
    const commandId = (response.body?.error?.details as { command_id?: string } | undefined)?.command_id;
    expect(commandId).to.be.a('string');
    const types = (await jade.jade.store.readStream(`command-${commandId}`)).map((e) => e.type);
    expect(types).to.deep.equal(['OriginateRequested', 'OriginateUnknown']);
    const command = (await jade.get(`/v1/commands/${commandId}`)).body?.result as Row;
    expect(command.outcome).to.equal('unknown');

    // Thawed, Asterisk acts on the Originate it had read: the call exists. Recorded as Rejected ("never sent"),
    // a client retry would have made a second call.
    sandbox.thaw();
    const uniqueId = String((command.targets as Row).unique_id);
    await eventually(async () => ((await jade.get(`/v1/core/channels/${uniqueId}`)).status === 200 ? true : undefined), 30_000, 'the call Asterisk made after all');
    const hangup = await jade.delete(`/v1/core/channels/${uniqueId}`);
    expect(hangup.status, hangup.text).to.equal(200);
    expect((await jade.get(`/v1/core/channels/${uniqueId}`)).status).to.equal(404);
  });
});
