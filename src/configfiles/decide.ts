/**
 * The pure decisions of a configuration write (ARCHITECTURE.md "Configuration writes"), apart from the I/O
 * of service.ts so they can be tested alone: which files jade manages, what a backup name is, when a
 * client's version is stale, which backup a DELETE may hide.
 */

/** The Asterisk config files jade writes and watches for drift. */
export const managedFiles = ['res_parking.conf', 'queues.conf', 'voicemail.conf', 'pjsip.conf', 'extensions.conf'] as const;
export type ManagedFile = (typeof managedFiles)[number];

/** The API's timestamp format (src/events/time.ts): nanoseconds, UTC. */
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/;

/** A backup's name: the file, a dot, the timestamp of the write that replaced it (catalog 70 §0). */
export const backupName = (file: string, time: string): string => `${file}.${time}`;

/** A `<detail>` of `…/settings/<detail>` that is not shaped `<file>.<timestamp>`: 400 naming `name`. */
export class InvalidBackupNameError extends Error {
  override readonly name = 'InvalidBackupNameError';
  readonly field = 'name';
  constructor(readonly backup: string, reason: string) {
    super(`name: ${reason}`);
  }
}

/** Reads a backup name, or InvalidBackupNameError: no `/` or `..`, one of `files`, then a timestamp. */
export function parseBackupName(name: string, files: readonly string[]): { readonly file: string; readonly time: string } {
  if (name.includes('/') || name.includes('\\') || name.includes('..')) throw new InvalidBackupNameError(name, 'must not contain /, \\ or ..');
  if (/[\r\n\0]/.test(name)) throw new InvalidBackupNameError(name, 'must not contain CR, LF or NUL');
  const file = files.find((f) => name.startsWith(`${f}.`));
  const time = file === undefined ? '' : name.slice(file.length + 1);
  if (file === undefined || !timestampPattern.test(time)) {
    throw new InvalidBackupNameError(name, `must be <file>.<timestamp>, e.g. ${backupName(files[0] ?? 'res_parking.conf', '2018-01-03T21:12:39.537427535Z')}`);
  }
  return { file, time };
}

/** The client based its write on a version that is no longer the file's newest: 409, nothing sent. */
export class ConfigVersionConflictError extends Error {
  override readonly name = 'ConfigVersionConflictError';
  constructor(readonly file: string, readonly basedOn: number, readonly current: number | null) {
    super(`${file} changed since version ${basedOn} (now ${current ?? 'none'}); read it again and retry`);
  }
}

/**
 * Optimistic concurrency: a write naming a version must name the newest one jade knows (after it looked at
 * Asterisk's copy, so a change behind jade's back also makes it stale). A write naming none is not checked.
 */
export function checkVersion(file: string, basedOn: number | undefined, current: number | null): void {
  if (basedOn !== undefined && basedOn !== current) throw new ConfigVersionConflictError(file, basedOn, current);
}

/** What a backup looks like to the decisions below. */
export interface BackupView {
  readonly name: string;
  readonly file: string;
  readonly kind: string;
  readonly hidden: number | boolean;
}

/**
 * `DELETE …/settings/<name>`: the backup to hide, or undefined when there is none to hide (unknown, already
 * hidden, or the first version jade saw, which backs nothing up): the caller answers 404.
 */
export function backupToHide<T extends BackupView>(versions: readonly T[], name: string): T | undefined {
  return versions.find((v) => v.name === name && v.kind !== 'observed' && !v.hidden);
}

/** A section name that is not one (a parking lot, a queue, ...): 400 naming `name`. */
export class InvalidSectionError extends Error {
  override readonly name = 'InvalidSectionError';
  constructor(readonly field: string, message: string) {
    super(`${field}: ${message}`);
  }
}

/** Section names reach AMI as `Cat-NNNNNN` and the file as `[name]`. */
export function checkSectionName(name: unknown, field = 'name', kind = 'parking lot'): string {
  if (typeof name !== 'string' || name === '') throw new InvalidSectionError(field, 'is required');
  if (/[\r\n\0]/.test(name)) throw new InvalidSectionError(field, 'must not contain CR, LF or NUL');
  if (/[[\]]/.test(name) || name.length > 80 || name.trim() !== name) throw new InvalidSectionError(field, 'must be 1-80 characters without [ ] or surrounding spaces');
  if (name === 'general') throw new InvalidSectionError(field, `"general" is not a ${kind}`);
  return name;
}

/** The write would change nothing of the file's sections, or a section is there / missing. */
export class ConfigSectionExistsError extends Error {
  override readonly name = 'ConfigSectionExistsError';
  readonly field = 'name';
  constructor(readonly file: string, readonly section: string) {
    super(`name: ${file} already has a section [${section}]`);
  }
}
