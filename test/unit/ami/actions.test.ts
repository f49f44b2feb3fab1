import { expect } from 'chai';
import { encodeAction } from '../../../src/ami/action-encoder.js';
import * as amiActions from '../../../src/ami/actions.js';
import type { AmiAction } from '../../../src/ami/port.js';

/** What reaches the socket, headers in order: the builders are pinned to the bytes, not only to the object. */
const wire = (action: AmiAction): string[] => encodeAction(action, () => 'generated').text.split('\r\n').slice(0, -2);

describe('AMI action builders', () => {
  describe('encodeVariables', () => {
    it('joins name=value pairs with commas', () => {
      expect(amiActions.encodeVariables({ A: '1', B: 'two' })).to.equal('A=1,B=two');
    });

    it('escapes backslash, comma and double quote in values (Asterisk splits the header on unescaped commas)', () => {
      expect(amiActions.encodeVariables({ V: 'a,b"c\\d' })).to.equal('V=a\\,b\\"c\\\\d');
    });

    it('leaves an = inside a value as it is (the first = ends the name)', () => {
      expect(amiActions.encodeVariables({ URL: 'x?a=1&b=2' })).to.equal('URL=x?a=1&b=2');
    });

    it('is undefined for no variables, so the header is left out', () => {
      expect(amiActions.encodeVariables(undefined)).to.equal(undefined);
      expect(amiActions.encodeVariables({})).to.equal(undefined);
    });
  });

  describe('originate', () => {
    it('sends a dialplan Originate with every field, async, the preset ChannelId and the timeout in ms', () => {
      const action = amiActions.originate({
        actionId: 'cmd-1',
        channel: 'Local/300@customers',
        context: 'demo',
        exten: '100',
        priority: '2',
        timeoutMs: 45_000,
        callerId: '"Sales" <5000>',
        variables: { A: '1', B: 'x,y' },
        account: 'acct',
        channelId: 'uid-1',
      });
      expect(wire(action)).to.deep.equal([
        'Action: Originate',
        'ActionID: cmd-1',
        'Channel: Local/300@customers',
        'Context: demo',
        'Exten: 100',
        'Priority: 2',
        'Timeout: 45000',
        'CallerID: "Sales" <5000>',
        'Variable: A=1,B=x\\,y',
        'Account: acct',
        'ChannelId: uid-1',
        'Async: true',
      ]);
    });

    it('defaults Priority to 1 with an extension, and sends none without one', () => {
      expect(amiActions.originate({ channel: 'PJSIP/300', context: 'demo', exten: 's' })).to.include({ Priority: '1' });
      expect(amiActions.originate({ channel: 'PJSIP/300', application: 'Playback', data: 'demo-congrats' })).to.not.have.property('Priority');
    });

    it('keeps a Priority given without an extension (the dialer sends its destination as it is)', () => {
      expect(amiActions.originate({ channel: 'PJSIP/300', context: 'demo', priority: '1' })).to.include({ Priority: '1' }).and.not.have.property('Exten');
    });

    it('sends an application Originate with the dialer fields (Codecs, EarlyMedia, OtherChannelId)', () => {
      const action = amiActions.originate({
        actionId: 'act-1',
        channel: 'Local/300@customers',
        application: 'Queue',
        data: 'sales_1',
        timeoutMs: 30_000,
        codecs: 'ulaw,alaw',
        earlyMedia: 'true',
        channelId: 'dialing-1',
        otherChannelId: 'other-1',
      });
      expect(wire(action)).to.deep.equal([
        'Action: Originate',
        'ActionID: act-1',
        'Channel: Local/300@customers',
        'Application: Queue',
        'Data: sales_1',
        'Timeout: 30000',
        'Codecs: ulaw,alaw',
        'EarlyMedia: true',
        'ChannelId: dialing-1',
        'OtherChannelId: other-1',
        'Async: true',
      ]);
    });

    it('leaves absent fields out of the object, not as undefined keys', () => {
      const action = amiActions.originate({ channel: 'PJSIP/300', application: 'Echo' });
      expect(action).to.deep.equal({ Action: 'Originate', Channel: 'PJSIP/300', Application: 'Echo', Async: 'true' });
      expect(wire(action)).to.deep.equal(['Action: Originate', 'ActionID: generated', 'Channel: PJSIP/300', 'Application: Echo', 'Async: true']);
    });
  });

  describe('hangup', () => {
    it('hangs up with normal clearing (cause 16) unless told otherwise', () => {
      expect(wire(amiActions.hangup({ actionId: 'cmd-2', channel: 'PJSIP/300-00000001' }))).to.deep.equal([
        'Action: Hangup',
        'ActionID: cmd-2',
        'Channel: PJSIP/300-00000001',
        'Cause: 16',
      ]);
      expect(amiActions.hangup({ channel: 'uid-1', cause: 17 })).to.deep.equal({ Action: 'Hangup', Channel: 'uid-1', Cause: 17 });
    });
  });

  describe('park', () => {
    it('parks with lot and a timeout in ms, both optional', () => {
      expect(wire(amiActions.park({ actionId: 'cmd-3', channel: 'PJSIP/300-1', parkinglot: 'default', timeoutMs: 45_000 }))).to.deep.equal([
        'Action: Park',
        'ActionID: cmd-3',
        'Channel: PJSIP/300-1',
        'Parkinglot: default',
        'Timeout: 45000',
      ]);
      expect(amiActions.park({ channel: 'PJSIP/300-1' })).to.deep.equal({ Action: 'Park', Channel: 'PJSIP/300-1' });
    });
  });

  describe('agi', () => {
    it('sends the command line with its CommandID', () => {
      expect(wire(amiActions.agi({ actionId: 'cmd-4', channel: 'PJSIP/300-1', command: 'EXEC Playback demo-congrats', commandId: 'cmd-4' }))).to.deep.equal([
        'Action: AGI',
        'ActionID: cmd-4',
        'Channel: PJSIP/300-1',
        'Command: EXEC Playback demo-congrats',
        'CommandID: cmd-4',
      ]);
    });
  });

  describe('queue members', () => {
    const member = { actionId: 'cmd-5', queue: 'sales', interface: 'Local/agent-03@agents' };

    it('adds a member with every option, paused as Asterisk reads booleans', () => {
      const action = amiActions.queueAdd({ ...member, memberName: 'Agent 3', penalty: 2, paused: true, reason: 'lunch', stateInterface: 'Custom:agent-03' });
      expect(wire(action)).to.deep.equal([
        'Action: QueueAdd',
        'ActionID: cmd-5',
        'Queue: sales',
        'Interface: Local/agent-03@agents',
        'MemberName: Agent 3',
        'Penalty: 2',
        'Paused: true',
        'Reason: lunch',
        'StateInterface: Custom:agent-03',
      ]);
    });

    it('adds a member with only queue and interface; penalty 0 and paused false are sent, not dropped', () => {
      expect(amiActions.queueAdd(member)).to.deep.equal({ Action: 'QueueAdd', ActionID: 'cmd-5', Queue: 'sales', Interface: 'Local/agent-03@agents' });
      expect(amiActions.queueAdd({ ...member, penalty: 0, paused: false })).to.include({ Penalty: 0, Paused: 'false' });
    });

    it('removes a member by queue and interface', () => {
      expect(wire(amiActions.queueRemove(member))).to.deep.equal(['Action: QueueRemove', 'ActionID: cmd-5', 'Queue: sales', 'Interface: Local/agent-03@agents']);
    });

    it('pauses with a reason and unpauses without one', () => {
      expect(wire(amiActions.queuePause({ ...member, paused: true, reason: 'break' }))).to.deep.equal([
        'Action: QueuePause',
        'ActionID: cmd-5',
        'Queue: sales',
        'Interface: Local/agent-03@agents',
        'Paused: true',
        'Reason: break',
      ]);
      expect(amiActions.queuePause({ ...member, paused: false })).to.deep.equal({ Action: 'QueuePause', ActionID: 'cmd-5', Queue: 'sales', Interface: 'Local/agent-03@agents', Paused: 'false' });
    });

    it('sets a penalty', () => {
      expect(wire(amiActions.queuePenalty({ ...member, penalty: 5 }))).to.deep.equal([
        'Action: QueuePenalty',
        'ActionID: cmd-5',
        'Queue: sales',
        'Interface: Local/agent-03@agents',
        'Penalty: 5',
      ]);
    });
  });

  describe('moduleLoad', () => {
    for (const operation of ['load', 'reload', 'unload'] as const) {
      it(`sends ModuleLoad with LoadType ${operation} and the module's file name`, () => {
        expect(wire(amiActions.moduleLoad({ actionId: 'cmd-6', module: 'app_queue', operation }))).to.deep.equal([
          'Action: ModuleLoad',
          'ActionID: cmd-6',
          'Module: app_queue.so',
          `LoadType: ${operation}`,
        ]);
      });
    }

    it('does not add a second .so', () => {
      expect(amiActions.moduleLoad({ module: 'res_parking.so', operation: 'load' })).to.include({ Module: 'res_parking.so' });
    });
  });

  describe('command, queries and the session', () => {
    it('sends a CLI command', () => {
      expect(wire(amiActions.command({ command: 'module show' }))).to.deep.equal(['Action: Command', 'ActionID: generated', 'Command: module show']);
    });

    it('sends a bare query and PJSIPShowEndpoint', () => {
      expect(amiActions.query('CoreShowChannels')).to.deep.equal({ Action: 'CoreShowChannels' });
      expect(amiActions.query('CoreStatus', { actionId: 'x' })).to.deep.equal({ Action: 'CoreStatus', ActionID: 'x' });
      expect(amiActions.pjsipShowEndpoint({ endpoint: '300' })).to.deep.equal({ Action: 'PJSIPShowEndpoint', Endpoint: '300' });
    });

    it('logs in, pings and logs off', () => {
      expect(wire(amiActions.login({ username: 'jade', secret: 's3cret' }))).to.deep.equal(['Action: Login', 'ActionID: generated', 'Username: jade', 'Secret: s3cret']);
      expect(amiActions.ping()).to.deep.equal({ Action: 'Ping' });
      expect(amiActions.logoff()).to.deep.equal({ Action: 'Logoff' });
    });
  });
});
