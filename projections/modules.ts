import { sql, type Kysely } from 'kysely';
import type { RecordedEvent } from '../src/events/index.js';
import { field, overlay, snapshotAction, type Snapshot } from './lib/ami-fields.js';
import type { Database } from './database.js';
import { atEventTime, bySnapshotAction } from './lib/handlers.js';
import { defineProjection, type ProjectionState, type RowChange } from './lib/projection.js';
import { upsertStamped } from './lib/row-changes.js';
import { isPostgres } from './lib/dialect.js';
import { nodeScoped, oneOfNodes, publicRow } from './lib/node-scope.js';

/**
 * `/core/modules`: Asterisk's module list, from AMI only (ARCHITECTURE.md: never the local disk, so
 * Asterisk may run on another host). The `Command: module show` snapshot is the source of truth;
 * Asterisk's `Load` / `Unload` / `Reload` events keep it current between snapshots.
 *
 * A module jade has seen is never dropped: `module show` no longer lists an unloaded module (dlclose
 * unregisters it), so a module missing from a complete listing, or announced `Unload`, stays with
 * `load: "Not Running"` (the catalog's word), and a client can find it and load it again.
 */

/** The catalog's (and `module show`'s) word for a module that is not loaded now. */
export const NOT_RUNNING = 'Not Running';

export interface ModuleRow {
  /** Without `.so` (`app_voicemail`); the key. Built-in modules (`cdr`, `manager`) have no `.so` anyway. */
  readonly name: string;
  /** Asterisk truncates it to 40 characters in `module show`. */
  readonly description: string;
  readonly use_count: number;
  /** Asterisk's status word: `Running` or `Not Running`. */
  readonly load: string;
  /** `core`, `extended`, `deprecated`, `unknown`. */
  readonly support_level: string;
  /** The catalog's file size: AMI does not report it, so always null. */
  readonly size: number | null;
  readonly tm_update: string;
}

export type ModulesTable = ModuleRow;

type Tables = { modules: ModuleRow };
type Change = RowChange<Tables>;
type State = ProjectionState<Tables>;

export type ParsedModule = Omit<ModuleRow, 'size' | 'tm_update'>;

/** `app_queue.so` -> `app_queue`. */
export function moduleName(resource: string): string {
  return resource.trim().replace(/\.so$/i, '');
}

const restPattern = /^(-?\d+)\s+(.+?)\s+(\S+)$/;
const wholeLinePattern = /^(\S+)\s+(.*?)\s+(-?\d+)\s+(Running|Not Running|\S+)\s+(\S+)$/;

/**
 * One line of `module show`, printed by Asterisk as `%-30s %-40.40s %-10d %-11s %13s`: the fixed
 * description column is read by position (it may contain spaces and digits); a line whose layout
 * differs falls back to a pattern. The header and the `N modules loaded` footer match neither.
 */
export function parseModuleLine(line: string): ParsedModule | undefined {
  const text = line.replace(/\s+$/, '');
  const name = /^\S+/.exec(text)?.[0];
  if (name === undefined) return undefined;
  const descriptionStart = Math.max(31, name.length + 1);
  const rest = restPattern.exec(text.slice(descriptionStart + 40).trim());
  if (rest && text.length > descriptionStart + 40) {
    return {
      name: moduleName(name),
      description: text.slice(descriptionStart, descriptionStart + 40).trim(),
      use_count: Number.parseInt(rest[1]!, 10),
      load: rest[2]!,
      support_level: rest[3]!,
    };
  }
  const whole = wholeLinePattern.exec(text);
  if (!whole) return undefined;
  return {
    name: moduleName(whole[1]!),
    description: whole[2]!.trim(),
    use_count: Number.parseInt(whole[3]!, 10),
    load: whole[4]!,
    support_level: whole[5]!,
  };
}

export function parseModuleShow(lines: readonly string[]): ParsedModule[] {
  return splitLines(lines).flatMap((line) => parseModuleLine(line) ?? []);
}

/** An AMI client may hand over the output as one string with embedded newlines. */
function splitLines(lines: readonly string[]): string[] {
  return lines.flatMap((line) => line.split('\n'));
}

const footerPattern = /^\s*(\d+) modules? loaded/;

/** The count in Asterisk's `N modules loaded` footer, if the output has one. */
function footerCount(lines: readonly string[]): number | undefined {
  for (const line of splitLines(lines)) {
    const match = footerPattern.exec(line);
    if (match) return Number.parseInt(match[1]!, 10);
  }
  return undefined;
}

const showPattern = /^module show(?: like (.+))?$/;

/**
 * `module show` lists every module: it is the whole truth. `module show like <text>` lists those whose
 * resource name contains the text (Asterisk: case-insensitive substring), so only those are reconciled.
 */
