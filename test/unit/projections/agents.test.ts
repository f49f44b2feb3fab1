import { expect } from 'chai';
import { agentsProjection, type AgentRow } from '../../../projections/agents.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import type { RecordedEvent } from '../../../src/events/index.js';
import { LogBuilder } from './support/events.js';
import { sandboxCaptureEvents } from './support/sandbox-capture.js';

function run(events: readonly RecordedEvent[]) {
  const projection = new MemoryProjection(agentsProjection.inner);
  const changes = projection.apply(events);
  return { projection, changes };
}

/** The agent's channel as app_agent_pool reports it (Asterisk 22, sandbox). */
const agentChannel = {
  Channel: 'Local/1001@agent-login-00000000;2',
  ChannelState: '6',
  ChannelStateDesc: 'Up',
  CallerIDNum: '5550100',
  CallerIDName: 'Jade Recorder',
  ConnectedLineNum: '5550100',
  ConnectedLineName: 'Jade Recorder',
  Language: 'en',
  AccountCode: '',
  Context: 'agent-login',
  Exten: '1001',
  Priority: '2',
  Uniqueid: '1795818056.1',
  Linkedid: '1795818056.0',
};

const loggedOff = (agent: string, name: string) => ({ Event: 'Agents', Agent: agent, Name: name, Status: 'AGENT_LOGGEDOFF' });

function bridgeEnter(type: string, bridge: string) {
  return { BridgeUniqueid: bridge, BridgeType: type, BridgeTechnology: type === 'agent_hold' ? 'holding_bridge' : 'simple_bridge', BridgeNumChannels: '2', ...agentChannel };
}

describe('agents projection', () => {
  it('lists every agent of the Agents snapshot, logged off with no channel fields', () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One'), loggedOff('1002', 'Agent Two')] });
    const { projection } = run(log.all());

    expect(projection.rows('agents').map((r) => r.id)).to.deep.equal(['1001', '1002']);
    expect(projection.row('agents', '1002')).to.deep.equal({
      id: '1002',
      name: 'Agent Two',
      status: 'AGENT_LOGGEDOFF',
      logged_in_time: null,
      channel_name: null,
      channel_state: null,
      channel_state_desc: null,
      caller_id_name: null,
      caller_id_num: null,
      connected_line_name: null,
      connected_line_num: null,
      context: null,
      exten: null,
      priority: null,
      account_code: null,
      language: null,
      unique_id: null,
      linked_id: null,
      talking_to_chan: null,
      call_started: null,
      tm_update: log.timeOf(1),
    } satisfies AgentRow);
  });

  it('AgentLogin makes the agent idle with its channel fields and login time; AgentLogoff clears them', () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One')] });
    log.add('AgentLogin', { ...agentChannel, Agent: '1001' });
    const afterLogin = run(log.all()).projection.row('agents', '1001')!;
    log.add('AgentLogoff', { ...agentChannel, Agent: '1001', Logintime: '8' });
    const { projection } = run(log.all());

    expect(afterLogin).to.include({
      name: 'Agent One',
      status: 'AGENT_IDLE',
      logged_in_time: Date.UTC(2026, 0, 1, 0, 0, 1) / 1000,
      channel_name: 'Local/1001@agent-login-00000000;2',
      channel_state: 6,
      channel_state_desc: 'Up',
      priority: '2',
      unique_id: '1795818056.1',
      linked_id: '1795818056.0',
    });
    expect(projection.row('agents', '1001')).to.include({ name: 'Agent One', status: 'AGENT_LOGGEDOFF', logged_in_time: null, channel_name: null, unique_id: null, tm_update: log.timeOf(3) });
  });

  it("is on call while the agent's channel is in a caller's bridge, idle again back in its holding bridge", () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One')] });
    log.add('AgentLogin', { ...agentChannel, Agent: '1001' });
    log.add('BridgeEnter', bridgeEnter('agent_hold', 'hold-1'));
    const idle = run(log.all()).projection.row('agents', '1001')!;
    log.add('BridgeEnter', bridgeEnter('basic', 'call-1'));
    const onCall = run(log.all()).projection.row('agents', '1001')!;
    log.add('BridgeEnter', bridgeEnter('agent_hold', 'hold-1'));
    const back = run(log.all()).projection.row('agents', '1001')!;

    expect(idle.status).to.equal('AGENT_IDLE');
    expect(onCall).to.include({ status: 'AGENT_ONCALL', call_started: Date.UTC(2026, 0, 1, 0, 0, 3) / 1000 });
    expect(back).to.include({ status: 'AGENT_IDLE', call_started: null });
  });

  it("ignores bridges of channels that are no logged-in agent's", () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One')] });
    log.add('BridgeEnter', bridgeEnter('basic', 'call-1'));
    expect(run(log.all()).changes).to.have.length(1);
  });

  it('takes an on-call agent from the snapshot with the channel it talks to', () => {
    const log = new LogBuilder();
    log.snapshot('Agents', {
      items: [
        { Event: 'Agents', Agent: '1001', Name: 'Agent One', Status: 'AGENT_ONCALL', TalkingToChan: 'Local/100@demo-00000001;1', CallStarted: '1795818118', LoggedInTime: '1795818112', ...agentChannel },
      ],
    });
    expect(run(log.all()).projection.row('agents', '1001')).to.include({
      status: 'AGENT_ONCALL',
      talking_to_chan: 'Local/100@demo-00000001;1',
      call_started: 1795818118,
      logged_in_time: 1795818112,
      channel_name: 'Local/1001@agent-login-00000000;2',
    });
  });

  it('reconciles: an agent Asterisk no longer lists is deleted, a listed state replaces what jade had', () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One'), loggedOff('1002', 'Agent Two')] });
    log.add('AgentLogin', { ...agentChannel, Agent: '1001' });
    // After a restart of Asterisk: 1001 logged off (its channel died with Asterisk), 1002 removed from agents.conf.
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One')] });
    const { projection, changes } = run(log.all());

    expect(changes.slice(3).map((c) => [c.op, c.key])).to.deep.equal([['update', '1001'], ['delete', '1002']]);
    expect(projection.row('agents', '1001')).to.include({ status: 'AGENT_LOGGEDOFF', channel_name: null });
  });

  it('deletes nothing when the Agents action failed (app_agent_pool not loaded)', () => {
    const log = new LogBuilder();
    log.snapshot('Agents', { items: [loggedOff('1001', 'Agent One')] });
    log.add('AmiSnapshotFailed', { action: 'Agents', round: 'r2', error: 'Invalid/unknown command: Agents' });
    expect(run(log.all()).projection.rows('agents')).to.have.length(1);
  });

  it('over the recorded sandbox traffic, follows agent 1001 in and out as Asterisk reported it', () => {
    const { projection, changes } = run(sandboxCaptureEvents());
    const statuses = changes.filter((c) => c.key === '1001').map((c) => c.row.status);
    expect(statuses).to.include('AGENT_IDLE');
    expect(statuses.at(-1)).to.equal('AGENT_LOGGEDOFF');
    expect(projection.rows('agents').map((r) => [r.id, r.name, r.status])).to.deep.equal([
      ['1001', 'Agent One', 'AGENT_LOGGEDOFF'],
      ['1002', 'Agent Two', 'AGENT_LOGGEDOFF'],
    ]);
  });
});
