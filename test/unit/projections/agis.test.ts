import { expect } from 'chai';
import { agiCommandRequestedType, agisProjection, endedRetentionSeconds, parseAgiEnv, pruneEverySeconds } from '../../../projections/agis.js';
import { MemoryProjection } from '../../../projections/lib/memory-state.js';
import { channelFields, LogBuilder } from './support/events.js';

/** Env as Asterisk sends it in AsyncAGIStart: the `key: value` lines, URI-encoded. */
const env = encodeURIComponent(
  'agi_request: async\nagi_channel: PJSIP/pjagent-02-00000007\nagi_language: en\nagi_uniqueid: 1.7\nagi_arg_1: test argument 1\nagi_arg_2: test argument 2\n\n',
);

function started(log: LogBuilder): void {
  log.add('Newchannel', channelFields('1.7'));
  log.add('AsyncAGIStart', { ...channelFields('1.7', { Context: 'sample-agi-async', Exten: 's', Priority: '2' }), Env: env });
}

/** The projection over the log, and its changes to sessions (the sweep's bookkeeping row left out). */
function run(log: LogBuilder) {
  const projection = new MemoryProjection(agisProjection.inner);
  const all = projection.apply(log.all());
  const changes = all.filter((c): c is Extract<typeof c, { table: 'agis' }> => c.table === 'agis');
  return { projection, changes, all };
}

