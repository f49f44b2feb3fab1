import type { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import type { Database } from '../../readmodels/database.js';
import { getConfigVersionByName, listConfigBackups, listConfigVersions } from '../../../projections/config-versions.js';
import { NotFoundError } from '../../events/errors.js';
import { currentUser } from '../../auth/index.js';
import { backupToHide, ConfigSectionExistsError, parseBackupName } from '../../configfiles/decide.js';
import { checkContextName, linesFromSdpData, listSdps, toSdp, withContext } from '../../configfiles/dialplan.js';
import { InvalidConfigError, parseConfigText, renderConfig, type ConfigFile } from '../../configfiles/model.js';
import type { ConfigService } from '../../configfiles/service.js';
import { reply } from '../envelope.js';
import { badRequest } from '../errors.js';
import { configFileRoutes, versionOf, written } from '../config-file-routes.js';
import { dialplanSettingBody, dialplanSettingText, sdpCreateBody, sdpReplaceBody } from '../config-bodies.js';
import { accepts } from '../route-input.js';
import { pathParam } from '../body.js';

export interface DialplanConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'extensions.conf';

/** Which contexts an sdp page serves (`accepts`), and the 400 message for creating another. */
export interface SdpScope {
  readonly accepts: (name: string) => boolean;
  readonly refuse: string;
}

/** `PUT /dialplan/setting`: a `text/plain` body as it is, or JSON `{"data": "<text>"}`. */
const settingInput = accepts({ summary: 'Replace extensions.conf with this text (no reload)', text: dialplanSettingText, body: dialplanSettingBody });
const sdpCreateInput = accepts({ summary: 'Add a context', body: sdpCreateBody });
const sdpReplaceInput = accepts({ summary: 'Replace (or add) a context', body: sdpReplaceBody });

/** The text of `PUT /dialplan/setting`, as `settingInput` validated it. */
const settingText = (ctx: Context): string => settingInput.text(ctx) ?? settingInput.body(ctx).data;

/**
 * extensions.conf through AMI (catalog 60 §13 `/dialplan/setting`, 20-admin `/admin/dialplan/sdps`). No write
 * reloads the dialplan (the catalog): `PUT /core/modules/pbx_config` does. `/dialplan/setting` is the file's
 * text: what AMI cannot carry (comments, blank lines, #include/#exec) is not written and is listed in
 * `result.dropped`. `/dialplan/settings` lists the backups (versions in the log) as text.
 */
export function dialplanConfigRoutes(deps: DialplanConfigRouteDeps): Router {
  // `/admin/dialplan/configurations[/<name>]` from the factory; `/dialplan/setting(s)` are text, served below.
  const router = configFileRoutes({ area: '/dialplan', file, module: 'pbx_config', setting: false }, deps);
  const { config, db } = deps;
  const write = (ctx: Context, operation: string, extra: { section?: string; options?: unknown; wanted?: ConfigFile }, apply: (current: ConfigFile) => ConfigFile) =>
    config.write(currentUser(ctx), file, { operation, ...extra, apply }, { version: versionOf(ctx) });

  router.get('/dialplan/setting', async (ctx) => {
    if (ctx.query.format !== undefined && ctx.query.format !== 'text') throw badRequest('format: only "text" is served', { fields: ['format'] });
    const { sections, version } = await config.read(file);
    if (version !== null) ctx.set('ETag', `"${version}"`);
    reply(ctx, renderConfig(sections));
  });
  router.put('/dialplan/setting', settingInput, async (ctx) => {
    // Parsed and validated before anything is recorded: 400 naming the line.
    const { file: wanted, dropped } = parseConfigText(settingText(ctx));
    written(ctx, await write(ctx, 'setting', { wanted }, () => wanted), { dropped });
  });
  router.get('/dialplan/settings', async (ctx) => {
    const backups = await listConfigBackups(db, file);
    reply(ctx, { list: backups.map((b) => ({ filename: b.name, data: renderConfig(b.before as ConfigFile) })) });
  });
  router.get('/dialplan/settings/:name', async (ctx) => {
    const name = pathParam(ctx, 'name');
    parseBackupName(name, [file]);
    const backup = await getConfigVersionByName(db, name);
    if (!backup || backup.hidden === 1) throw new NotFoundError({ kind: 'backup', id: name });
    reply(ctx, { filename: name, data: renderConfig(backup.before as ConfigFile) });
  });
  router.delete('/dialplan/settings/:name', async (ctx) => {
    const name = pathParam(ctx, 'name');
    parseBackupName(name, [file]);
    const backup = backupToHide(await listConfigVersions(db, file), name);
    if (!backup) throw new NotFoundError({ kind: 'backup', id: name });
    await config.hide(currentUser(ctx), file, name);
    reply(ctx);
  });

  sdpRoutes(router, '/admin/dialplan/sdps', config);
  return router;
}

/**
 * The contexts of extensions.conf as sdps at `path` (20-admin `/admin/dialplan/sdps`, 30 `/manager/sdialplans`):
 * `GET path`, `POST path {name, data}` (an existing context 400), `GET|PUT|DELETE path/<name>` (PUT replaces the
 * context or adds it). `scope`, when given, limits the page to the contexts it accepts: another context is not
 * listed and is 404, and may not be created (`scope.refuse` says why, 400). No write reloads the dialplan.
 */
export function sdpRoutes(router: Router, path: string, config: ConfigService, scope?: SdpScope): void {
  const write = (ctx: Context, operation: string, extra: { section?: string; options?: unknown }, apply: (current: ConfigFile) => ConfigFile) =>
    config.write(currentUser(ctx), file, { operation, ...extra, apply }, { version: versionOf(ctx) });
  const inScope = (name: string): boolean => scope === undefined || scope.accepts(name);
  const creatable = (name: string): string => {
    if (!inScope(name)) throw new InvalidConfigError('name', scope!.refuse);
    return name;
  };
  const find = (sections: ConfigFile, name: string) => (inScope(name) ? sections.find((c) => c.name.toLowerCase() === name.toLowerCase()) : undefined);

  router.get(path, async (ctx) => {
    reply(ctx, { list: listSdps((await config.read(file)).sections).filter((sdp) => inScope(sdp.name)) });
  });
  router.get(`${path}/:name`, async (ctx) => {
    const name = checkContextName(pathParam(ctx, 'name'));
    const { sections, version } = await config.read(file);
    const found = find(sections, name);
    if (!found) throw new NotFoundError({ kind: 'context', id: name });
    if (version !== null) ctx.set('ETag', `"${version}"`);
    reply(ctx, toSdp(found));
  });
  router.post(path, sdpCreateInput, async (ctx) => {
    const body = sdpCreateInput.body(ctx);
    const name = creatable(checkContextName(body.name));
    const lines = linesFromSdpData(body.data ?? []);
    written(ctx, await write(ctx, 'sdp.create', { section: name, options: body.data ?? [] }, (current) => {
      if (current.some((c) => c.name.toLowerCase() === name.toLowerCase())) throw new ConfigSectionExistsError(file, name);
      return withContext(current, name, lines);
    }));
  });
  router.put(`${path}/:name`, sdpReplaceInput, async (ctx) => {
    // Upsert (catalog 20 Proposed): replaces the whole context, or adds it at the end.
    const name = creatable(checkContextName(pathParam(ctx, 'name')));
    const { data } = sdpReplaceInput.body(ctx);
    const lines = linesFromSdpData(data);
    written(ctx, await write(ctx, 'sdp.put', { section: name, options: data }, (current) => withContext(current, name, lines)));
  });
  router.delete(`${path}/:name`, async (ctx) => {
    const name = checkContextName(pathParam(ctx, 'name'));
    written(ctx, await write(ctx, 'sdp.delete', { section: name }, (current) => {
      if (!find(current, name)) throw new NotFoundError({ kind: 'context', id: name });
      return withContext(current, name, undefined);
    }));
  });
}
