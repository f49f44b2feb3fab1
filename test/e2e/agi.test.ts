/** Async AGI sessions through REST against the real Asterisk sandbox (demo 400 runs AGI(agi:async)). */
import { expect } from 'chai';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;

describe('Async AGI sessions against a real Asterisk 22', function () {
  this.timeout(60_000);
  let jade: RunningJade;

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
  });

  after(async function () {
    await jade?.stop();
  });

  it('lists a session, runs a command whose result fills cmd, and hangs the session up with DELETE (kept, ended, off the list)', async function () {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/400@demo', application: 'Wait', data: '30' });
    expect(created.status, created.text).to.equal(200);
    const agi = await eventually(async () => {
      const list = ((await jade.get('/v1/core/agis')).body?.result as { list: Row[] }).list;
      return list.find((row) => row.channel !== undefined && String(row.channel).startsWith('Local/400@demo') && String(row.channel).endsWith(';2'));
    }, 10_000, 'the AGI session to appear');
    const uniqueId = String(agi.unique_id);
    expect((agi.env as Record<string, string>).agi_request).to.equal('async');
    expect(agi.cmd).to.deep.equal({});

    const sent = await jade.post(`/v1/core/agis/${uniqueId}`, { command: 'VERBOSE "hello from jade" 1' });
    expect(sent.status, sent.text).to.equal(200);
    const commandId = (sent.body?.result as { command_id: string }).command_id;
    const withResult = await eventually(async () => {
      const row = (await jade.get(`/v1/core/agis/${uniqueId}`)).body?.result as Row;
      const cmd = (row.cmd as Record<string, { command: string; result: string | null }>)[commandId];
      return cmd?.result ? cmd : undefined;
    }, 10_000, 'AsyncAGIExec to fill the result');
    expect(withResult.command).to.equal('VERBOSE "hello from jade" 1');
    expect(withResult.result).to.match(/^200 result=1/);

    expect((await jade.post(`/v1/core/agis/${uniqueId}`, { command: 'NOOP\r\nAction: Logoff' })).status).to.equal(400);
    expect((await jade.post('/v1/core/agis/no.such.session', { command: 'NOOP' })).status).to.equal(404);

    const hungUp = await jade.delete(`/v1/core/agis/${uniqueId}`);
    expect(hungUp.status, hungUp.text).to.equal(200);
    // The ended session stays readable for a while (with its last result), off the list of the sessions Asterisk has.
    const ended = await eventually(async () => {
      const row = (await jade.get(`/v1/core/agis/${uniqueId}`)).body?.result as Row;
      return row.status === 'ended' ? row : undefined;
    }, 10_000, 'the session to end');
    expect((ended.cmd as Record<string, { result: string | null }>)[commandId]!.result).to.match(/^200 result=1/);
    const list = ((await jade.get('/v1/core/agis')).body?.result as { list: Row[] }).list;
    expect(list.map((row) => row.unique_id)).to.not.include(uniqueId);
    expect((await jade.post(`/v1/core/agis/${uniqueId}`, { command: 'NOOP' })).status, 'no command to an ended session').to.equal(404);
  });
});
