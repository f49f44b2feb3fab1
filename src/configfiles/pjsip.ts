/**
 * PJSIP objects in pjsip.conf (issue 12): a `[name]` category with a `type=` line. Several categories share
 * one name with different types (an endpoint, its aor and its auth are all `[pjagent-01]`), so an object is
 * found by name AND type, never by name alone. Pure: the service writes the result (diff.ts rebuilds a
 * file with duplicate names whole, since AMI cannot address one of them).
 */
import { fromSettingJson, InvalidConfigError, type ConfigCategory, type ConfigFile, type ConfigLine } from './model.js';

/** The object kinds jade writes, by URL segment: the `type=` Asterisk's sorcery reads. */
export const pjsipObjectTypes = {
  endpoints: 'endpoint',
  aors: 'aor',
  auths: 'auth',
  registration_outbounds: 'registration',
} as const;
export type PjsipObjectKind = keyof typeof pjsipObjectTypes;

/** The `type` of a category: its first `type=` line (what res_sorcery_config reads), or undefined. */
export const typeOf = (category: ConfigCategory): string | undefined => category.lines.find((l) => l.key.toLowerCase() === 'type')?.value;

/** Index of the category `[name]` with `type=<type>` (names compared exactly, as sorcery ids are). -1: none. */
export function findPjsipObject(file: ConfigFile, name: string, type: string): number {
  return file.findIndex((c) => c.name === name && c.template !== true && typeOf(c)?.toLowerCase() === type);
}

/**
 * An object's options (`{key: value | value[]}`, §0's convention, validated like a section) as lines,
 * `type=<type>` first. A `type` in the options must be that type (400 naming `type`).
 */
export function pjsipObjectLines(name: string, type: string, options: unknown): ConfigLine[] {
  const [section] = fromSettingJson({ [name]: options });
  const lines = section!.lines.filter((l) => {
    if (l.key.toLowerCase() !== 'type') return true;
    if (l.value.toLowerCase() !== type) throw new InvalidConfigError('type', `must be "${type}" here (or left out)`);
    return false;
  });
  return [{ key: 'type', value: type }, ...lines];
}

/** The file with object `[name]`/`type` set to `lines` (in place, or appended at the end), or removed (`lines` undefined). */
export function withPjsipObject(file: ConfigFile, name: string, type: string, lines: readonly ConfigLine[] | undefined): ConfigFile {
  const at = findPjsipObject(file, name, type);
  if (lines === undefined) return at < 0 ? file : [...file.slice(0, at), ...file.slice(at + 1)];
  const category: ConfigCategory = { name, lines };
  return at < 0 ? [...file, category] : [...file.slice(0, at), category, ...file.slice(at + 1)];
}
