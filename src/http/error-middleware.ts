import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';
import { HttpError } from './errors.js';
import { errorEnvelope } from './envelope.js';
import { AmiActionError, AmiNoAnswerError, AmiNotConnectedError, AmiUnsafeValueError } from '../ami/port.js';
import { CommandOutcomeUnknownError } from '../commands/command.js';
import { HangupUnconfirmedError } from '../commands/hangup.js';
import { ConcurrencyError, EventStoreUnavailableError, LeaseLostError } from '../eventstore/port.js';
import { InvalidModuleNameError, ModuleNotFoundError } from '../commands/core.js';
import { RebuildInProgressError, ReadModelTimeoutError, UnknownProjectionError } from '../readmodels/errors.js';
import { AmbiguousNodeError, NotFoundError } from '../events/errors.js';
import { LastAdminError, NotAuthenticatedError, PermissionAlreadyGrantedError, PermissionDeniedError, UnknownUserError, UsernameTakenError } from '../auth/errors.js';
import { CommandRefusal, type RefusalKind } from '../commands/refusal.js';
import { ScratchBusyError } from '../history/scratch.js';
import { InvalidInputError } from '../validation.js';
import { ConfigSectionExistsError, ConfigVersionConflictError, InvalidBackupNameError, InvalidSectionError } from '../configfiles/decide.js';
import { ConfigReloadFailedError, ConfigWriteFailedError } from '../configfiles/service.js';

interface Mapped {
  readonly status: number;
  readonly message: string;
  readonly details?: unknown;
}

/** Asterisk's `Message` for something that does not exist (app_queue says "Not there"). */
const amiNotFound = /no such|not found|does not exist|unknown|invalid channel|not in queue|is not a member|not there/i;
/** Asterisk's `Message` for a request that conflicts with the thing's state (app_queue: "Already there", "Not dynamic"). */
const amiConflict = /already there|already exists|not dynamic/i;
const amiInvalid = /invalid|missing|required|bad|must|malformed|unable to parse/i;

/** A decider's refusal by kind: no such object, a request the catalog forbids, a clash with the object's state. */
const refusalStatus: Readonly<Record<RefusalKind, number>> = { not_found: 404, invalid: 400, conflict: 409 };

/** Every "not found" answers alike: 404, the message naming what is missing, no details. */
const notFound = (e: Error): Mapped => ({ status: 404, message: e.message });

/**
 * One table from a thrown error's class to the HTTP answer; anything else is a 500 and logged.
 * The domain's errors are plain classes of their parts; only this table knows their statuses.
 */
