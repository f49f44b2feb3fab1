/**
 * Asterisk configuration files as jade writes and watches them (ARCHITECTURE.md "Configuration writes"). Every
 * event of a file is on its stream `config-<file>`; a file's content travels as the parsed sections of
 * src/configfiles/model.ts (`ConfigFile`), which this module and the projection treat as opaque JSON.
 *
 * A *version* of a file is the event that recorded its content (`ConfigObserved`, `ConfigUpdated`,
 * `ConfigChangedOutsideJade`); its log position is the version number clients send back (optimistic concurrency).
 */
export const configEventTypes = {
  /** A write asked through the API: `ConfigUpdateRequestedData`. Recorded before Asterisk hears of it. */
  updateRequested: 'ConfigUpdateRequested',
  /** Never sent (stale version, a lot that exists, ...): `ConfigUpdateRejectedData`. */
  updateRejected: 'ConfigUpdateRejected',
  /** An UpdateConfig failed; what had been applied was written back: `ConfigUpdateFailedData`. */
  updateFailed: 'ConfigUpdateFailed',
  /** A version: the file changed through jade (a write, or the write-back after a failed reload): `ConfigUpdatedData`. */
  updated: 'ConfigUpdated',
  /** A version: the file as jade first saw it (no earlier version known): `ConfigObservedData`. */
  observed: 'ConfigObserved',
  /** A version: the file differed from its last known version (changed behind jade's back): `ConfigChangedOutsideJadeData`. */
  changedOutside: 'ConfigChangedOutsideJade',
  /** A backup hidden from `…/settings` (AMI cannot delete a file): `ConfigVersionHiddenData`. */
  versionHidden: 'ConfigVersionHidden',
} as const;

/** The event types that are versions of a file. */
export const configVersionTypes: readonly string[] = [configEventTypes.updated, configEventTypes.observed, configEventTypes.changedOutside];

export const configStreamPrefix = 'config-';
export const configStream = (file: string): string => `${configStreamPrefix}${file}`;

/** A file's parsed sections as recorded (src/configfiles/model.ts `ConfigFile`). */
export type RecordedConfig = unknown;

interface ByUser {
  readonly user_uuid: string;
  readonly username: string;
}

export interface ConfigUpdateRequestedData extends ByUser {
  readonly command_id: string;
  readonly file: string;
  /** `setting` (the whole file), `parkinglot.create|update|delete`, `rollback`. */
  readonly operation: string;
  /** The wanted file when the request names all of it (`setting`, `rollback`); else the section asked for. */
  readonly wanted?: RecordedConfig;
  readonly section?: string;
  readonly options?: unknown;
  /** The version the client based it on (a log position), null when it named none. */
  readonly based_on: number | null;
  /** Module reloaded after the write, if any. */
  readonly reload: string | null;
}

export interface ConfigUpdateRejectedData {
  readonly command_id: string;
  readonly file: string;
  /** `stale`, `exists`, `not_found`, `unchanged`. */
  readonly reason: string;
  readonly message: string;
  readonly current_version: number | null;
}

export interface ConfigUpdateFailedData {
  readonly command_id: string;
  readonly file: string;
  readonly error: string;
  /** Asterisk's answer to the failed UpdateConfig. */
  readonly response?: unknown;
  /** UpdateConfig actions Asterisk had saved before the failing one. */
  readonly applied: number;
  readonly rolled_back: boolean;
  readonly rollback_error?: string;
}

export interface ConfigUpdatedData extends ByUser {
  readonly command_id: string;
  readonly file: string;
  /** API timestamp of the write: the backup of `before` is named `<file>.<time>`. */
  readonly time: string;
  readonly before: RecordedConfig;
  /** The file as Asterisk reported it (GetConfig) after the write. */
  readonly after: RecordedConfig;
  /** `write`, `rollback` (rollback {to}), `reload_failed` (written back after a failed reload). */
  readonly cause: string;
  readonly reload_error?: string;
}

export interface ConfigObservedData {
  readonly file: string;
  readonly time: string;
  readonly sections: RecordedConfig;
}

export interface ConfigChangedOutsideJadeData {
  readonly file: string;
  readonly time: string;
  readonly before: RecordedConfig;
  readonly after: RecordedConfig;
  /** Line diff of the rendered files (src/configfiles/model.ts lineDiff). */
  readonly diff: unknown;
  /** The version it differs from. */
  readonly based_on: number;
}

export interface ConfigVersionHiddenData extends ByUser {
  readonly file: string;
  /** The backup name `<file>.<timestamp>`. */
  readonly name: string;
  readonly time: string;
}
