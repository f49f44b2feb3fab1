import { AmiActionError, type AmiAction, type AmiConnectionState, type AmiGateway, type AmiListResult, type AmiCommandResult } from '../../../src/ami/port.js';
import type { AmiFields } from '../../../src/events/index.js';
import type { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';

/**
 * The runner against the memory store, the real projections and an AGI-speaking Asterisk double: an `AGI`
 * action is answered, then its `AsyncAGIExec` is appended to the call's stream as ingest would.
 */
export class AgiAsterisk implements AmiGateway {
  readonly agis: AmiAction[] = [];
  readonly hangups: AmiAction[] = [];
  /** Hold results back (the test releases them), to see one step at a time. */
  hold = false;
  readonly held: Array<() => Promise<void>> = [];
  constructor(private readonly store: MemoryEventStore, private readonly results: (command: string) => string) {}
  state(): AmiConnectionState {
    return { connected: true, since: null, lastEventAt: null };
  }
  async action(action: AmiAction): Promise<AmiFields> {
    if (action.Action === 'Hangup') {
      this.hangups.push(action);
      return { Response: 'Success' };
    }
    if (action.Action !== 'AGI') return { Response: 'Success' };
    const command = String(action.Command);
    if (command === 'ASYNCAGI BREAK') return { Response: 'Success' };
    if (command === 'REFUSE') throw new AmiActionError('AGI', { Response: 'Error', Message: 'Channel does not exist.' });
    this.agis.push(action);
    const exec = async () => {
      const channel = String(action.Channel);
      const { uniqueId, linkedId } = sessionOf(channel);
      await this.store.append(`call-${linkedId}`, [{ type: 'AsyncAGIExec', data: { Channel: channel, Uniqueid: uniqueId, Linkedid: linkedId, CommandId: String(action.CommandID), Result: encodeURIComponent(this.results(command)) }, metadata: { node: 'test' } }]);
    };
    if (this.hold) this.held.push(exec);
    else setImmediate(() => void exec());
    return { Response: 'Success', Message: 'Added AGI command to queue' };
  }
  listAction(): Promise<AmiListResult> {
    return Promise.reject(new Error('not simulated'));
  }
  command(): Promise<AmiCommandResult> {
    return Promise.reject(new Error('not simulated'));
  }
}

export const env = encodeURIComponent('agi_request: async\nagi_channel: Local/100@demo-1;2\nagi_uniqueid: U1\nagi_arg_1: jade_dialplan\nagi_arg_2: D1\n\n');
export const startEvent = { type: 'AsyncAGIStart', data: { Channel: 'Local/100@demo-1;2', ChannelState: '6', ChannelStateDesc: 'Up', Context: 'demo', Exten: '100', Priority: '2', Uniqueid: 'U1', Linkedid: 'L1', Env: env }, metadata: { node: 'test' } };


/** The double's channels: `Local/100@demo-1;2` is U1 of call L1; `Local/<n>@demo-1;2` is U<n> of call L<n>. */
function sessionOf(channel: string): { uniqueId: string; linkedId: string } {
  const n = /^Local\/(\d+)@/.exec(channel)?.[1];
  return !n || n === '100' ? { uniqueId: 'U1', linkedId: 'L1' } : { uniqueId: `U${n}`, linkedId: `L${n}` };
}

/** `AsyncAGIStart` of session U<n> (call L<n>, channel `Local/<n>@demo-1;2`) entering jade_dialplan for `dpma`. */
export function startEventFor(n: number, dpma: string) {
  const channel = `Local/${n}@demo-1;2`;
  const agiEnv = encodeURIComponent(`agi_request: async\nagi_channel: ${channel}\nagi_uniqueid: U${n}\nagi_arg_1: jade_dialplan\nagi_arg_2: ${dpma}\n\n`);
  return { type: 'AsyncAGIStart', data: { ...startEvent.data, Channel: channel, Uniqueid: `U${n}`, Linkedid: `L${n}`, Env: agiEnv }, metadata: { node: 'test' } };
}
