import { expect } from 'chai';
import type { AmiFields } from '../../../src/events/index.js';
import { PendingActions, isListComplete } from '../../../src/ami/pending-actions.js';
import { AmiActionError, type AmiListResult } from '../../../src/ami/port.js';

function single(pending: PendingActions, id: string, name = 'Ping') {
  const outcome: { response?: AmiFields; error?: Error } = {};
  pending.add(id, { kind: 'single', name, resolve: (r) => (outcome.response = r), reject: (e) => (outcome.error = e) });
  return outcome;
}

function list(pending: PendingActions, id: string, name = 'CoreShowChannels') {
  const outcome: { result?: AmiListResult; error?: Error } = {};
  pending.add(id, { kind: 'list', name, resolve: (r) => (outcome.result = r), reject: (e) => (outcome.error = e) });
  return outcome;
}

describe('PendingActions', () => {
  it('settles a plain action with its response', () => {
    const pending = new PendingActions();
    const outcome = single(pending, 'a1');
    expect(pending.response({ Response: 'Success', ActionID: 'a1', Ping: 'Pong' })).to.equal('claimed');
    expect(outcome.response).to.deep.equal({ Response: 'Success', ActionID: 'a1', Ping: 'Pong' });
    expect(pending.size).to.equal(0);
  });

  it("rejects on Response: Error with AmiActionError carrying Asterisk's Message", () => {
    const pending = new PendingActions();
    const outcome = single(pending, 'a1', 'Hangup');
    pending.response({ Response: 'Error', ActionID: 'a1', Message: 'No such channel' });
    expect(outcome.error).to.be.instanceOf(AmiActionError);
    expect(outcome.error?.message).to.equal('No such channel');
    expect((outcome.error as AmiActionError).action).to.equal('Hangup');
  });

  it('collects a list action from EventList: start to its Complete event into one result', () => {
    const pending = new PendingActions();
    const outcome = list(pending, 'l1');
    const response = { Response: 'Success', ActionID: 'l1', EventList: 'start', Message: 'Channels will follow' };
    const item1 = { Event: 'CoreShowChannel', ActionID: 'l1', Channel: 'PJSIP/a-1' };
    const item2 = { Event: 'CoreShowChannel', ActionID: 'l1', Channel: 'PJSIP/b-2' };
    const complete = { Event: 'CoreShowChannelsComplete', ActionID: 'l1', EventList: 'Complete', ListItems: '2' };
    expect(pending.response(response)).to.equal('claimed');
    expect(pending.event(item1)).to.equal('claimed');
    expect(outcome.result).to.equal(undefined);
    expect(pending.event(item2)).to.equal('claimed');
    expect(pending.event(complete)).to.equal('claimed');
    expect(outcome.result).to.deep.equal({ response, items: [item1, item2], complete });
  });

  it('rejects a list action that Asterisk refuses (module not loaded)', () => {
    const pending = new PendingActions();
    const outcome = list(pending, 'l1', 'Agents');
    pending.response({ Response: 'Error', ActionID: 'l1', Message: 'Invalid/unknown command: Agents.' });
    expect(outcome.error).to.be.instanceOf(AmiActionError);
  });

  it('settles a list action answered with Success and no EventList as an empty list', () => {
    const pending = new PendingActions();
    const outcome = list(pending, 'l1');
    pending.response({ Response: 'Success', ActionID: 'l1' });
    expect(outcome.result?.items).to.deep.equal([]);
  });

  it('does not claim events correlated with a plain action (OriginateResponse is an event to store)', () => {
    const pending = new PendingActions();
    single(pending, 'cmd-1', 'Originate');
    expect(pending.event({ Event: 'OriginateResponse', ActionID: 'cmd-1', Response: 'Success' })).to.equal('unclaimed');
    expect(pending.response({ Response: 'Success', ActionID: 'cmd-1', Message: 'Originate successfully queued' })).to.equal('claimed');
    expect(pending.event({ Event: 'OriginateResponse', ActionID: 'cmd-1', Response: 'Success' })).to.equal('unclaimed');
  });

  it('recognises the late frames of a timed-out list until its Complete, then forgets it', () => {
    const pending = new PendingActions();
    const outcome = list(pending, 'l1');
    pending.abandon('l1');
    expect(pending.response({ Response: 'Success', ActionID: 'l1', EventList: 'start' })).to.equal('late');
    expect(pending.event({ Event: 'CoreShowChannel', ActionID: 'l1' })).to.equal('late');
    expect(pending.event({ Event: 'CoreShowChannelsComplete', ActionID: 'l1', EventList: 'Complete' })).to.equal('late');
    expect(pending.event({ Event: 'CoreShowChannel', ActionID: 'l1' })).to.equal('unclaimed');
    expect(outcome).to.deep.equal({});
  });

  it('rejects every waiting action when the link drops', () => {
    const pending = new PendingActions();
    const a = single(pending, 'a1');
    const b = list(pending, 'l1');
    pending.failAll((name) => new Error(`lost ${name}`));
    expect([a.error?.message, b.error?.message]).to.deep.equal(['lost Ping', 'lost CoreShowChannels']);
    expect(pending.size).to.equal(0);
  });

  it('refuses a second action with an ActionID that is still waiting', () => {
    const pending = new PendingActions();
    single(pending, 'a1');
    expect(() => single(pending, 'a1')).to.throw(/already waiting/);
  });

  it('knows a list end by EventList: Complete, or by the event name for lists without the header', () => {
    expect(isListComplete({ Event: 'QueueStatusComplete', EventList: 'Complete' })).to.equal(true);
    expect(isListComplete({ Event: 'OldListComplete' })).to.equal(true);
    expect(isListComplete({ Event: 'QueueMember' })).to.equal(false);
  });
});
