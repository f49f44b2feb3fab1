import { expect } from 'chai';
import { amiStatus, mapError } from '../../../src/http/error-middleware.js';
import { ReadModelTimeoutError } from '../../../src/readmodels/errors.js';
import { AmiActionError, AmiLinkLostError, AmiNotConnectedError, AmiTimeoutError, AmiUnsafeValueError } from '../../../src/ami/port.js';
import { CommandOutcomeUnknownError } from '../../../src/commands/command.js';
import { HangupUnconfirmedError } from '../../../src/commands/hangup.js';
import { InvalidModuleNameError } from '../../../src/commands/core.js';
import { ConcurrencyError } from '../../../src/eventstore/port.js';
import { badRequest, forbidden, unauthorized } from '../../../src/http/errors.js';
import { NotFoundError } from '../../../src/events/errors.js';
import { ModuleNotFoundError } from '../../../src/commands/core.js';
import { CommandRefusal } from '../../../src/commands/refusal.js';
import { NotAuthenticatedError, PermissionDeniedError, UsernameTakenError } from '../../../src/auth/errors.js';
import { RebuildInProgressError, UnknownProjectionError } from '../../../src/readmodels/errors.js';
import { ScratchBusyError } from '../../../src/history/scratch.js';
import { InvalidInputError } from '../../../src/validation.js';

describe('error table', () => {
  it('answers 504, not 500, when a recorded write outruns the read-your-writes wait', () => {
    const mapped = mapError(new ReadModelTimeoutError(42, 40, 5000));
    expect(mapped?.status).to.equal(504);
    expect(mapped?.message).to.match(/recorded/);
  });

  it('maps the AMI failures as the contract says: unsafe 400, not connected 503, no answer 504', () => {
    expect(mapError(new AmiUnsafeValueError('caller_id'))?.status).to.equal(400);
    expect(mapError(new AmiNotConnectedError())?.status).to.equal(503);
    expect(mapError(new AmiTimeoutError('Originate', 100))?.status).to.equal(504);
  });

  it("passes Asterisk's refusals on as 404 for what does not exist, 400 for a bad request, 502 otherwise", () => {
    expect(mapError(new AmiActionError('Hangup', { Response: 'Error', Message: 'No such channel' }))).to.include({ status: 404, message: 'No such channel' });
    expect(amiStatus('Missing action in request')).to.equal(400);
    expect(amiStatus('Failed to connect')).to.equal(502);
    // app_queue's member refusals, by its own words.
    expect(amiStatus('Unable to add interface: Already there')).to.equal(409);
    expect(amiStatus("Unable to remove interface from queue 'sales_1': Not dynamic")).to.equal(409);
    expect(amiStatus('Unable to remove interface: Not there')).to.equal(404);
  });

  it('answers a concurrent change 409 and a typed HTTP error with its own status', () => {
    expect(mapError(new ConcurrencyError('plan-1', 3, 4))?.status).to.equal(409);
    expect(mapError(badRequest('x is required'))).to.include({ status: 400, message: 'x is required' });
    expect(mapError(new Error('boom'))).to.equal(undefined);
  });

  it('answers 504 naming the Unknown outcome for a command sent without an answer, never 503 (which says "not sent")', () => {
    const mapped = mapError(new CommandOutcomeUnknownError('c-1', 'Originate', new AmiLinkLostError('Originate', 'connection closed by Asterisk')));
    expect(mapped?.status).to.equal(504);
    expect(mapped?.message).to.include('Unknown');
    expect(mapped?.details).to.deep.equal({ outcome: 'Unknown', command_id: 'c-1', action: 'Originate' });
    expect(mapError(new AmiLinkLostError('Ping', 'reset'))?.status).to.equal(504);
  });

  it('answers 504 for a hangup Asterisk accepted whose channel is not gone yet, and 400 naming the field for a bad module name', () => {
    const hangup = mapError(new HangupUnconfirmedError('c-2', '1.2', 'PJSIP/100-00000001', 5000));
    expect(hangup?.status).to.equal(504);
    expect(hangup?.message).to.match(/accepted the hangup.*not yet gone/);
    const name = mapError(new InvalidModuleNameError());
    expect(name?.status).to.equal(400);
    expect(name?.message).to.match(/^name /);
  });

  it('answers every "not found" alike: 404, the message naming what is missing, no details', () => {
    const answers = [
      mapError(new NotFoundError({ kind: 'command', id: 'c-9' })),
      mapError(new CommandRefusal('not_found', 'no plan p-1')),
      mapError(new ModuleNotFoundError('module app_nope is not loaded')),
    ];
    expect(answers).to.deep.equal([
      { status: 404, message: 'no command c-9' },
      { status: 404, message: 'no plan p-1' },
      { status: 404, message: 'module app_nope is not loaded' },
    ]);
    expect(new NotFoundError({ kind: 'call', id: 'x' }, 'no call with linked_id x')).to.include({ kind: 'call', id: 'x', message: 'no call with linked_id x' });
  });

  it('gives each domain error its status: input 400, token 401, permission 403, clashes 409, a full scratch queue 503', () => {
    expect(mapError(new InvalidInputError('name is required', ['name']))).to.deep.equal({ status: 400, message: 'name is required', details: { fields: ['name'] } });
    expect(mapError(new NotAuthenticatedError())).to.deep.equal({ status: 401, message: 'a valid authtoken is required' });
    expect(mapError(unauthorized('wrong username or password'))?.status).to.equal(401);
    expect(mapError(new PermissionDeniedError('permission admin is required'))?.status).to.equal(403);
    expect(mapError(forbidden())).to.deep.equal({ status: 403, message: 'permission denied' });
    expect(mapError(new UsernameTakenError('ann'))).to.deep.equal({ status: 409, message: 'username ann already exists', details: { field: 'username' } });
    expect(mapError(new CommandRefusal('invalid', 'delete with force=1', 'force'))).to.deep.equal({ status: 400, message: 'delete with force=1', details: { fields: ['force'] } });
    expect(mapError(new CommandRefusal('conflict', 'entry taken'))).to.deep.equal({ status: 409, message: 'entry taken', details: undefined });
    expect(mapError(new RebuildInProgressError())).to.deep.equal({ status: 409, message: 'a rebuild is already running' });
    expect(mapError(new UnknownProjectionError('nope'))).to.deep.equal({ status: 400, message: 'name: unknown projection nope' });
    expect(mapError(new ScratchBusyError(2, 8))).to.deep.include({ status: 503, details: { building: 2, queued: 8 } });
  });
});
