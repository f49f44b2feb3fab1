import { z } from 'zod';

/**
 * The request bodies of the config-file routes (config-file-routes.ts and the areas built on it), as zod
 * schemas: `accepts()` validates with them and the OpenAPI document describes them (route-input.ts). The
 * messages are the config model's own (src/configfiles/model.ts, decide.ts), which still runs after them for
 * what a JSON schema cannot say (CR/LF/NUL in values, key syntax, templates).
 */

const message = (text: string) => ({ errorMap: () => ({ message: text }) });

/** One option's value: a line, or repeated lines (`member = a`, `member = b`). */
export const optionValue = z.union([z.string(), z.array(z.string())], message('a value is a string or an array of strings'));

/** A section's options: `{option: value}`. */
export const sectionOptions = z.record(z.string(), optionValue, message('a section is an object of keys'));

/** A whole file as §0 JSON: `{section: {option: value}}` (PUT `<area>/setting`). */
export const settingBody = z.record(z.string(), sectionOptions, message('the setting is an object of sections'));

/** A section's name (decide.ts checkSectionName says the rest: `general`, CR/LF/NUL). */
export const sectionName = z.string(message('is required')).min(1, 'is required').max(80, 'must be 1-80 characters without [ ] or surrounding spaces');

/** `POST /admin<area>/cfg_<plural>`: `{name, data: {option: value}}`. */
export const cfgSectionCreateBody = z.object({
  name: sectionName,
  data: sectionOptions,
});

/** `PUT /admin<area>/cfg_<plural>/<name>`: `{data: {option: value}}`, or the bare option map of the older examples. */
export const cfgSectionReplaceBody = z.union([z.object({ data: sectionOptions }).strict(), sectionOptions], message('an object of options, or {data: an object of options}'));

/** `POST /park/parkinglots`, `/queue/queues`, `/pjsip/<kind>`: the section's name among its options. */
export const namedSectionBody = z.object({ name: sectionName }).catchall(optionValue);
