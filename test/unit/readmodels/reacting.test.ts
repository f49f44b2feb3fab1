import { expect } from 'chai';
import type { RecordedEvent } from '../../../src/events/index.js';
import type { ProjectionRuntime } from '../../../src/readmodels/applier.js';
import { ReactingRuntimes } from '../../../src/readmodels/reacting.js';
import { defineProjection, type AnyProjection } from '../../../projections/lib/projection.js';

const none = () => [];
function runtime(name: string, handles: string[], streams?: string[]): ProjectionRuntime {
  const def = defineProjection({
    name,
    version: 1,
    tables: {},
    handles: Object.fromEntries(handles.map((type) => [type, none])),
    ...(streams ? { handlesStreams: Object.fromEntries(streams.map((prefix) => [prefix, none])) } : {}),
  }) as AnyProjection;
  return { def, tables: new Set(), state: { get: () => undefined, all: () => [] }, checkpoint: 0 };
}
const event = (type: string, stream: string) => ({ type, stream }) as Pick<RecordedEvent, 'type' | 'stream'>;

describe('projections reacting to an event', function () {
  const channels = runtime('channels', ['Newchannel', 'Hangup']);
  const calls = runtime('calls', ['Hangup'], ['call-']);
  const commands = runtime('commands', [], ['command-']);
  const queues = runtime('queues', ['QueueCallerJoin']);
  const reacting = new ReactingRuntimes([channels, calls, commands, queues]);

  it('are those naming the type or the stream prefix, in projection order', function () {
    expect(reacting.of(event('Hangup', 'call-1')).map((r) => r.def.name)).to.deep.equal(['channels', 'calls']);
    expect(reacting.of(event('Newexten', 'call-1')).map((r) => r.def.name)).to.deep.equal(['calls']);
    expect(reacting.of(event('Newexten', 'pbx-a')).map((r) => r.def.name)).to.deep.equal([]);
    expect(reacting.of(event('OriginateRequested', 'command-9')).map((r) => r.def.name)).to.deep.equal(['commands']);
    expect(reacting.of(event('QueueCallerJoin', 'call-2')).map((r) => r.def.name)).to.deep.equal(['calls', 'queues']);
  });

  it('answer the same for the same type on another stream (the type is remembered, the prefix checked each time)', function () {
    expect(reacting.of(event('Newchannel', 'pbx-a')).map((r) => r.def.name)).to.deep.equal(['channels']);
    expect(reacting.of(event('Newchannel', 'call-3')).map((r) => r.def.name)).to.deep.equal(['channels', 'calls']);
  });

  it('never take a type from Object.prototype for a declared one', function () {
    expect(reacting.of(event('constructor', 'pbx-a'))).to.deep.equal([]);
    expect(reacting.of(event('toString', 'call-1')).map((r) => r.def.name)).to.deep.equal(['calls']);
  });
});
