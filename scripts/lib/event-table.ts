import { amiEventTable, type EventHandling } from '../../src/ami/event-table.js';
import { amiEventTypes, chatEventTypes, configEventTypes, dpEventTypes, obEventTypes, obStreamKinds, peopleEventTypes, projectionEventTypes, streamPrefixes, userDeletedEventType, voicemailEventTypes } from '../../src/events/index.js';
import { snapshotActionsOf } from '../../projections/lib/handlers.js';
import { dialplanRunEventTypes } from '../../src/dialplans/events.js';
import type { DeclaredNames } from '../../projections/lib/projection.js';

/**
 * The README's "AMI event -> stream -> projections" table, derived from the two declarations that decide it:
 * src/ami/event-table.ts (which stream an AMI event is filed in) and each projection's `handles` /
 * `handlesStreams` (which events it is given). Nothing here is written by hand, so the table cannot drift.
 */

/** What the table needs of a projection definition. */
export interface DeclaringProjection {
  readonly name: string;
  readonly handles: DeclaredNames;
  readonly handlesStreams?: DeclaredNames;
}

const own = (map: object, key: string): boolean => Object.prototype.hasOwnProperty.call(map, key);
const code = (text: string): string => `\`${text}\``;

/** The stream family an AMI event goes to, as the README shows it: `call-<Linkedid>` (else by DestLinkedid), `pbx-<node>`. */
function amiStream(handling: EventHandling): { readonly text: string; readonly prefix: string } {
  const [first, ...others] = handling.callIdFrom;
  if (first === undefined) return { text: code('pbx-<node>'), prefix: streamPrefixes.pbx };
  const fallback = others.length === 0 ? '' : ` (else by ${others.join(', ')})`;
  return { text: `${code(`call-<${first}>`)}${fallback}`, prefix: streamPrefixes.call };
}

const commandSuffixes = ['Requested', 'Succeeded', 'Failed', 'Rejected', 'Unknown'];
const obTypes = new Set<string>(Object.values(obEventTypes));
const linkTypes = new Set<string>(Object.values(amiEventTypes));
const projectionTypes = new Set<string>(Object.values(projectionEventTypes));
const configTypes = new Set<string>(Object.values(configEventTypes));
const peopleTypes = new Set<string>(Object.values(peopleEventTypes));
const chatTypes = new Set<string>(Object.values(chatEventTypes));
const dpTypes = new Set<string>(Object.values(dpEventTypes));
const voicemailScanTypes = new Set<string>([voicemailEventTypes.spoolScanned]);
const dialplanRunTypes = new Set<string>(Object.values(dialplanRunEventTypes));

/** The stream of one of jade's own event types; undefined for a type that is not jade's (an AMI event the table does not list). */
function jadeStream(type: string): string | undefined {
  if (linkTypes.has(type)) return 'pbx-<node>';
  if (projectionTypes.has(type)) return 'projection-<name>';
  if (configTypes.has(type)) return 'config-<file>';
  if (peopleTypes.has(type)) return type.startsWith('Contact') ? 'contact-<uuid>' : 'buddy-<uuid>';
  if (chatTypes.has(type)) return 'chat-<room uuid>';
  // The user directory's own fact (src/auth/events.ts), which the people and chat read models also react to.
  if (type === userDeletedEventType) return 'user-<uuid>';
  if (voicemailScanTypes.has(type)) return 'voicemail-<mailbox>@<context>';
  if (dpTypes.has(type)) return type.startsWith('Dpma') ? 'dpma-<uuid>' : 'dialplan-<uuid>';
  // A dialplan run's own record goes on its call's stream, beside Asterisk's events (src/dialplans/runner.ts).
  if (dialplanRunTypes.has(type)) return 'call-<Linkedid>';
  if (obTypes.has(type)) {
    // `DlmaCreated` is a dlma's, `DlCreated` a dl's: the longest kind that starts the name.
    const kinds = Object.values(obStreamKinds).filter((kind) => type.toLowerCase().startsWith(kind)).sort((a, b) => b.length - a.length);
    return kinds[0] === undefined ? undefined : `${kinds[0]}-<uuid>`;
  }
  if (commandSuffixes.some((suffix) => type.length > suffix.length && type.endsWith(suffix))) return 'command-<uuid>';
  return undefined;
}

interface Reaction {
  /** By event type (`handles`). */
  readonly named: readonly string[];
  /** Through the event's stream family (`handlesStreams`). */
  readonly byStream: readonly string[];
}

/** Who is given an event of this type on a stream of this prefix, as the runner decides (projections/lib/projection.ts). */
function reactions(projections: readonly DeclaringProjection[], type: string, streamPrefix: string): Reaction {
  const named: string[] = [];
  const byStream: string[] = [];
  for (const projection of projections) {
    if (own(projection.handles, type)) named.push(projection.name);
    else if (projection.handlesStreams !== undefined && Object.keys(projection.handlesStreams).some((prefix) => streamPrefix.startsWith(prefix))) {
      byStream.push(projection.name);
    }
  }
  return { named, byStream };
}