describe('agis projection', () => {
  it('creates a session on AsyncAGIStart with the decoded AGI environment and no commands', () => {
    const log = new LogBuilder();
    started(log);
    const { projection, changes } = run(log);

    expect(changes.map((c) => [c.op, c.key])).to.deep.equal([['create', '1.7']]);
    const row = projection.row('agis', '1.7')!;
    expect(row.env).to.deep.equal({
      agi_request: 'async',
      agi_channel: 'PJSIP/pjagent-02-00000007',
      agi_language: 'en',
      agi_uniqueid: '1.7',
      agi_arg_1: 'test argument 1',
      agi_arg_2: 'test argument 2',
    });
    expect(row).to.include({ context: 'sample-agi-async', exten: 's', priority: '2', channel_state: 4, tm_update: log.timeOf(2) });
    expect(row.cmd).to.deep.equal({});
  });

  it('records a command jade sent, then fills its result from AsyncAGIExec', () => {
    const log = new LogBuilder();
    started(log);
    log.add(agiCommandRequestedType, { unique_id: '1.7', command: 'EXEC Playback hello-world' }, { commandId: 'c-1' });
    log.add('AsyncAGIExec', { ...channelFields('1.7'), CommandID: 'c-1', Result: '200%20result%3D0%0A' });
    const { projection, changes } = run(log);

    expect(changes.map((c) => c.op)).to.deep.equal(['create', 'update', 'update']);
    expect(changes[1]!.row.cmd['c-1']).to.deep.equal({ command: 'EXEC Playback hello-world', result: null, tm_create: log.timeOf(3), tm_update: null });
    expect(projection.row('agis', '1.7')!.cmd).to.deep.equal({
      'c-1': { command: 'EXEC Playback hello-world', result: '200 result=0\n', tm_create: log.timeOf(3), tm_update: log.timeOf(4) },
    });
  });

  it('keeps the result of a command it did not see requested, with a null command', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIExec', { ...channelFields('1.7'), CommandID: 'x-9', Result: '200%20result%3D1%0A' });
    expect(run(log).projection.row('agis', '1.7')!.cmd['x-9']).to.deep.equal({ command: null, result: '200 result=1\n', tm_create: log.timeOf(3), tm_update: log.timeOf(3) });
  });

  it('follows the channel state of the session', () => {
    const log = new LogBuilder();
    started(log);
    log.add('Newstate', channelFields('1.7', { Context: 'sample-agi-async', Exten: 's', Priority: '2', ChannelState: '6', ChannelStateDesc: 'Up' }));
    expect(run(log).projection.row('agis', '1.7')).to.include({ channel_state: 6, channel_state_desc: 'Up' });
  });

  for (const end of ['AsyncAGIEnd', 'Hangup'] as const) {
    it(`keeps the session ended on ${end}, with its last result`, () => {
      const log = new LogBuilder();
      started(log);
      log.add('AsyncAGIExec', { ...channelFields('1.7'), CommandID: 'c-1', Result: '200%20result%3D1%0A' });
      log.add(end, { ...channelFields('1.7'), Cause: '16', 'Cause-txt': 'Normal Clearing' });
      const { projection, changes } = run(log);
      expect(changes.at(-1)).to.include({ op: 'update', key: '1.7', position: 4 });
      const row = projection.row('agis', '1.7')!;
      expect(row).to.include({ status: 'ended', tm_end: log.timeOf(4), tm_update: log.timeOf(4) });
      expect(row.cmd['c-1']!.result).to.equal('200 result=1\n');
    });
  }

  it('a Hangup after AsyncAGIEnd changes nothing more; later channel events leave an ended session alone', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIEnd', channelFields('1.7'));
    log.add('Newstate', channelFields('1.7', { ChannelState: '6', ChannelStateDesc: 'Up' }));
    log.add('Hangup', { ...channelFields('1.7'), Cause: '16' });
    const { changes } = run(log);
    expect(changes.map((c) => [c.op, c.position])).to.deep.equal([['create', 2], ['update', 3]]);
  });

  it('a session start sweeps at most every pruneEverySeconds: the sweep is not paid on every start', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIEnd', channelFields('1.7'));
    const at = (seconds: number) => ({ receivedAt: new Date(Date.UTC(2026, 0, 1) + seconds * 1000).toISOString().replace('Z', '000000Z') });
    // 1.7 ended at 2 s; the first sweep was at 1 s (the first start); a start within 30 s of it does not sweep.
    log.add('AsyncAGIStart', { ...channelFields('1.8'), Env: env }, at(1 + pruneEverySeconds - 1));
    const sweeps = (changes: ReturnType<typeof run>['all']) => changes.filter((c) => c.table === 'agis_prune').map((c) => c.row);
    expect(sweeps(run(log).all)).to.deep.equal([{ id: 'ended', tm_prune: log.timeOf(2) }]);
    log.add('AsyncAGIStart', { ...channelFields('1.9'), Env: env }, at(2 + endedRetentionSeconds - 5));
    const { projection, all } = run(log);
    expect(sweeps(all).map((row) => row.tm_prune)).to.deep.equal([log.timeOf(2), at(2 + endedRetentionSeconds - 5).receivedAt]);
    expect(projection.rows('agis').map((r) => r.unique_id), 'swept, but 1.7 is still within retention').to.deep.equal(['1.7', '1.8', '1.9']);
  });

  it('deletes an ended session once its retention has passed (event time), at the next session start or snapshot', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIEnd', channelFields('1.7'));
    const later = (seconds: number) => ({ receivedAt: new Date(Date.UTC(2026, 0, 1) + (3 + seconds) * 1000).toISOString().replace('Z', '000000Z') });
    log.add('AsyncAGIStart', { ...channelFields('1.8'), Env: env }, later(endedRetentionSeconds - 10));
    expect(run(log).projection.rows('agis').map((r) => r.unique_id), 'within retention').to.deep.equal(['1.7', '1.8']);
    // Past retention, and a sweep due (the last one was at 1.8's start).
    log.add('AsyncAGIStart', { ...channelFields('1.9'), Env: env }, later(endedRetentionSeconds - 10 + pruneEverySeconds));
    const { projection, changes } = run(log);
    expect(projection.rows('agis').map((r) => r.unique_id)).to.deep.equal(['1.8', '1.9']);
    expect(changes.filter((c) => c.op === 'delete').map((c) => c.key)).to.deep.equal(['1.7']);
  });

  it('a CoreShowChannels snapshot always sweeps', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIEnd', channelFields('1.7'));
    log.add('AmiSnapshot', { action: 'CoreShowChannels', items: [], response: { Response: 'Success' }, round: 'r2' }, { receivedAt: new Date(Date.UTC(2026, 0, 1) + (3 + endedRetentionSeconds) * 1000).toISOString().replace('Z', '000000Z') });
    const { projection, changes } = run(log);
    expect(projection.rows('agis')).to.deep.equal([]);
    expect(changes.at(-1)).to.include({ op: 'delete', key: '1.7' });
  });

  it('ends the sessions whose channel the CoreShowChannels snapshot no longer lists', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIStart', { ...channelFields('1.8'), Env: env });
    log.snapshot('CoreShowChannels', { items: [{ Event: 'CoreShowChannel', ...channelFields('1.8') }] });
    const { projection, changes } = run(log);
    expect(projection.rows('agis').map((r) => [r.unique_id, r.status])).to.deep.equal([['1.7', 'ended'], ['1.8', 'active']]);
    expect(changes.at(-1)).to.include({ op: 'update', key: '1.7', position: 4 });
  });

  it('holds the jade_dialplan run: its dpma while it runs, then why it ended, even after the session ended', () => {
    const log = new LogBuilder();
    started(log);
    log.add('DialplanRunStarted', { unique_id: '1.7', linked_id: '1.7', channel: 'PJSIP/pjagent-01-00000007', dpma_uuid: 'D', version: 9, on_error: 'hangup', steps: [] });
    expect(run(log).projection.row('agis', '1.7')!.dialplan).to.deep.equal({ dpma_uuid: 'D', version: 9, reason: null });
    log.add('AsyncAGIEnd', channelFields('1.7'));
    log.add('DialplanRunEnded', { unique_id: '1.7', dpma_uuid: 'D', reason: 'step_failed', step: 1, result_code: 510, detail: 'Invalid or unknown command', hangup: true });
    const { projection, changes } = run(log);
    expect(changes.at(-1)).to.include({ op: 'update', key: '1.7', position: 5 });
    expect(projection.row('agis', '1.7')!.dialplan).to.deep.equal({ dpma_uuid: 'D', version: 9, reason: 'step_failed', step: 1, result_code: 510, detail: 'Invalid or unknown command', hangup: true });
  });

  it('a run that never started (unknown dpma) names its reason with no version', () => {
    const log = new LogBuilder();
    started(log);
    log.add('DialplanRunEnded', { unique_id: '1.7', dpma_uuid: 'nope', reason: 'unknown_dpma', hangup: true });
    expect(run(log).projection.row('agis', '1.7')!.dialplan).to.deep.equal({ dpma_uuid: 'nope', version: null, reason: 'unknown_dpma', hangup: true });
  });

  it('parses an environment that is not valid URI encoding as plain text', () => {
    expect(parseAgiEnv('agi_request: async\nagi_arg_1: 100%\n')).to.deep.equal({ agi_request: 'async', agi_arg_1: '100%' });
  });
});
