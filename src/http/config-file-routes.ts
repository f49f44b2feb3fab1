import { Router } from '@koa/router';
import type { Context } from 'koa';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../readmodels/database.js';
import { getConfigVersion, getConfigVersionByName, listConfigBackups, listConfigVersions } from '../../projections/config-versions.js';
import { NotFoundError } from '../events/errors.js';
import { currentUser } from '../auth/index.js';
import { backupToHide, checkSectionName, ConfigSectionExistsError, parseBackupName } from '../configfiles/decide.js';
import { fromSettingJson, withKnownTemplates, lineDiff, parseConfigText, renderConfig, toSettingJson, type ConfigFile } from '../configfiles/model.js';
import type { ConfigService, ConfigWriteOptions, ConfigWriteResult } from '../configfiles/service.js';
import { reply } from './envelope.js';
import { badRequest } from './errors.js';
import { pathParam } from './body.js';
import { accepts } from './route-input.js';
import { cfgSectionCreateBody, cfgSectionReplaceBody, settingBody } from './config-bodies.js';

/**
 * The one router factory for an Asterisk config file exposed over HTTP (catalog 70 §0, 20-admin
 * `…/configurations` and `cfg_*`). Every area (`/park`, `/queue`, `/voicemail`, ...) is one call; nothing
 * here knows a file. All reads and writes go through the ConfigService (AMI GetConfig/UpdateConfig, the log).
 *
 * Serves, for `area` = `/park`, `file` = `res_parking.conf`:
 * - `GET|PUT /park/setting`: §0 JSON of the file (ETag: the version); PUT replaces the file, no reload.
 * - `GET /park/settings`, `GET|DELETE /park/settings/<backup>`, `GET /park/settings/history`,
 *   `POST /park/setting/rollback {to}`.
 * - `GET /admin/park/configurations` (current file first, then backups newest first, `{name, data: text}`),
 *   `GET|PUT|DELETE /admin/park/configurations/<name>` (PUT `{data: text}` only on the file; DELETE only backups).
 * - per `sections` entry (e.g. `parkinglots`): `GET|POST /admin/park/cfg_parkinglots`,
 *   `GET|PUT|DELETE /admin/park/cfg_parkinglots/<name>` (`{name, data: {option: value}}`, `[general]` left out).
 * None of these reload `module` (the catalog: "reload via PUT /core/modules/<module>").
 */
export interface ConfigFileArea {
  /** The URL area, with its leading slash: `/park`. The admin pages live under `/admin<area>`. */
  readonly area: string;
  /** The Asterisk config file: `res_parking.conf`. */
  readonly file: string;
  /** The module that reads it (`res_parking`): named in answers; the client reloads it. */
  readonly module: string;
  /** `cfg_<plural>` pages: the file's sections other than `[general]`; `kind` names one in errors (`parking lot`). */
  readonly sections?: readonly { readonly plural: string; readonly kind: string }[];
  /** Serve `<area>/setting(s)` (default true; an area whose setting is not §0 JSON serves its own). */
  readonly setting?: boolean;
}

export interface ConfigFileRouteDeps {
  readonly db: Kysely<Database>;
  readonly config: ConfigService;
}