const mappers: ReadonlyArray<readonly [new (...args: never[]) => Error, (error: never) => Mapped]> = [
  [HttpError, (e: HttpError) => ({ status: e.status, message: e.message, details: e.details })],
  [InvalidInputError, (e: InvalidInputError) => ({ status: 400, message: e.message, details: { fields: e.fields } })],
  [NotAuthenticatedError, (e: NotAuthenticatedError) => ({ status: 401, message: e.message })],
  [PermissionDeniedError, (e: PermissionDeniedError) => ({ status: 403, message: e.message })],
  [NotFoundError, notFound],
  [ModuleNotFoundError, notFound],
  [AmbiguousNodeError, (e: AmbiguousNodeError) => ({ status: 409, message: e.message, details: { fields: ['node'], nodes: e.nodes } })],
  [UsernameTakenError, (e: UsernameTakenError) => ({ status: 409, message: e.message, details: { field: 'username' } })],
  [PermissionAlreadyGrantedError, (e: PermissionAlreadyGrantedError) => ({ status: 409, message: e.message, details: { fields: ['permission'] } })],
  [LastAdminError, (e: LastAdminError) => ({ status: 409, message: e.message })],
  [UnknownUserError, (e: UnknownUserError) => ({ status: 400, message: e.message, details: { fields: ['user_uuid'] } })],
  // Its field, when it has one, in `details.fields` like a validation error's.
  [CommandRefusal, (e: CommandRefusal) => (e.kind === 'not_found' ? notFound(e) : { status: refusalStatus[e.kind], message: e.message, details: e.field === undefined ? undefined : { fields: [e.field] } })],
  [RebuildInProgressError, (e: RebuildInProgressError) => ({ status: 409, message: e.message })],
  // Only `POST /admin/projections/rebuild {name}` names projections, so the field is `name`.
  [UnknownProjectionError, (e: UnknownProjectionError) => ({ status: 400, message: `name: ${e.message}` })],
  // Every point-in-time build slot and queue place is taken (point-in-time.ts sets Retry-After).
  [ScratchBusyError, (e: ScratchBusyError) => ({ status: 503, message: e.message, details: { building: e.building, queued: e.queued } })],
  // Configuration files (src/configfiles/; model.ts's InvalidConfigError is an InvalidInputError): bad input names its field; a stale version and a failed reload are clashes; a refused UpdateConfig 502.
  [InvalidBackupNameError, (e: InvalidBackupNameError) => ({ status: 400, message: e.message, details: { fields: [e.field] } })],
  [InvalidSectionError, (e: InvalidSectionError) => ({ status: 400, message: e.message, details: { fields: [e.field] } })],
  [ConfigSectionExistsError, (e: ConfigSectionExistsError) => ({ status: 400, message: e.message, details: { fields: [e.field] } })],
  [ConfigVersionConflictError, (e: ConfigVersionConflictError) => ({ status: 409, message: e.message, details: { fields: ['version'], based_on: e.basedOn, version: e.current } })],
  [ConfigWriteFailedError, (e: ConfigWriteFailedError) => ({ status: 502, message: e.message, details: { command_id: e.commandId, asterisk: e.asterisk, applied: e.applied, rolled_back: e.rolledBack, ...(e.rollbackError === undefined ? {} : { rollback_error: e.rollbackError }) } })],
  [ConfigReloadFailedError, (e: ConfigReloadFailedError) => ({ status: 409, message: e.message, details: { command_id: e.commandId, module: e.module, reload_error: e.reloadError, rollback: e.rollback } })],
  [InvalidModuleNameError, (e: InvalidModuleNameError) => ({ status: 400, message: e.message, details: { fields: ['name'] } })],
  [AmiUnsafeValueError, (e: AmiUnsafeValueError) => ({ status: 400, message: e.message })],
  [AmiNotConnectedError, (e: AmiNotConnectedError) => ({ status: 503, message: e.message })],
  // Sent, no answer: the command's outcome is Unknown (it may have happened); the answer says so, never "not sent".
  [CommandOutcomeUnknownError, (e: CommandOutcomeUnknownError) => ({ status: 504, message: e.message, details: { outcome: 'Unknown', command_id: e.commandId, action: e.noAnswer.action } })],
  [AmiNoAnswerError, (e: AmiNoAnswerError) => ({ status: 504, message: e.message })],
  [HangupUnconfirmedError, (e: HangupUnconfirmedError) => ({ status: 504, message: e.message, details: { command_id: e.commandId, unique_id: e.uniqueId } })],
  [AmiActionError, (e: AmiActionError) => ({ status: amiStatus(e.message), message: e.message, details: { action: e.action } })],
  [ConcurrencyError, (e: ConcurrencyError) => ({ status: 409, message: 'the object was changed concurrently; retry', details: { stream: e.stream } })],
  // The write is in the log; only the read-your-writes wait ran out. Say so rather than 500, so a client does not redo it.
  [ReadModelTimeoutError, (e: ReadModelTimeoutError) => ({ status: 504, message: `recorded, but the read models did not show it within ${e.timeoutMs} ms`, details: { position: e.position } })],
  // This node led and lost the lead meanwhile (src/cluster/): nothing was recorded; the new leader takes it on a retry.
  [LeaseLostError, (e: LeaseLostError) => ({ status: 503, message: `this node no longer leads: ${e.message}; retry` })],
  [EventStoreUnavailableError, (e: EventStoreUnavailableError) => ({ status: 503, message: `event store unavailable: ${e.message}` })],
];

/** ARCHITECTURE.md: Asterisk refusing a thing that does not exist is 404, an invalid request 400, a clash with its state 409, anything else 502. */
export function amiStatus(message: string): number {
  if (amiConflict.test(message)) return 409;
  if (amiNotFound.test(message)) return 404;
  if (amiInvalid.test(message)) return 400;
  return 502;
}

export function mapError(error: unknown): Mapped | undefined {
  for (const [type, map] of mappers) {
    if (error instanceof type) return (map as (e: unknown) => Mapped)(error);
  }
  return undefined;
}

export function errorMiddleware(logger: Logger) {
  return async function handleErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404;
        ctx.body = errorEnvelope(404, `no route for ${ctx.method} ${ctx.path}`);
      } else if (ctx.status === 405 && ctx.body === undefined) {
        ctx.body = errorEnvelope(405, `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (error) {
      const mapped = mapError(error);
      if (mapped) {
        ctx.status = mapped.status;
        ctx.body = errorEnvelope(mapped.status, mapped.message, mapped.details);
        if (mapped.status >= 500) logger.warn({ err: error, path: ctx.path }, 'request failed');
        return;
      }
      logger.error({ err: error, method: ctx.method, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = errorEnvelope(500, 'internal error');
    }
  };
}
