import { createReadStream } from 'node:fs';
import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import type { ConfigService, ConfigWrite } from '../../configfiles/service.js';
import { checkMailboxContext, checkMailboxName, mailboxFieldsOf, readMailbox, withMailbox, withoutMailbox } from '../../configfiles/voicemail.js';
import { InvalidConfigError } from '../../configfiles/model.js';
import type { CommandDeps } from '../../commands/command.js';
import { NotFoundError } from '../../events/errors.js';
import { voicemailUserId } from '../../events/index.js';
import { currentUser } from '../../auth/index.js';
import { getVoicemailUser, listVoicemailUsers } from '../../../projections/voicemail.js';
import { audioContentType, checkSpoolName, type VoicemailSpool } from '../../voicemail/spool.js';
import { deleteVoicemailMessage, messageAddressOf } from '../../voicemail/commands.js';
import { configFileRoutes, versionOf, written } from '../config-file-routes.js';
import { mailboxChangeBody, mailboxCreateBody, mailboxPathParams } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { byteRange } from '../byte-range.js';
import { reply } from '../envelope.js';
import { byNode, queryNode } from '../node-param.js';
import { HttpError } from '../errors.js';
import { pathParam } from '../body.js';

export interface VoicemailRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
  /** For the message delete (a command); absent in tests that only need the config pages. */
  readonly commands?: CommandDeps;
  /** `voicemail.spoolDir`; undefined when not configured (the message routes answer 503 naming the key). */
  readonly spool?: VoicemailSpool;
}

const file = 'voicemail.conf';
const createInput = accepts({ summary: 'Add a mailbox to voicemail.conf (no reload)', body: mailboxCreateBody });
const changeInput = accepts({ summary: 'Change a mailbox (no reload)', params: mailboxPathParams, body: mailboxChangeBody });
const deleteInput = accepts({ summary: 'Remove a mailbox (no reload)', params: mailboxPathParams });

/** The message routes without a spool: 503 naming the setting, nothing read. */
const noSpool = (): HttpError =>
  new HttpError(503, 'voicemail.spoolDir is not set (env JADE_VOICEMAIL_SPOOL_DIR): jade cannot read the voicemail spool', { key: 'voicemail.spoolDir' });

const queryOf = (ctx: Context): Record<string, unknown> => {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(ctx.query)) out[key] = Array.isArray(value) ? value[0] : value;
  return out;
};

/** `<mailbox>@<context>` of a path (the router has percent-decoded it): 400 naming `id` when it is not one. */
function userAddress(id: string): { readonly context: string; readonly mailbox: string } {
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1) throw new InvalidConfigError('id', 'is <mailbox>@<context>, e.g. 6001%40vm-demo');
  return { context: checkMailboxContext(id.slice(at + 1), 'id'), mailbox: checkMailboxName(id.slice(0, at), 'id') };
}

/**
 * `/voicemail` (catalog 70 §4): `voicemail.conf` through the generic factory (`/voicemail/setting(s)`, history,
 * rollback); the mailboxes (`/voicemail/users`: Asterisk's live list, writes to voicemail.conf through the same
 * ConfigService, no reload: the client reloads app_voicemail); the messages from the spool (`/voicemail/vms`).
 */
