/**
 * extensions.conf as the catalog's "sdps" (20-admin `/admin/dialplan/sdps`): each context but `[general]` and
 * `[globals]` as `{name, data: [{key: value}, ...]}` in line order, a `=>` line's value with "> ". Pure.
 * GetConfig never says `=>` (model.ts): a line shows "> " when jade wrote it so; pbx_config reads `exten =`
 * and `exten =>` alike.
 */
import { checkCategoryName, checkKey, checkText, checkValue, InvalidConfigError, type ConfigCategory, type ConfigFile, type ConfigLine } from './model.js';

/** Not contexts: pbx_config's settings and global variables. */
const notContexts = new Set(['general', 'globals']);
export const isContext = (category: ConfigCategory): boolean => !notContexts.has(category.name.toLowerCase());

export interface Sdp {
  readonly name: string;
  readonly data: readonly Record<string, string>[];
}

export const toSdp = (category: ConfigCategory): Sdp => ({
  name: category.name,
  data: category.lines.map((l) => ({ [l.key]: l.arrow === true ? `> ${l.value}` : l.value })),
});

export const listSdps = (file: ConfigFile): Sdp[] => file.filter(isContext).map(toSdp);

/** A context name for `/sdps/<name>`: a category name, not general/globals (400 naming `name`). */
export function checkContextName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string' || name === '') throw new InvalidConfigError(field, 'is required');
  checkCategoryName(name, field);
  if (notContexts.has(name.toLowerCase())) throw new InvalidConfigError(field, `[${name}] is not a context`);
  return name;
}

/** `data` of a PUT: an array of one-key objects `{key: value}`, "> " for `=>`; 400 naming `data[i].key`. */
export function linesFromSdpData(data: unknown): ConfigLine[] {
  if (!Array.isArray(data)) throw new InvalidConfigError('data', 'is an array of {key: value} objects');
  return data.map((item, i): ConfigLine => {
    if (typeof item !== 'object' || item === null || Array.isArray(item) || Object.keys(item).length !== 1) {
      throw new InvalidConfigError(`data[${i}]`, 'is an object with exactly one key');
    }
    const [key, raw] = Object.entries(item as Record<string, unknown>)[0]!;
    const field = `data[${i}].${key}`;
    checkText(`data[${i}]`, 'a key', key);
    checkKey(key, field);
    if (typeof raw !== 'string') throw new InvalidConfigError(field, 'a value is a string');
    checkText(field, 'a value', raw);
    const arrow = raw.startsWith('>');
    const value = (arrow ? raw.slice(1) : raw).trim();
    checkValue(value, field, arrow);
    return arrow ? { key, value, arrow: true } : { key, value };
  });
}

/** The file with context `name` replaced (in place) or added at the end, or removed (`lines` undefined). */
export function withContext(file: ConfigFile, name: string, lines: readonly ConfigLine[] | undefined): ConfigFile {
  const at = file.findIndex((c) => c.name.toLowerCase() === name.toLowerCase());
  if (lines === undefined) return at < 0 ? file : [...file.slice(0, at), ...file.slice(at + 1)];
  const context: ConfigCategory = { name, lines };
  return at < 0 ? [...file, context] : [...file.slice(0, at), context, ...file.slice(at + 1)];
}