/** `?version=N` or `If-Match: "N"`: the version a write is based on (optimistic concurrency); none: unchecked. */
export function versionOf(ctx: Context): number | undefined {
  const raw = typeof ctx.query.version === 'string' ? ctx.query.version : ctx.get('if-match').replace(/^W\//, '').replace(/"/g, '');
  if (raw === '') return undefined;
  const version = Number(raw);
  if (!Number.isSafeInteger(version) || version < 1) throw badRequest('version must be a positive integer (a log position)', { fields: ['version'] });
  return version;
}

/**
 * The file with one section set (or removed when `options` is undefined), every other category left exactly
 * as it is (templates, `(tpl)` inheritance, `=>` lines: a whole-file JSON round trip would lose them and make
 * an unrelated category look changed). A replaced section keeps its place; same-named ones merge into it.
 */
export function withSection(current: ConfigFile, name: string, options: unknown): ConfigFile {
  if (options === undefined) return current.filter((c) => c.name !== name);
  const [section] = fromSettingJson({ [name]: options });
  const first = current.findIndex((c) => c.name === name);
  if (first < 0) return [...current, section!];
  return current.flatMap((c, i) => (c.name !== name ? [c] : i === first ? [section!] : []));
}

/** Answers a write: the envelope (or `result`), with the new version in `ETag` for the next optimistic write. */
export function written(ctx: Context, outcome: ConfigWriteResult, result?: unknown): void {
  if (outcome.version !== null) ctx.set('ETag', `"${outcome.version}"`);
  reply(ctx, result);
}

const settingJson = (sections: unknown): ReturnType<typeof toSettingJson> => toSettingJson(sections as ConfigFile);
const rollbackBody = z.object({ to: z.number().int().positive() });
const configurationBody = z.object({ data: z.string() });
const rollbackInput = accepts({ summary: 'Roll the file back to a version (a log position)', body: rollbackBody });
const configurationInput = accepts({ summary: 'Replace the file with this text', body: configurationBody });
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const settingInput = accepts({ summary: 'Replace the file with this §0 JSON (no reload)', body: settingBody });
const cfgCreateInput = accepts({ summary: 'Add a section', body: cfgSectionCreateBody });
const cfgReplaceInput = accepts({ summary: 'Replace a section', body: cfgSectionReplaceBody });

/** The writes of one section (`cfg_*` pages, `/park/parkinglots`, `/queue/queues`): create, replace, remove. */
export interface SectionWrites {
  create(ctx: Context, name: unknown, options: unknown, extra?: ConfigWriteOptions): Promise<ConfigWriteResult>;
  replace(ctx: Context, name: string, options: unknown, extra?: ConfigWriteOptions): Promise<ConfigWriteResult>;
  remove(ctx: Context, name: string, extra?: ConfigWriteOptions): Promise<ConfigWriteResult>;
}

/**
 * Section writes on `file`: a name checked (400), the options validated as §0 JSON before anything is
 * recorded (400 naming the field), create refused when the section exists (400), replace/remove when it
 * does not (404 `kind`). `operation` prefixes the recorded operation (`parkinglot` → `parkinglot.create`).
 */
export function sectionWrites(config: ConfigService, file: string, kind: string, operation: string): SectionWrites {
  const missing = (name: string) => new NotFoundError({ kind, id: name }, `${file} has no section [${name}]`);
  const write = (ctx: Context, op: string, name: string, options: unknown, apply: (current: ConfigFile) => ConfigFile, extra: ConfigWriteOptions = {}) =>
    config.write(currentUser(ctx), file, { operation: `${operation}.${op}`, section: name, options, apply }, { version: versionOf(ctx), ...extra });
  return {
    create: (ctx, rawName, options, extra) => {
      const name = checkSectionName(rawName, 'name', kind);
      fromSettingJson({ [name]: options });
      return write(ctx, 'create', name, options, (current) => {
        if (name in toSettingJson(current)) throw new ConfigSectionExistsError(file, name);
        return withSection(current, name, options);
      }, extra);
    },
    replace: (ctx, rawName, options, extra) => {
      const name = checkSectionName(rawName, 'name', kind);
      fromSettingJson({ [name]: options });
      return write(ctx, 'update', name, options, (current) => {
        if (!(name in toSettingJson(current))) throw missing(name);
        return withSection(current, name, options);
      }, extra);
    },
    remove: (ctx, rawName, extra) => {
      const name = checkSectionName(rawName, 'name', kind);
      return write(ctx, 'delete', name, undefined, (current) => {
        if (!(name in toSettingJson(current))) throw missing(name);
        return withSection(current, name, undefined);
      }, extra);
    },
  };
}

export function configFileRoutes(options: ConfigFileArea, deps: ConfigFileRouteDeps): Router {
  const router = new Router();
  const { config, db } = deps;
  const { area, file } = options;
  const admin = `/admin${area}`;

  /** A backup of this file by name: 400 for a name not shaped `<file>.<timestamp>`, 404 when unknown or hidden. */
  const backupNamed = async (name: string) => {
    parseBackupName(name, [file]);
    const backup = await getConfigVersionByName(db, name);
    if (!backup || backup.hidden === 1 || backup.file !== file) throw new NotFoundError({ kind: 'backup', id: name });
    return backup;
  };
  const hideBackup = async (ctx: Context, name: string) => {
    parseBackupName(name, [file]);
    const backup = backupToHide(await listConfigVersions(db, file), name);
    if (!backup) throw new NotFoundError({ kind: 'backup', id: name });
    await config.hide(currentUser(ctx), file, name);
    reply(ctx);
  };
  const current = async (ctx: Context): Promise<ConfigFile> => {
    const { sections, version } = await config.read(file);
    if (version !== null) ctx.set('ETag', `"${version}"`);
    return sections;
  };
  // The file's template marks survive a client that sends the file back without them (withKnownTemplates).
  const replaceFile = (ctx: Context, operation: string, wanted: ConfigFile, extra: ConfigWriteOptions = {}) =>
    config.write(currentUser(ctx), file, { operation, wanted, apply: (current) => withKnownTemplates(current, wanted) }, { version: versionOf(ctx), ...extra });

  // Every managed file, whatever its setting's form (JSON, or text for the dialplan), has its history and rollback.
  router.post(`${area}/setting/rollback`, rollbackInput, async (ctx) => {
    const { to } = rollbackInput.body(ctx);
    const target = await getConfigVersion(db, file, to);
    if (!target) throw new NotFoundError({ kind: `${file} version`, id: String(to) });
    const wanted = target.sections as ConfigFile;
    written(ctx, await config.write(currentUser(ctx), file, { operation: 'rollback', wanted, options: { to }, apply: () => wanted }, { version: versionOf(ctx), cause: 'rollback' }));
  });
  router.get(`${area}/settings/history`, async (ctx) => {
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
  if (options.setting !== false) {
    router.get(`${area}/setting`, async (ctx) => reply(ctx, toSettingJson(await current(ctx))));
    router.put(`${area}/setting`, settingInput, async (ctx) => {
      // Validated (shapes by the schema, then CR/LF/NUL and names by the model) before anything is recorded: 400 naming the field.
      const wanted = fromSettingJson(settingInput.body(ctx));
      written(ctx, await replaceFile(ctx, 'setting', wanted));
    });
    router.get(`${area}/settings`, async (ctx) => {
      const backups = await listConfigBackups(db, file);
      reply(ctx, { list: backups.map((b) => ({ filename: b.name, ...settingJson(b.before) })) });
    });
    router.get(`${area}/settings/:name`, async (ctx) => reply(ctx, { list: settingJson((await backupNamed(pathParam(ctx, 'name'))).before) }));
    router.delete(`${area}/settings/:name`, (ctx) => hideBackup(ctx, pathParam(ctx, 'name')));
  }

  // ---- /admin<area>/configurations: the file as text, current first, then backups newest first ----
  router.get(`${admin}/configurations`, async (ctx) => {
    const sections = await current(ctx);
    const backups = (await listConfigBackups(db, file)).reverse();
    reply(ctx, { list: [{ name: file, data: renderConfig(sections) }, ...backups.map((b) => ({ name: b.name, data: renderConfig(b.before as ConfigFile) }))] });
  });
  router.get(`${admin}/configurations/:name`, async (ctx) => {
    const name = pathParam(ctx, 'name');
    if (name === file) return reply(ctx, { name, data: renderConfig(await current(ctx)) });
    reply(ctx, { name, data: renderConfig((await backupNamed(name)).before as ConfigFile) });
  });
  router.put(`${admin}/configurations/:name`, configurationInput, async (ctx) => {
    const name = pathParam(ctx, 'name');
    if (name !== file) {
      parseBackupName(name, [file]);
      throw badRequest(`name: only the current ${file} can be updated, not a backup`, { fields: ['name'] });
    }
    const { data } = configurationInput.body(ctx);
    // Comments, blank lines and directives cannot travel over AMI: said in `dropped`, not silently lost.
    const parsed = parseConfigText(data);
    written(ctx, await replaceFile(ctx, 'configuration', parsed.file), { dropped: parsed.dropped });
  });
  router.delete(`${admin}/configurations/:name`, async (ctx) => {
    const name = pathParam(ctx, 'name');
    if (name === file) throw badRequest(`name: ${file} is the current file; only backups can be deleted`, { fields: ['name'] });
    await hideBackup(ctx, name);
  });

  // ---- /admin<area>/cfg_<plural>: the sections other than [general] as {name, data} ----
  for (const { plural, kind } of options.sections ?? []) {
    const base = `${admin}/cfg_${plural}`;
    const writes = sectionWrites(config, file, kind, `cfg_${plural}`);
    const sectionsOf = (sections: ConfigFile) => Object.entries(toSettingJson(sections)).filter(([name]) => name !== 'general');
    router.get(base, async (ctx) => reply(ctx, { list: sectionsOf(await current(ctx)).map(([name, data]) => ({ name, data })) }));
    router.post(base, cfgCreateInput, async (ctx) => {
      const body = cfgCreateInput.body(ctx);
      written(ctx, await writes.create(ctx, body.name, body.data));
    });
    router.get(`${base}/:name`, async (ctx) => {
      const name = checkSectionName(pathParam(ctx, 'name'), 'name', kind);
      const found = sectionsOf(await current(ctx)).find(([section]) => section === name);
      if (!found) throw new NotFoundError({ kind, id: name }, `${file} has no section [${name}]`);
      reply(ctx, { name, data: found[1] });
    });
    router.put(`${base}/:name`, cfgReplaceInput, async (ctx) => {
      const body: Record<string, unknown> = cfgReplaceInput.body(ctx);
      // `{data: {...}}`, or a bare option map (the shape of the older PUT examples).
      const data = Object.keys(body).length === 1 && isPlainObject(body.data) ? body.data : body;
      written(ctx, await writes.replace(ctx, pathParam(ctx, 'name'), data));
    });
    router.delete(`${base}/:name`, async (ctx) => written(ctx, await writes.remove(ctx, pathParam(ctx, 'name'))));
  }
  return router;
}
