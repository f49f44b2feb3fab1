/**
 * A trunk (catalog 30 `/manager/trunks`): the PJSIP objects of an outbound trunk that share one name in
 * pjsip.conf — an endpoint, an aor, an auth, an outbound registration and an identify — seen as one object
 * `{name, server_uri, client_uri, username, password, contact, context, hostname}`. A name is a trunk when
 * pjsip.conf has both `[name]` type=endpoint and `[name]` type=registration. Pure: the route writes the result
 * through the ConfigService (pjsip.ts finds the objects by name AND type).
 *
 * Each field lives on one object (`fieldPlaces`). Writes set only those keys (and the links between the
 * objects), so lines added to the objects by hand survive an update. The auth exists when `username` or
 * `password` is set (then the endpoint and the registration name it as `outbound_auth`); the identify exists
 * when `hostname` is set.
 */
import { checkText, checkValue, InvalidConfigError, type ConfigFile, type ConfigLine } from './model.js';
import { findPjsipObject, withPjsipObject } from './pjsip.js';

export const trunkFields = ['server_uri', 'client_uri', 'username', 'password', 'contact', 'context', 'hostname'] as const;
export type TrunkField = (typeof trunkFields)[number];
export type TrunkFields = Partial<Record<TrunkField, string>>;

/** The object types of a trunk, in the order a new trunk's categories are appended. */
export const trunkTypes = ['endpoint', 'aor', 'auth', 'registration', 'identify'] as const;
type TrunkType = (typeof trunkTypes)[number];

const fieldPlaces: Record<TrunkField, { readonly type: TrunkType; readonly key: string }> = {
  server_uri: { type: 'registration', key: 'server_uri' },
  client_uri: { type: 'registration', key: 'client_uri' },
  username: { type: 'auth', key: 'username' },
  password: { type: 'auth', key: 'password' },
  contact: { type: 'aor', key: 'contact' },
  context: { type: 'endpoint', key: 'context' },
  hostname: { type: 'identify', key: 'match' },
};

/** Lines a new object starts with (after `type=`), besides its fields and links. */
const createDefaults: Partial<Record<TrunkType, readonly ConfigLine[]>> = {
  endpoint: [{ key: 'disallow', value: 'all' }, { key: 'allow', value: 'ulaw,alaw' }],
  auth: [{ key: 'auth_type', value: 'userpass' }],
};

const valueOf = (lines: readonly ConfigLine[], key: string): string | undefined => lines.find((l) => l.key.toLowerCase() === key)?.value;

export const isTrunk = (file: ConfigFile, name: string): boolean => findPjsipObject(file, name, 'endpoint') >= 0 && findPjsipObject(file, name, 'registration') >= 0;

/** The fields of trunk `name` as the file has them (the password too: callers mask it), or undefined. */
export function readTrunk(file: ConfigFile, name: string): ({ readonly name: string } & TrunkFields) | undefined {
  if (!isTrunk(file, name)) return undefined;
  const fields: Record<string, string> = {};
  for (const field of trunkFields) {
    const { type, key } = fieldPlaces[field];
    const at = findPjsipObject(file, name, type);
    const value = at < 0 ? undefined : valueOf(file[at]!.lines, key);
    if (value !== undefined) fields[field] = value;
  }
  return { name, ...fields };
}

/** The names of the trunks, in file order (the endpoint's place). */
export const trunkNames = (file: ConfigFile): string[] =>
  file.filter((c) => c.template !== true && valueOf(c.lines, 'type')?.toLowerCase() === 'endpoint' && isTrunk(file, c.name)).map((c) => c.name);

/**
 * A body's trunk fields: strings that can reach Asterisk as they are (400 naming the field). Unknown fields
 * are ignored; `name` is the caller's business.
 */
export function trunkFieldsOf(body: Readonly<Record<string, unknown>>): TrunkFields {
  const fields: Record<string, string> = {};
  for (const field of trunkFields) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new InvalidConfigError(field, 'is a string');
    checkText(field, 'a value', value);
    if (value === '') throw new InvalidConfigError(field, 'must not be empty');
    checkValue(value, field, false);
    fields[field] = value;
  }
  return fields;
}

/** Replaces every `key` line with one `key = value` (in the first one's place, or at the end). */
function setKey(lines: readonly ConfigLine[], key: string, value: string): ConfigLine[] {
  const first = lines.findIndex((l) => l.key.toLowerCase() === key);
  if (first < 0) return [...lines, { key, value }];
  return lines.flatMap((l, i) => (l.key.toLowerCase() !== key ? [l] : i === first ? [{ key, value }] : []));
}

/**
 * The file with trunk `name` holding `fields` merged over what it has (a new trunk when it has none): each
 * object kept in place with its other lines, a missing one appended. A new trunk needs `server_uri` and
 * `client_uri` (400 naming them).
 */
export function withTrunk(file: ConfigFile, name: string, fields: TrunkFields): ConfigFile {
  const merged: TrunkFields = { ...readTrunk(file, name), ...fields };
  for (const field of ['server_uri', 'client_uri'] as const) {
    if (merged[field] === undefined) throw new InvalidConfigError(field, 'is required (the outbound registration needs it)');
  }
  const hasAuth = merged.username !== undefined || merged.password !== undefined;
  const present: Record<TrunkType, boolean> = { endpoint: true, aor: true, auth: hasAuth, registration: true, identify: merged.hostname !== undefined };
  const links: Record<TrunkType, [string, string][]> = {
    endpoint: [['aors', name], ...(hasAuth ? ([['outbound_auth', name]] as [string, string][]) : [])],
    aor: [],
    auth: [],
    registration: hasAuth ? [['outbound_auth', name]] : [],
    identify: [['endpoint', name]],
  };
  let out = file;
  for (const type of trunkTypes) {
    if (!present[type]) continue;
    const at = findPjsipObject(out, name, type);
    let lines: ConfigLine[] = at >= 0 ? [...out[at]!.lines] : [{ key: 'type', value: type }, ...(createDefaults[type] ?? [])];
    for (const [key, value] of links[type]) lines = setKey(lines, key, value);
    for (const field of trunkFields) {
      const place = fieldPlaces[field];
      const value = merged[field];
      if (place.type === type && value !== undefined) lines = setKey(lines, place.key, value);
    }
    out = withPjsipObject(out, name, type, lines);
  }
  return out;
}

/** The file without trunk `name`'s objects (all five types, those there). */
export const withoutTrunk = (file: ConfigFile, name: string): ConfigFile =>
  trunkTypes.reduce((out, type) => withPjsipObject(out, name, type, undefined), file);