export function voicemailRoutes(deps: VoicemailRouteDeps): Router {
  const router = configFileRoutes({ area: '/voicemail', file, module: 'app_voicemail' }, deps);
  const { config, db } = deps;
  const spool = (): VoicemailSpool => {
    if (deps.spool === undefined) throw noSpool();
    return deps.spool;
  };

  // ---- mailboxes ----
  router.get('/voicemail/users', byNode({ summary: 'Voicemail boxes of every Asterisk box (node each)' }), async (ctx) => reply(ctx, { list: await listVoicemailUsers(db) }));
  router.get('/voicemail/users/:id', byNode({ summary: 'A voicemail box (node: when several boxes have it)' }), async (ctx) => {
    const id = pathParam(ctx, 'id');
    const user = await getVoicemailUser(db, id, queryNode(ctx));
    if (!user) throw new NotFoundError({ kind: 'voicemail user', id });
    reply(ctx, user);
  });
  const writeMailbox = (ctx: Context, op: string, context: string, mailbox: string, fields: Record<string, string> | undefined, apply: ConfigWrite['apply']) =>
    config.write(currentUser(ctx), file, { operation: `voicemail_user.${op}`, section: context, options: { mailbox, ...(fields ?? {}) }, apply }, { version: versionOf(ctx) });
  const missing = (context: string, mailbox: string) => new NotFoundError({ kind: 'voicemail user', id: voicemailUserId(context, mailbox) }, `${file} has no mailbox ${mailbox} in [${context}]`);
  router.post('/voicemail/users', createInput, async (ctx) => {
    const body = createInput.body(ctx);
    const context = checkMailboxContext(body.context);
    const mailbox = checkMailboxName(body.mailbox);
    const fields = mailboxFieldsOf(body);
    written(ctx, await writeMailbox(ctx, 'create', context, mailbox, fields, (current) => {
      if (readMailbox(current, context, mailbox)) throw new InvalidConfigError('mailbox', `${mailbox} already exists in [${context}]`);
      return withMailbox(current, context, mailbox, fields);
    }));
  });
  router.put('/voicemail/users/:id', changeInput, async (ctx) => {
    const { context, mailbox } = userAddress(pathParam(ctx, 'id'));
    const fields = mailboxFieldsOf(changeInput.body(ctx));
    written(ctx, await writeMailbox(ctx, 'update', context, mailbox, fields, (current) => {
      const existing = readMailbox(current, context, mailbox);
      if (!existing) throw missing(context, mailbox);
      return withMailbox(current, context, mailbox, { ...existing, ...fields });
    }));
  });
  router.delete('/voicemail/users/:id', deleteInput, async (ctx) => {
    const { context, mailbox } = userAddress(pathParam(ctx, 'id'));
    written(ctx, await writeMailbox(ctx, 'delete', context, mailbox, undefined, (current) => {
      if (!readMailbox(current, context, mailbox)) throw missing(context, mailbox);
      return withoutMailbox(current, context, mailbox);
    }));
  });

  // ---- messages (the spool) ----
  router.get('/voicemail/vms', async (ctx) => {
    const query = queryOf(ctx);
    const context = checkSpoolName('context', query.context);
    const mailbox = checkSpoolName('mailbox', query.mailbox);
    const dir = query.dir === undefined || query.dir === '' ? undefined : checkSpoolName('dir', query.dir);
    reply(ctx, { list: await spool().list(context, mailbox, dir) });
  });
  router.get('/voicemail/vms/:msgname', async (ctx) => {
    const { context, mailbox, dir, msgname } = messageAddressOf({ ...queryOf(ctx), msgname: pathParam(ctx, 'msgname') });
    const audio = await spool().audio(context, mailbox, dir, msgname);
    if (!audio) throw new NotFoundError({ kind: 'voicemail message', id: `${msgname} in ${dir} of ${voicemailUserId(context, mailbox)}` });
    const size = audio.stats.size;
    const range = byteRange(ctx.get('range') || undefined, size);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Content-Disposition', `attachment; filename=${audio.name}`);
    if (range.kind === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      ctx.body = '';
      return;
    }
    const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
    ctx.status = range.kind === 'partial' ? 206 : 200;
    if (range.kind === 'partial') ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
    ctx.type = audioContentType(audio.ext);
    // Streamed, never read whole: an hour of 8 kHz WAV is 57 MB.
    ctx.body = size === 0 ? '' : createReadStream(audio.file, { start, end });
    ctx.length = size === 0 ? 0 : end - start + 1;
  });
  router.delete('/voicemail/vms/:msgname', async (ctx) => {
    const address = messageAddressOf({ ...queryOf(ctx), msgname: pathParam(ctx, 'msgname') });
    const commands = deps.commands;
    if (!commands) throw new HttpError(503, 'voicemail message commands are not available');
    const outcome = await deleteVoicemailMessage({ ...commands, spool: spool() }, currentUser(ctx), address);
    ctx.set('X-Command-Id', outcome.commandId);
    reply(ctx);
  });
  return router;
}
