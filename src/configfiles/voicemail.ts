/**
 * A mailbox of voicemail.conf (catalog 70 §4.4-4.5): the line `<mailbox> => <password>,<full name>,<email>,<pager>,<options>`
 * under `[<context>]`, `<options>` a `|`-joined list of `option=value`. The API names the options its own way
 * (`attach_message`); `mailboxOptionNames` is THE table from those names to voicemail.conf's (`attach`).
 * Pure: the routes write the result through the ConfigService, so every change has its version, backup and drift check.
 */
import { checkCategoryName, checkText, InvalidConfigError, type ConfigFile, type ConfigLine } from './model.js';

/** API field → voicemail.conf option name (the catalog's Proposed mapping, in its order). */
export const mailboxOptionNames: Readonly<Record<string, string>> = {
  timezone: 'tz',
  locale: 'locale',
  attach_message: 'attach',
  attachment_format: 'attachfmt',
  say_cid: 'saycid',
  cid_internal_contexts: 'cidinternalcontexts',
  say_duration: 'sayduration',
  say_duration_minimum: 'saydurationm',
  dialout: 'dialout',
  send_voicemail: 'sendvoicemail',
  search_contexts: 'searchcontexts',
  callback: 'callback',
  exit_context: 'exitcontext',
  can_review: 'review',
  call_operator: 'operator',
  say_envelope: 'envelope',
  delete_message: 'delete',
  alias: 'alias',
  volume_gain: 'volgain',
  next_after_cmd: 'nextaftercmd',
  force_name: 'forcename',
  force_greetings: 'forcegreetings',
  hide_from_dir: 'hidefromdir',
  temp_greet_warn: 'tempgreetwarn',
  password_location: 'passwordlocation',
  message_wrap: 'messagewrap',
  min_password: 'minpassword',
  vm_password: 'vm-password',
  vm_new_password: 'vm-newpassword',
  vm_pass_changed: 'vm-passchanged',
  vm_reenter_password: 'vm-reenterpassword',
  vm_mismatch: 'vm-mismatch',
  vm_invalid_password: 'vm-invalid-password',
  vm_pls_try_again: 'vm-pls-try-again',
  vm_prepend_timeout: 'vm-prepend-timeout',
  listen_control_forward_key: 'listen-control-forward-key',
  listen_control_reverse_key: 'listen-control-reverse-key',
  listen_control_pause_key: 'listen-control-pause-key',
  listen_control_restart_key: 'listen-control-restart-key',
  listen_control_stop_key: 'listen-control-stop-key',
  backup_deleted: 'backupdeleted',
};

/** The positional fields before the options. */
export const mailboxPositionalFields = ['password', 'full_name', 'email', 'pager'] as const;

/** A mailbox as the API writes it: positional fields and options by API name, all strings. */
export type MailboxFields = Readonly<Record<string, string>>;

const optionToField: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(mailboxOptionNames).map(([f, o]) => [o, f]));

/** The API fields a body may carry (positional + options); `context` and `mailbox` are the address. */
export const mailboxFieldNames: readonly string[] = [...mailboxPositionalFields, ...Object.keys(mailboxOptionNames)];

