import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../readmodels/database.js';
import { getParkingLot } from '../../../projections/parking.js';
import { getConfigVersion, getConfigVersionByName, listConfigBackups, listConfigVersions } from '../../../projections/config-versions.js';
import { NotFoundError } from '../../events/errors.js';
import { currentUser } from '../../auth/index.js';
import { backupToHide, checkSectionName, ConfigSectionExistsError, parseBackupName } from '../../configfiles/decide.js';
import { fromSettingJson, lineDiff, renderConfig, toSettingJson, type ConfigFile } from '../../configfiles/model.js';
import type { ConfigService, ConfigWriteResult } from '../../configfiles/service.js';
import { reply } from '../envelope.js';
import { badRequest } from '../errors.js';
import { pathParam, validBody } from '../body.js';

export interface ParkConfigRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

const file = 'res_parking.conf';
const module = 'res_parking';
type SettingJson = ReturnType<typeof toSettingJson>;

/** `?version=N` or `If-Match: "N"`: the version a write is based on (optimistic concurrency); none: unchecked. */
function versionOf(ctx: Context): number | undefined {
  const raw = typeof ctx.query.version === 'string' ? ctx.query.version : ctx.get('if-match').replace(/^W\//, '').replace(/"/g, '');
  if (raw === '') return undefined;
  const version = Number(raw);
  if (!Number.isSafeInteger(version) || version < 1) throw badRequest('version must be a positive integer (a log position)', { fields: ['version'] });
  return version;
}

const settingJson = (sections: unknown): SettingJson => toSettingJson(sections as ConfigFile);
const body = (ctx: Context): Record<string, unknown> => (ctx.state.body as Record<string, unknown> | undefined) ?? {};

/** The file's sections with one section set (or removed when `options` is undefined). */
function withSection(current: ConfigFile, name: string, options: unknown): ConfigFile {
  const json: Record<string, unknown> = { ...toSettingJson(current) };
  if (options === undefined) delete json[name];
  else json[name] = options;
  return fromSettingJson(json);
}

const rollbackBody = z.object({ to: z.number().int().positive() });

/** Answers a write: the envelope alone (catalog), with the new version in `ETag` for the next optimistic write. */
function written(ctx: Context, outcome: ConfigWriteResult): void {
  if (outcome.version !== null) ctx.set('ETag', `"${outcome.version}"`);
  reply(ctx);
}

/**
 * The config-file side of `/park` (catalog 70 §0, §1.3–1.7): `res_parking.conf` through AMI only
 * (src/configfiles/service.ts). `PUT /park/setting` writes without a reload, as the catalog says. A write to
 * `/park/parkinglots` reloads res_parking and answers once `/park/parkinglots` shows the change (ARCHITECTURE.md /
 * issue 12 "live objects follow"; the catalog's Proposed said no reload: see the README). Backups are versions
 * in the log; `…/settings/history` and `…/setting/rollback` go beyond the manual.
 */
export function parkConfigRoutes(deps: ParkConfigRouteDeps): Router {
  const router = new Router();
  const { config, db } = deps;

  /** A parking-lot write: reload res_parking, take the Parkinglots snapshot again, wait until the lot is (or is not) listed. */
  const lotWrite = (ctx: Context, operation: string, name: string, options: unknown, apply: (current: ConfigFile) => ConfigFile) =>
    config.write(currentUser(ctx), file, { operation, section: name, options, apply }, {
      version: versionOf(ctx),
      reload: module,
      refresh: ['Parkinglots'],
      settled: async () => ((await getParkingLot(db, name)) !== undefined) === (operation !== 'parkinglot.delete'),
    });

  router.get('/park/setting', async (ctx) => {
    const { sections, version } = await config.read(file);
    if (version !== null) ctx.set('ETag', `"${version}"`);
    reply(ctx, toSettingJson(sections));
  });
  router.put('/park/setting', async (ctx) => {
    // Validated (CR/LF/NUL, shapes) before anything is recorded: 400 naming the field.
    const wanted = fromSettingJson(body(ctx));
    written(ctx, await config.write(currentUser(ctx), file, { operation: 'setting', wanted, apply: () => wanted }, { version: versionOf(ctx) }));
  });
  router.post('/park/setting/rollback', async (ctx) => {
    const { to } = validBody(ctx, rollbackBody);
    const target = await getConfigVersion(db, file, to);
    if (!target) throw new NotFoundError({ kind: `${file} version`, id: String(to) });
    const wanted = target.sections as ConfigFile;
    written(ctx, await config.write(currentUser(ctx), file, { operation: 'rollback', wanted, options: { to }, apply: () => wanted }, { version: versionOf(ctx), cause: 'rollback' }));
  });

  router.get('/park/settings', async (ctx) => {
    const backups = await listConfigBackups(db, file);
    reply(ctx, { list: backups.map((b) => ({ filename: b.name, ...settingJson(b.before) })) });
  });
  router.get('/park/settings/history', async (ctx) => {
    const versions = await listConfigVersions(db, file);
    const list = versions.map((v, i) => {
      const prev = i > 0 ? versions[i - 1]!.sections : v.before;
      return {
        position: v.position, time: v.time, kind: v.kind, cause: v.cause, name: v.name, hidden: v.hidden === 1,
        user: v.username, user_uuid: v.user_uuid, command_id: v.command_id,
        diff: lineDiff(prev === null || prev === undefined ? '' : renderConfig(prev as ConfigFile), renderConfig(v.sections as ConfigFile)),
      };
    });
    reply(ctx, { list });
  });
  router.get('/park/settings/:name', async (ctx) => {
    const name = pathParam(ctx, 'name');
    parseBackupName(name, [file]);
    const backup = await getConfigVersionByName(db, name);
    if (!backup || backup.hidden === 1) throw new NotFoundError({ kind: 'backup', id: name });
    reply(ctx, { list: settingJson(backup.before) });
  });
  router.delete('/park/settings/:name', async (ctx) => {
    const name = pathParam(ctx, 'name');
    parseBackupName(name, [file]);
    const backup = backupToHide(await listConfigVersions(db, file), name);
    if (!backup) throw new NotFoundError({ kind: 'backup', id: name });
    await config.hide(currentUser(ctx), file, name);
    reply(ctx);
  });

  router.post('/park/parkinglots', async (ctx) => {
    const { name: rawName, ...options } = body(ctx);
    const name = checkSectionName(rawName);
    fromSettingJson({ [name]: options });
    written(ctx, await lotWrite(ctx, 'parkinglot.create', name, options, (current) => {
      if (name in toSettingJson(current)) throw new ConfigSectionExistsError(file, name);
      return withSection(current, name, options);
    }));
  });
  router.put('/park/parkinglots/:name', async (ctx) => {
    const name = checkSectionName(pathParam(ctx, 'name'));
    const options = body(ctx);
    fromSettingJson({ [name]: options });
    written(ctx, await lotWrite(ctx, 'parkinglot.update', name, options, (current) => {
      if (!(name in toSettingJson(current))) throw new NotFoundError({ kind: 'parking lot', id: name }, `${file} has no section [${name}]`);
      return withSection(current, name, options);
    }));
  });
  router.delete('/park/parkinglots/:name', async (ctx) => {
    const name = checkSectionName(pathParam(ctx, 'name'));
    written(ctx, await lotWrite(ctx, 'parkinglot.delete', name, undefined, (current) => {
      if (!(name in toSettingJson(current))) throw new NotFoundError({ kind: 'parking lot', id: name }, `${file} has no section [${name}]`);
      return withSection(current, name, undefined);
    }));
  });
  return router;
}