function cell(reaction: Reaction): string {
  const parts = [...reaction.named, ...reaction.byStream.map((name) => `_${name}_`)];
  return parts.length === 0 ? '—' : parts.join(', ');
}

function row(...cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** Every event type some projection names, in projection-list order. */
function namedTypes(projections: readonly DeclaringProjection[]): string[] {
  return [...new Set(projections.flatMap((projection) => Object.keys(projection.handles ?? {})))];
}

function amiRows(projections: readonly DeclaringProjection[]): string[] {
  const rows: string[] = [];
  for (const [type, handling] of Object.entries(amiEventTable)) {
    const stream = amiStream(handling);
    rows.push(row(code(type), stream.text, cell(reactions(projections, type, stream.prefix))));
  }
  // Named by a projection but not listed: filed by the table's default (its Linkedid, else the PBX).
  for (const type of namedTypes(projections)) {
    if (own(amiEventTable, type) || jadeStream(type) !== undefined) continue;
    rows.push(row(`${code(type)} (not listed: the default)`, `${code('call-<Linkedid>')}, else ${code('pbx-<node>')}`, cell(reactions(projections, type, streamPrefixes.pbx))));
  }
  return rows;
}

/** `AmiSnapshot` by resync action: who reconciles which answer. */
function snapshotRows(projections: readonly DeclaringProjection[]): string[] {
  const type = amiEventTypes.snapshot;
  const given = reactions(projections, type, streamPrefixes.pbx);
  const anyAction = given.byStream.map((name) => `_${name}_`);
  const byAction = new Map<string, string[]>();
  for (const projection of projections) {
    if (!given.named.includes(projection.name)) continue;
    const actions = snapshotActionsOf(projection.handles?.[type]);
    if (actions === undefined) anyAction.unshift(projection.name);
    for (const action of actions ?? []) byAction.set(action, [...(byAction.get(action) ?? []), projection.name]);
  }
  const stream = code('pbx-<node>');
  const rows = [...byAction.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([action, names]) => row(`${code(type)} ${code(action)}`, stream, [...names, ...anyAction].join(', ')));
  if (anyAction.length > 0) rows.push(row(`${code(type)} (any other action)`, stream, anyAction.join(', ')));
  return rows;
}

function jadeRows(projections: readonly DeclaringProjection[]): string[] {
  const rows = snapshotRows(projections);
  for (const type of namedTypes(projections)) {
    const stream = jadeStream(type);
    if (stream === undefined || type === amiEventTypes.snapshot || own(amiEventTable, type)) continue;
    rows.push(row(code(type), code(stream), cell(reactions(projections, type, stream.slice(0, stream.indexOf('<'))))));
  }
  // Stream families a projection takes whole (open-ended event types): also given what no table above names.
  const families = new Set(projections.flatMap((projection) => Object.keys(projection.handlesStreams ?? {})));
  for (const prefix of families) {
    const names = projections.filter((projection) => own(projection.handlesStreams ?? {}, prefix)).map((projection) => projection.name);
    rows.push(row(`other events of ${code(`${prefix}*`)}`, code(`${prefix}<...>`), names.join(', ')));
  }
  return rows;
}

/** The Markdown that goes between the README's markers. */
export function renderEventTable(projections: readonly DeclaringProjection[]): string {
  return [
    'Generated by `npm run docs:event-table -- --write` from `src/ami/event-table.ts` and each projection\'s',
    '`handles` / `handlesStreams`; a unit test fails when it is stale. _Italic_: given the event through its',
    'stream family (`handlesStreams`), not by name.',
    '',
    row('AMI event', 'stream', 'projections that react'),
    row('---', '---', '---'),
    ...amiRows(projections),
    '',
    row("jade's own event", 'stream', 'projections that react'),
    row('---', '---', '---'),
    ...jadeRows(projections),
  ].join('\n');
}

export const eventTableMarkers = { start: '<!-- event-table:start -->', end: '<!-- event-table:end -->' } as const;

/** The generated section as the README holds it now; undefined when the markers are missing. */
export function readmeEventTable(readme: string): string | undefined {
  const start = readme.indexOf(eventTableMarkers.start);
  const end = readme.indexOf(eventTableMarkers.end);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + eventTableMarkers.start.length, end).trim();
}

/** The README with its section replaced by `table`. */
export function withEventTable(readme: string, table: string): string {
  const start = readme.indexOf(eventTableMarkers.start);
  const end = readme.indexOf(eventTableMarkers.end);
  if (start < 0 || end < start) throw new Error(`README.md has no ${eventTableMarkers.start} ... ${eventTableMarkers.end} section`);
  return `${readme.slice(0, start + eventTableMarkers.start.length)}\n${table}\n${readme.slice(end)}`;
}
