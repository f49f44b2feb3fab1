import { expect } from 'chai';
import { agiCommandRequestedType, agisProjection, parseAgiEnv } from '../../../projections/agis.js';
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

function run(log: LogBuilder) {
  const projection = new MemoryProjection(agisProjection);
  return { projection, changes: projection.apply(log.all()) };
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
    it(`deletes the session on ${end}`, () => {
      const log = new LogBuilder();
      started(log);
      log.add(end, { ...channelFields('1.7'), Cause: '16', 'Cause-txt': 'Normal Clearing' });
      const { projection, changes } = run(log);
      expect(projection.rows('agis')).to.deep.equal([]);
      expect(changes.at(-1)).to.include({ op: 'delete', key: '1.7', position: 3 });
    });
  }

  it('drops sessions whose channel the CoreShowChannels snapshot no longer lists', () => {
    const log = new LogBuilder();
    started(log);
    log.add('AsyncAGIStart', { ...channelFields('1.8'), Env: env });
    log.snapshot('CoreShowChannels', { items: [{ Event: 'CoreShowChannel', ...channelFields('1.8') }] });
    const { projection, changes } = run(log);
    expect(projection.rows('agis').map((r) => r.unique_id)).to.deep.equal(['1.8']);
    expect(changes.at(-1)).to.include({ op: 'delete', key: '1.7', position: 4 });
  });

  it('parses an environment that is not valid URI encoding as plain text', () => {
    expect(parseAgiEnv('agi_request: async\nagi_arg_1: 100%\n')).to.deep.equal({ agi_request: 'async', agi_arg_1: '100%' });
  });
});
