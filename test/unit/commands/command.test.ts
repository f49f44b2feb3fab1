import { expect } from 'chai';
import { MemoryEventStore } from '../../../src/eventstore/index.js';
import { silentLogger } from '../../../src/logger.js';
import { streams, type AmiFields } from '../../../src/events/index.js';
import { AmiLinkLostError, AmiNotConnectedError, AmiTimeoutError, AmiUnsafeValueError, type AmiAction, type AmiGateway } from '../../../src/ami/port.js';
import { CommandOutcomeUnknownError, executeCommand, type CommandDeps, type ReadModelSync } from '../../../src/commands/command.js';
import { ReadModelTimeoutError } from '../../../src/readmodels/errors.js';
import { changeModule, InvalidModuleNameError, moduleNameOf, type CoreCommandDeps } from '../../../src/commands/core.js';
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

describe('executeCommand outcomes when Asterisk does not answer', () => {
  const failing = (error: Error) => async () => {
    const store = new MemoryEventStore();
    const deps: CommandDeps = { store, ami, readModels: laggingReadModels, logger: silentLogger(), settleTimeoutMs: 10 };
    const thrown = await executeCommand(deps, { type: 'Originate', actor, request: {}, act: async () => { throw error; } }).catch((e: unknown) => e);
    const [, outcome] = await store.readAll();
    return { thrown, outcome };
  };

  it('records Unknown, never Rejected, when the link dropped after the action was written, and throws the Unknown outcome', async () => {
    const { thrown, outcome } = await failing(new AmiLinkLostError('Originate', 'connection closed by Asterisk'))();
    expect(outcome?.type).to.equal('OriginateUnknown');
    expect(outcome?.data).to.include({ error: 'AmiLinkLostError', timed_out: false });
    expect(thrown).to.be.instanceOf(CommandOutcomeUnknownError);
    expect((thrown as CommandOutcomeUnknownError).commandId).to.equal(outcome?.data.command_id);
  });

  it('records Unknown for a timeout (sent, no answer), and Rejected only for an action never written', async () => {
    expect((await failing(new AmiTimeoutError('Originate', 100))()).outcome).to.include({ type: 'OriginateUnknown' });
    const never = await failing(new AmiNotConnectedError())();
    expect(never.outcome?.type).to.equal('OriginateRejected');
    expect(never.thrown).to.be.instanceOf(AmiNotConnectedError);
  });
});

describe('module names', () => {
  it('accepts letters, digits, _ and - with an optional .so, and nothing else', () => {
    expect(moduleNameOf('app_queue')).to.equal('app_queue');
    expect(moduleNameOf('res_pjsip-x.so')).to.equal('res_pjsip-x');
    expect(moduleNameOf('cdr')).to.equal('cdr');
    for (const bad of ['../../../tmp/evil', '..', 'a b', 'x.so.so', '', 'a/b', 'app.queue', '.so', 'x'.repeat(81)]) {
      expect(() => moduleNameOf(bad), JSON.stringify(bad)).to.throw(InvalidModuleNameError);
    }
    expect(() => moduleNameOf('a\u0000b')).to.throw(AmiUnsafeValueError);
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