/** Reads the right-hand side of a mailbox line (`1234,Alice,a@x,,tz=central|attach=no`). Unknown options keep their file name. */
export function parseMailboxValue(value: string): Record<string, string> {
  const text = value.replace(/^>\s*/, '');
  const parts = text.split(',');
  const out: Record<string, string> = {};
  mailboxPositionalFields.forEach((field, i) => {
    const v = parts[i];
    if (v !== undefined) out[field] = v.trim();
  });
  const options = parts.slice(4).join(',');
  for (const pair of options.split('|')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    out[optionToField[name] ?? name] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** The right-hand side of a mailbox line for `fields` (options in the table's order, then unknown ones as kept). */
export function renderMailboxValue(fields: MailboxFields): string {
  const positional = mailboxPositionalFields.map((f) => fields[f] ?? '');
  const known = Object.keys(mailboxOptionNames).filter((f) => fields[f] !== undefined).map((f) => `${mailboxOptionNames[f]}=${fields[f]}`);
  const others = Object.keys(fields).filter((f) => !mailboxFieldNames.includes(f)).map((f) => `${f}=${fields[f]}`);
  const options = [...known, ...others].join('|');
  return options === '' ? positional.join(',') : `${positional.join(',')},${options}`;
}

/**
 * A body's mailbox fields: known names only (others 400 naming them), strings that survive the line format
 * (no CR/LF/NUL; no `,` in the positional ones, no `|` in options; `=` only inside an option value). 400 naming the field.
 */
export function mailboxFieldsOf(body: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, value] of Object.entries(body)) {
    if (field === 'context' || field === 'mailbox') continue;
    if (!mailboxFieldNames.includes(field)) throw new InvalidConfigError(field, 'is not a voicemail user field');
    if (typeof value !== 'string') throw new InvalidConfigError(field, 'is a string');
    checkText(field, 'a value', value);
    const positional = (mailboxPositionalFields as readonly string[]).includes(field);
    if (positional && value.includes(',')) throw new InvalidConfigError(field, 'must not contain ","');
    if (!positional && value.includes('|')) throw new InvalidConfigError(field, 'must not contain "|"');
    if (value !== value.trim()) throw new InvalidConfigError(field, 'must not start or end with blanks');
    out[field] = value;
  }
  return out;
}

/** A mailbox number/name as voicemail.conf can hold it as a key: 400 naming `mailbox`. */
export function checkMailboxName(mailbox: unknown, field = 'mailbox'): string {
  if (typeof mailbox !== 'string' || mailbox === '') throw new InvalidConfigError(field, 'is required');
  // The spool's rule (src/voicemail/spool.ts): a mailbox jade creates is one whose messages it can read.
  if (!/^[A-Za-z0-9_.-]+$/.test(mailbox) || mailbox.includes('..') || /^\.+$/.test(mailbox)) throw new InvalidConfigError(field, 'must be letters, digits, "_", "." or "-" (no "..")');
  return mailbox;
}

/** A context that can be a section of voicemail.conf holding mailboxes (not general/zonemessages): 400 naming `context`. */
export function checkMailboxContext(context: unknown, field = 'context'): string {
  if (typeof context !== 'string' || context === '') throw new InvalidConfigError(field, 'is required');
  checkCategoryName(context, field);
  if (!/^[A-Za-z0-9_.-]+$/.test(context) || context.includes('..') || /^\.+$/.test(context)) throw new InvalidConfigError(field, 'must be letters, digits, "_", "." or "-" (no "..")');
  if (context === 'general' || context === 'zonemessages') throw new InvalidConfigError(field, `[${context}] holds no mailboxes`);
  return context;
}

/** The mailbox's fields as voicemail.conf has them, or undefined. */
export function readMailbox(file: ConfigFile, context: string, mailbox: string): Record<string, string> | undefined {
  const category = file.find((c) => c.name === context && c.template !== true);
  const line = category?.lines.find((l) => l.key === mailbox);
  return line === undefined ? undefined : parseMailboxValue(line.value);
}

/** The file with the mailbox line set to `fields` (in place, or appended to its context, created when missing). */
export function withMailbox(file: ConfigFile, context: string, mailbox: string, fields: MailboxFields): ConfigFile {
  const line: ConfigLine = { key: mailbox, value: renderMailboxValue(fields), arrow: true };
  if (!file.some((c) => c.name === context)) return [...file, { name: context, lines: [line] }];
  let placed = false;
  return file.map((c) => {
    if (c.name !== context || placed) return c;
    placed = true;
    const at = c.lines.findIndex((l) => l.key === mailbox);
    const lines = at < 0 ? [...c.lines, line] : c.lines.map((l, i) => (i === at ? line : l));
    return { ...c, lines };
  });
}

/** The file without the mailbox's line (its context kept, even when empty: it may hold settings). */
export function withoutMailbox(file: ConfigFile, context: string, mailbox: string): ConfigFile {
  return file.map((c) => (c.name !== context ? c : { ...c, lines: c.lines.filter((l) => l.key !== mailbox) }));
}
