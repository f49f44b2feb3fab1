import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { streams, type AmiFields } from '../../../src/events/index.js';
import { AmiUnsafeValueError, type AmiAction, type AmiGateway } from '../../../src/ami/port.js';
import { executeCommand, type CommandDeps, type ReadModelSync } from '../../../src/commands/command.js';
import { ReadModelTimeoutError } from '../../../src/readmodels/errors.js';
import { changeModule, type CoreCommandDeps } from '../../../src/commands/core.js';
import { mapError } from '../../../src/http/error-middleware.js';

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

describe('changeModule', () => {
  it('refuses a module name with CR, LF or NUL before recording a command or reaching Asterisk', async () => {
    const store = new MemoryEventStore();
    const sent: AmiAction[] = [];
    const recordingAmi = { ...ami, action: async (action: AmiAction) => (sent.push(action), ami.action(action)) } as AmiGateway;
    const deps: CoreCommandDeps = {
      store,
      ami: recordingAmi,
      readModels: laggingReadModels,
      logger: silentLogger(),
      settleTimeoutMs: 10,
      db: undefined as unknown as CoreCommandDeps['db'],
      snapshots: { resnapshot: async () => undefined },
    };
    const refused = await changeModule(deps, actor, 'app_queue\r\nAction: Originate', 'load').catch((error: unknown) => error);
    expect(refused).to.be.instanceOf(AmiUnsafeValueError);
    expect(mapError(refused)?.status).to.equal(400);
    expect(sent).to.have.length(0);
    expect(await store.headPosition()).to.equal(0);
  });
});
