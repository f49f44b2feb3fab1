import { z } from 'zod';
import { mailboxFieldNames } from '../configfiles/voicemail.js';
import { trunkFields } from '../configfiles/trunks.js';

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

// ---- voicemail.conf mailboxes (/voicemail/users; src/configfiles/voicemail.ts says the rest) ----

const mailboxPart = (field: string) =>
  z.string(message('is required')).min(1, 'is required').regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, "_", "." or "-" (no "..")').describe(`The ${field}`);

/** A mailbox's fields, each a string; a field voicemail.conf has no place for is refused by name. */
const mailboxFields = (address: readonly string[]) =>
  z
    .object(Object.fromEntries(mailboxFieldNames.map((field) => [field, z.string(message('is a string')).optional()])))
    .passthrough()
    .superRefine((body, ctx) => {
      for (const field of Object.keys(body)) {
        if (!address.includes(field) && !mailboxFieldNames.includes(field)) ctx.addIssue({ code: 'custom', path: [field], message: 'is not a voicemail user field' });
      }
    });

/** `POST /voicemail/users`: the address (`context`, `mailbox`) and the mailbox's fields. */
export const mailboxCreateBody = z.object({ context: mailboxPart('context'), mailbox: mailboxPart('mailbox') }).passthrough().and(mailboxFields(['context', 'mailbox']));

/** `PUT /voicemail/users/<id>`: the fields to change (an address in the body is ignored: the path says it). */
export const mailboxChangeBody = mailboxFields(['context', 'mailbox']);

/** `/voicemail/users/<mailbox>@<context>` (percent-encoded `@`: `6001%40vm-demo`). */
export const mailboxPathParams = z.object({
  id: z.string().regex(/^.+@[^@]+$/, 'is <mailbox>@<context>, e.g. 6001%40vm-demo').describe('<mailbox>@<context>, the @ percent-encoded'),
});

// ---- extensions.conf (/dialplan/setting, sdps; src/configfiles/dialplan.ts says the rest) ----

/** `PUT /dialplan/setting` as JSON; the same text may come as the `text/plain` body itself. */
export const dialplanSettingBody = z.object({
  data: z.string(message('send the file as a text/plain body, or JSON {"data": "<text>"}')).describe('The whole extensions.conf as text'),
});

/** `PUT /dialplan/setting` as `text/plain`: the file's text. */
export const dialplanSettingText = z.string().describe('The whole extensions.conf as text');

/** One dialplan line of an sdp: `{exten: "> 100,1,NoOp()"}`, exactly one key. */
const sdpLine = z
  .record(z.string(), z.string(message('a value is a string')), message('is an object with exactly one key'))
  .refine((line) => Object.keys(line).length === 1, 'is an object with exactly one key');
const sdpLines = z.array(sdpLine, message('is an array of {key: value} objects'));

/** `POST …/sdps`, `POST /manager/sdialplans`: a context and its lines (none: an empty context). */
export const sdpCreateBody = z.object({ name: z.string(message('is required')).min(1, 'is required').describe('The context'), data: sdpLines.optional() });

/** `PUT …/sdps/<name>`: the context's lines, replacing all of them. */
export const sdpReplaceBody = z.object({ data: sdpLines });

// ---- trunks in pjsip.conf (/manager/trunks; src/configfiles/trunks.ts says the rest) ----

/** A trunk's fields, each a non-empty string; others are not read. */
const trunkFieldsShape = Object.fromEntries(trunkFields.map((field) => [field, z.string(message('is a string')).min(1, 'must not be empty').optional()]));

/** `PUT /manager/trunks/<name>`: the fields to change. */
export const trunkChangeBody = z.object(trunkFieldsShape).passthrough();

/** `POST /manager/trunks`: the trunk's name (its endpoint, aor, auth and registration) and its fields. */
export const trunkCreateBody = z.object({ name: sectionName, ...trunkFieldsShape }).passthrough();