function reconcile(state: State, snapshot: Snapshot, like: string | undefined, time: string): Change[] {
  const changes: Change[] = [];
  const listed = new Set<string>();
  const modules = parseModuleShow(snapshot.output);
  for (const parsed of modules) {
    if (listed.has(parsed.name)) continue;
    listed.add(parsed.name);
    const existing = state.get('modules', parsed.name);
    changes.push(...upsertStamped(state, 'modules', parsed.name, existing ? overlay(existing, parsed) : { ...parsed, size: null }, time));
  }
  // Deleting is only safe if every listed line was understood: Asterisk's footer says how many it listed.
  const expected = footerCount(snapshot.output);
  if (expected === undefined ? modules.length === 0 : modules.length !== expected) return changes;
  const needle = like?.toLowerCase();
  const inScope = (name: string): boolean =>
    needle === undefined || name.toLowerCase().includes(needle) || `${name}.so`.toLowerCase().includes(needle);
  for (const row of state.all('modules')) {
    if (!listed.has(row.name) && inScope(row.name)) changes.push(...notRunning(row, time));
  }
  return changes;
}

function reconcileShow(state: State, snapshot: Snapshot, time: string): Change[] {
  const show = showPattern.exec(snapshotAction(snapshot));
  return show ? reconcile(state, snapshot, show[1], time) : [];
}

/** The row kept with `load: Not Running`; nothing when it already says so. */
function notRunning(row: ModuleRow, time: string): Change[] {
  if (row.load === NOT_RUNNING) return [];
  return [{ table: 'modules', op: 'update', key: row.name, row: { ...row, load: NOT_RUNNING, use_count: 0, tm_update: time } }];
}

function onLoad(state: State, event: RecordedEvent, time: string): Change[] {
  const resource = field(event.data, 'Module');
  // Anything but Success leaves the list as it was: Asterisk answers `Decline` to loading a module that is already running.
  if (resource === undefined || field(event.data, 'Status') !== 'Success') return [];
  const name = moduleName(resource);
  const existing = state.get('modules', name);
  const running = existing ? overlay(existing, { load: 'Running' }) : { name, description: '', use_count: 0, load: 'Running', support_level: '', size: null };
  return upsertStamped(state, 'modules', name, running, time);
}

function onUnload(state: State, event: RecordedEvent, time: string): Change[] {
  const resource = field(event.data, 'Module');
  if (resource === undefined || field(event.data, 'Status') !== 'Success') return [];
  // An unloaded module leaves Asterisk's list, but not jade's: it stays, not running, to be loaded again.
  const existing = state.get('modules', moduleName(resource));
  return existing ? notRunning(existing, time) : [];
}

function onReload(state: State, event: RecordedEvent, time: string): Change[] {
  const resource = field(event.data, 'Module');
  // Status 0 = success (Asterisk's ast_module_reload_result). `All` touches no single row.
  if (resource === undefined || field(event.data, 'Status') !== '0') return [];
  const existing = state.get('modules', moduleName(resource));
  // A reload changes nothing `module show` prints; tm_update records "refreshed now" for clients that watch it.
  return existing ? [{ table: 'modules', op: 'update', key: existing.name, row: { ...existing, tm_update: time } }] : [];
}

const ownProjection = defineProjection<Tables, 'modules'>({
  name: 'modules',
  // 2: modules no longer listed stay as `Not Running` instead of being deleted.
  // 3: rows carry their box (`node`, `row_key`: lib/node-scope.ts).
  version: 3,
  tables: { modules: { key: 'name' } },
  handles: {
    Load: atEventTime(onLoad),
    Unload: atEventTime(onUnload),
    Reload: atEventTime(onReload),
    AmiSnapshot: bySnapshotAction<Tables>({ 'module show': reconcileShow }),
  },
});

/** Node-scoped (several Asterisk boxes, lib/node-scope.ts); `.inner` is the projection above. */
export const modulesProjection = nodeScoped(ownProjection);

// ---------------------------------------------------------------------------------------------
// Queries

/** A module of one box, as the API shows it. */
export type ModuleObject = ModuleRow & { readonly node: string };

export async function listModules(db: Kysely<Database>): Promise<ModuleObject[]> {
  const rows = await db.selectFrom('modules').selectAll().orderBy('name').orderBy('node').execute();
  return rows.map(publicRow);
}

/** Accepts the name with or without `.so` (catalog 60 §6); `node` when several boxes have it. */
export async function getModule(db: Kysely<Database>, name: string, node?: string): Promise<ModuleObject | undefined> {
  const rows = await db.selectFrom('modules').selectAll().where('name', '=', moduleName(name)).execute();
  const row = oneOfNodes(rows, { kind: 'module', id: moduleName(name) }, node);
  return row && publicRow(row);
}

const jsonObject = sql<string>`json_object('name', name, 'description', description, 'use_count', use_count, 'load', load, 'support_level', support_level, 'size', size, 'tm_update', tm_update, 'node', node)`;

export async function listModulesJson(db: Kysely<Database>): Promise<string> {
  if (isPostgres(db)) {
    const rows = await listModules(db);
    return JSON.stringify(rows.map((m) => ({ name: m.name, description: m.description, use_count: m.use_count, load: m.load, support_level: m.support_level, size: m.size, tm_update: m.tm_update, node: m.node })));
  }
  const { rows } = await sql<{ list: string }>`SELECT json_group_array(${jsonObject} ORDER BY name, node) AS list FROM modules`.execute(db);
  return rows[0]?.list ?? '[]';
}
