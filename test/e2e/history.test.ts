/**
 * Issue 7 end to end against the real Asterisk sandbox: call history (summary, full timeline, the commands
 * that touched a call), point-in-time reads during a queue call, and rebuild equality over the log this
 * traffic produced. Calls are placed through a raw AMI session (a caller jade did not originate) and
 * through jade's API (a call with an audit trail).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SandboxAmi } from '../support/asterisk-sandbox.js';
import { eventually, startTestJade, waitForAmi, type RunningJade } from '../support/jade.js';
import { nowTimestamp } from '../../src/events/time.js';
import { getSandbox } from './hooks.js';

type Row = Record<string, unknown>;
const resultOf = (body: { result?: unknown } | undefined): Row => (body?.result ?? {}) as Row;
const listOf = (body: { result?: unknown } | undefined): Row[] => ((body?.result as { list?: Row[] } | undefined)?.list ?? []);

interface CallView {
  readonly linked_id: string;
  readonly summary: Row & { legs: Row[] };
  readonly timeline: Row[];
  readonly commands: Row[];
}

describe('Call history, point in time and replay against a real Asterisk 22', function () {
  this.timeout(120_000);
  let jade: RunningJade;
  let probe: SandboxAmi;
  /** Recorded while the queue call's caller waited, before any member answered. */
  let waitingAt: { timestamp: string; position: number } | undefined;
  const queueCaller = `hist-caller-${randomUUID()}`;
  const queueCallerInPbx = `hist-caller2-${randomUUID()}`;

  const call = async (linkedId: string, query: Record<string, string> = {}): Promise<CallView> => {
    const response = await jade.get(`/v1/calls/${linkedId}`, { query });
    expect(response.status, response.text).to.equal(200);
    return response.body?.result as CallView;
  };
  const ended = (linkedId: string): Promise<CallView> =>
    eventually(async () => {
      const response = await jade.get(`/v1/calls/${linkedId}`);
      const view = response.body?.result as CallView | undefined;
      return response.status === 200 && view?.summary.status === 'ended' ? view : undefined;
    }, 15_000, `call ${linkedId} to end`);
  const pause = async (member: string, paused: 0 | 1): Promise<void> => {
    const response = await jade.put(`/v1/queue/members/${member}?queue_name=sales_1`, paused === 1 ? { paused, paused_reason: 'e2e history' } : { paused });
    expect(response.status, response.text).to.equal(200);
  };

  /** The timeline is the call's stream, every event in log order, and every leg hangs up in it. */
  async function expectFullTimeline(view: CallView): Promise<void> {
    const stream = await jade.jade.store.readStream(`call-${view.linked_id}`);
    expect(view.timeline.map((e) => [e.position, e.type])).to.deep.equal(stream.map((e) => [e.position, e.type]));
    const hungUp = view.timeline.filter((e) => e.type === 'Hangup').map((e) => (e.data as Row).Uniqueid);
    expect(hungUp.sort()).to.deep.equal(view.summary.legs.map((leg) => leg.unique_id).sort());
    const logApi = listOf((await jade.get('/v1/events', { query: { stream: `call-${view.linked_id}`, limit: '1000' } })).body);
    expect(logApi.map((e) => e.position)).to.deep.equal(view.timeline.map((e) => e.position));
  }

  before(async function () {
    jade = await startTestJade(getSandbox());
    await waitForAmi(jade);
    const sandbox = getSandbox();
    probe = await SandboxAmi.connect({ host: sandbox.host, port: sandbox.amiPort, username: sandbox.amiUsername, secret: sandbox.amiSecret });
    await eventually(async () => (listOf((await jade.get('/v1/queue/queues')).body).some((q) => q.name === 'sales_1') ? true : undefined), 15_000, 'the queues snapshot');
  });

  after(async function () {
    probe?.close();
    await jade?.stop();
  });

  it('gives a queue call answered by a member and hung up by the caller its full timeline and a correct summary', async function () {
    // Both members paused: the caller waits, long enough to be seen waiting.
    await pause('agent-01', 1);
    await pause('agent-02', 1);
    await probe.action({ Action: 'Originate', Channel: 'Local/300@demo', Application: 'Wait', Data: '60', ChannelId: queueCaller, OtherChannelId: queueCallerInPbx, Async: 'true' });
    await eventually(async () => ((await jade.get(`/v1/queue/entries/${queueCallerInPbx}`)).status === 200 ? true : undefined), 10_000, 'the caller to wait in sales_1');
    // The join is in the read models, so in the log: everything recorded by now includes it.
    waitingAt = { timestamp: nowTimestamp(), position: await jade.jade.store.headPosition() };
    await new Promise((resolve) => setTimeout(resolve, 50));

    await pause('agent-01', 0);
    const connected = await eventually(async () => {
      const view = await call(queueCaller);
      return (view.summary.agents as string[]).includes('agent-01') ? view : undefined;
    }, 10_000, 'agent-01 to answer');
    expect(connected.summary.status).to.equal('live');
    const callerChannel = String(resultOf((await jade.get(`/v1/core/channels/${queueCaller}`)).body).channel);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // The caller's phone (the originated channel) hangs up.
    await probe.action({ Action: 'Hangup', Channel: callerChannel, Cause: '16' });

    const view = await ended(queueCaller);
    const { summary } = view;
    expect(summary).to.include({ linked_id: queueCaller, callee: '300', hangup_by: 'caller', hangup_cause: 16, hangup_cause_desc: 'Normal Clearing', parked: false, campaign_uuid: null, dialing_uuid: null });
    expect(summary.queues).to.deep.equal(['sales_1']);
    expect(summary.agents).to.deep.equal(['agent-01']);
    const start = String(summary.tm_start);
    const answer = String(summary.tm_answer);
    const end = String(summary.tm_end);
    expect(start <= answer && answer < end, `${start} <= ${answer} < ${end}`).to.equal(true);
    expect(summary.duration).to.be.at.least(1);
    // The caller's Local pair, and agent-01's Local pair (agent-02 was paused, never rung).
    expect(summary.legs.map((leg) => [String(leg.channel).replace(/-[0-9a-f]+;/, ';'), leg.party])).to.deep.equal([
      ['Local/300@demo;1', 'caller'],
      ['Local/300@demo;2', 'caller'],
      ['Local/agent-01@agents;1', 'callee'],
      ['Local/agent-01@agents;2', 'callee'],
    ]);
    expect(summary.legs.every((leg) => leg.tm_hangup !== null)).to.equal(true);
    await expectFullTimeline(view);
    const types = view.timeline.map((e) => e.type);
    for (const type of ['Newchannel', 'QueueCallerJoin', 'AgentCalled', 'AgentConnect', 'BridgeEnter', 'SoftHangupRequest', 'Hangup']) expect(types, type).to.include(type);
    expect(types.indexOf('QueueCallerJoin')).to.be.below(types.indexOf('AgentConnect'));
    expect(view.commands, 'nobody used the API on this call').to.deep.equal([]);

    await pause('agent-02', 0);
  });

  it('shows the queue with the caller waiting at a time during the call, and empty now', async function () {
    expect(waitingAt, 'the queue call ran').to.not.equal(undefined);
    const { timestamp, position } = waitingAt!;
    const then = await jade.get('/v1/queue/queues', { query: { at: timestamp } });
    expect(then.status, then.text).to.equal(200);
    expect(listOf(then.body).find((q) => q.name === 'sales_1')?.calls, 'sales_1 as it was').to.equal(1);
    expect(listOf((await jade.get('/v1/queue/queues')).body).find((q) => q.name === 'sales_1')?.calls, 'sales_1 now').to.equal(0);

    const entries = listOf((await jade.get('/v1/queue/entries', { query: { at: timestamp } })).body);
    expect(entries.map((e) => e.unique_id)).to.deep.equal([queueCallerInPbx]);
    expect(entries[0]!.wait).to.be.a('number');
    const channels = listOf((await jade.get('/v1/core/channels', { query: { at: String(position) } })).body).map((c) => c.unique_id);
    expect(channels).to.include.members([queueCaller, queueCallerInPbx]);
    expect(listOf((await jade.get('/v1/core/channels')).body).map((c) => c.unique_id)).not.to.include(queueCaller);

    const asItWas = await call(queueCaller, { at: timestamp });
    expect(asItWas.summary).to.include({ status: 'live', tm_end: null, hangup_by: null });
    expect(asItWas.summary.agents).to.deep.equal([]);
    expect(asItWas.timeline.every((e) => String(e.recorded_at) <= timestamp)).to.equal(true);
    expect((await jade.get('/v1/queue/queues', { query: { at: 'yesterday' } })).status).to.equal(400);
  });

  it('gives an originate that a user hung up through the API its timeline, summary, and the user\'s originate and hangup commands', async function () {
    const created = await jade.post('/v1/core/channels', { channel: 'Local/100@demo', context: 'demo', exten: '100', caller_id: 'History <5551234>' });
    expect(created.status, created.text).to.equal(200);
    const { unique_id: linkedId, command_id: originateId } = resultOf(created.body) as { unique_id: string; command_id: string };
    await eventually(async () => ((await call(linkedId)).summary.tm_answer !== null ? true : undefined), 10_000, 'the originated call to be answered');
    const hangup = await jade.delete(`/v1/core/channels/${linkedId}`);
    expect(hangup.status, hangup.text).to.equal(200);

    const view = await ended(linkedId);
    expect(view.summary).to.include({ caller: '5551234', callee: '100', hangup_by: 'api', hangup_user: 'admin', hangup_cause: 16, hangup_cause_desc: 'Normal Clearing' });
    expect(view.summary.legs.map((leg) => leg.party)).to.deep.equal(['caller', 'caller']);
    await expectFullTimeline(view);

    const admin = jade.jade.auth.verifyToken(jade.token)!;
    expect(view.commands.map((c) => [c.type, c.outcome, c.user_uuid, c.username])).to.deep.equal([
      ['Originate', 'succeeded', admin.uuid, 'admin'],
      ['Hangup', 'succeeded', admin.uuid, 'admin'],
    ]);
    const [originate, hangupCommand] = view.commands as [Row, Row];
    expect(originate.uuid).to.equal(originateId);
    expect(originate.request).to.deep.include({ channel: 'Local/100@demo', exten: '100', caller_id: 'History <5551234>' });
    expect((originate.response as Row).Response).to.equal('Success');
    expect(hangupCommand.request).to.deep.include({ unique_id: linkedId });

    const audit = listOf((await jade.get('/v1/commands', { query: { user: 'admin', type: 'Hangup', outcome: 'succeeded' } })).body);
    expect(audit.map((c) => c.uuid)).to.include(hangupCommand.uuid);
    expect(resultOf((await jade.get(`/v1/commands/${originateId}`)).body)).to.deep.include({ uuid: originateId, type: 'Originate', outcome: 'succeeded' });
    const listed = listOf((await jade.get('/v1/calls', { query: { caller: '5551234', callee: '100' } })).body);
    expect(listed.map((c) => c.linked_id)).to.deep.equal([linkedId]);
  });

  it('rebuilds every projection from this log into tables equal, row for row, to the live ones', async function () {
    // More kinds of traffic in the log: a parked call and a busy customer, both through the API.
    const parked = resultOf((await jade.post('/v1/core/channels', { channel: 'Local/200@demo', application: 'Wait', data: '30' })).body);
    await eventually(async () => ((await call(String(parked.unique_id))).summary.parked === true ? true : undefined), 10_000, 'the call to be parked');
    expect((await jade.delete(`/v1/core/channels/${String(parked.unique_id)}`)).status).to.equal(200);
    expect((await jade.post('/v1/core/channels', { channel: 'Local/2001@customers', application: 'Wait', data: '5' })).status).to.equal(200);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const { sqlite } = jade.jade.readModels;
    const tables = sqlite
      .prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'kysely_%' AND name != 'projection_checkpoints' ORDER BY name`)
      .all()
      .map((row) => row.name);
    expect(tables).to.include.members(['calls', 'call_legs', 'commands', 'channels', 'queues', 'queue_members']);
    const dump = (): Record<string, unknown[]> => Object.fromEntries(tables.map((t) => [t, sqlite.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all()]));

    // Asterisk may still be talking (device states): compare at a moment nothing arrived in between.
    const outcome = await eventually(async () => {
      const head = await jade.jade.store.headPosition();
      await jade.jade.runner.waitForPosition(head, 10_000);
      const live = dump();
      const result = await jade.jade.runner.rebuild();
      const rebuilt = dump();
      return (await jade.jade.store.headPosition()) === head ? { head, live, result, rebuilt } : undefined;
    }, 30_000, 'a quiet moment for the comparison');
    expect(outcome.live.calls!.length).to.be.at.least(4);
    expect(outcome.live.commands!.length).to.be.at.least(6);
    expect(outcome.result.events).to.equal(outcome.head);
    expect(outcome.result.changes, 'no row differs between the live and the rebuilt tables').to.equal(0);
    expect(outcome.rebuilt).to.deep.equal(outcome.live);
  });
});
