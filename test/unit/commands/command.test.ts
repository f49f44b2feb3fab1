import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { streams, type AmiFields } from '../../../src/events/index.js';
import type { AmiAction, AmiGateway } from '../../../src/ami/port.js';
import { executeCommand, type CommandDeps, type ReadModelSync } from '../../../src/commands/command.js';
import { ReadModelTimeoutError } from '../../../src/readmodels/errors.js';

const actor = { uuid: '00000000-0000-4000-8000-000000000001', username: 'admin' };

const ami: AmiGateway = {
  state: () => ({ connected: true, since: null, lastEventAt: null }),
  action: async (action: AmiAction): Promise<AmiFields> => ({ Response: 'Success', ActionID: String(action.ActionID) }),
} as unknown as AmiGateway;

/** Read models that never catch up: every wait times out. */
const laggingReadModels: ReadModelSync = {
  waitForPosition: async (position, timeoutMs) => {
    throw new ReadModelTimeoutError(position, 0, timeoutMs);
  },
  waitUntil: async () => {
    throw new Error('not reached in time');
  },
};

describe('executeCommand', () => {
  it('answers a command Asterisk accepted even when the read models do not reach its position in time', async () => {
    const store = new MemoryEventStore();
    const deps: CommandDeps = { store, ami, readModels: laggingReadModels, logger: silentLogger(), settleTimeoutMs: 10 };
    const outcome = await executeCommand(deps, {
      type: 'Hangup',
      actor,
      request: { unique_id: 'u1' },
      act: async (commandId) => ({ response: await ami.action({ Action: 'Hangup', ActionID: commandId }), result: { unique_id: 'u1' } }),
    });
    expect(outcome.result).to.deep.equal({ unique_id: 'u1' });
    const recorded = await store.readStream(streams.command(outcome.commandId));
    expect(recorded.map((event) => event.type)).to.deep.equal(['HangupRequested', 'HangupSucceeded']);
  });
});
