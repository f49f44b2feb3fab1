import { randomUUID } from 'node:crypto';
import * as amiActions from '../ami/actions.js';
import { getConfig } from '../ami/config-actions.js';
import { AmiActionError, AmiNotConnectedError, type AmiAction, type AmiGateway } from '../ami/port.js';
import type { Actor, ReadModelSync } from '../commands/command.js';
import {
  configEventTypes,
  configStream,
  configVersionTypes,
  type ConfigChangedOutsideJadeData,
  type ConfigObservedData,
  type ConfigUpdateFailedData,
  type ConfigUpdateRejectedData,
  type ConfigUpdateRequestedData,
  type ConfigUpdatedData,
  type ConfigVersionHiddenData,
  type RecordedEvent,
} from '../events/index.js';
import { nowTimestamp } from '../events/time.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { Mutex } from '../mutex.js';
import { checkVersion } from './decide.js';
import { diffConfig, lineDiff, parseGetConfig, renderConfig, sameConfig, updateConfigActions, withKnownArrows, type ConfigFile } from './model.js';

/**
 * Asterisk's config files as commands in the log (ARCHITECTURE.md "Configuration writes"). A write:
 * `ConfigUpdateRequested` on `config-<file>` → `GetConfig` (current) → optimistic check → `UpdateConfig` actions
 * of the minimal diff → `ConfigUpdated` (before and after, as Asterisk then reports it) → optional module reload.
 * A failed UpdateConfig writes the previous version back (`ConfigUpdateFailed`, 502); a failed reload writes it
 * back too (a second `ConfigUpdated` with cause `reload_failed`, 409). Asterisk down: 503 and nothing recorded.
 * Writes and drift checks of one file run one at a time.
 */

export interface ConfigServiceDeps {
  readonly store: EventStore;
  readonly ami: AmiGateway;
  readonly readModels: ReadModelSync;
  readonly logger: Logger;
  readonly settleTimeoutMs: number;
  /** Runs the named snapshot actions again (src/ami/index.ts resnapshot): a reload's effect has no event. */
  readonly resnapshot?: (names: readonly string[]) => Promise<unknown>;
}

/** One UpdateConfig failed; what had been saved was written back (or could not be). 502. */
export class ConfigWriteFailedError extends Error {
  override readonly name = 'ConfigWriteFailedError';
  constructor(
    readonly file: string,
    readonly commandId: string,
    readonly asterisk: string,
    readonly applied: number,
    readonly rolledBack: boolean,
    readonly rollbackError?: string,
  ) {
    super(
      `Asterisk refused UpdateConfig of ${file} (${asterisk}); ${applied} earlier action(s) had been saved` +
        (applied === 0 ? '' : rolledBack ? ' and were written back' : `, writing them back failed: ${rollbackError ?? 'unknown'}`),
    );
  }
}

/** The module reload after a write failed; the file was written back. 409 with both messages. */
export class ConfigReloadFailedError extends Error {
  override readonly name = 'ConfigReloadFailedError';
  constructor(
    readonly file: string,
    readonly commandId: string,
    readonly module: string,
    readonly reloadError: string,
    readonly rollback: string,
  ) {
    super(`reload of ${module} failed (${reloadError}); ${file} was written back: ${rollback}`);
  }
}

/** What a write asks, as recorded; `apply` makes the wanted file from Asterisk's current one (throws to refuse). */
export interface ConfigWrite {
  readonly operation: string;
  readonly wanted?: ConfigFile;
  readonly section?: string;
  readonly options?: unknown;
  readonly apply: (current: ConfigFile) => ConfigFile;
}

export interface ConfigWriteOptions {
  /** The version the client based the write on (the log position `…/setting` reported). */
  readonly version?: number;
  /** Reload this module after the write; a failed reload writes the file back. */
  readonly reload?: string;
  /** Snapshot actions to run again after the reload (`Parkinglots`), so read models show the effect. */
  readonly refresh?: readonly string[];
  /** True once the read models show the effect; the answer waits for it (bounded). */
  readonly settled?: () => boolean | Promise<boolean>;
  /** Cause recorded on the version (`write`, `rollback`). */
  readonly cause?: string;
}

export interface ConfigWriteResult {
  readonly commandId: string;
  /** The new version (log position), or the unchanged one when the write changed nothing. */
  readonly version: number | null;
  readonly changed: boolean;
  readonly before: ConfigFile;
  readonly after: ConfigFile;
}

export interface KnownVersion {
  readonly position: number;
  readonly sections: ConfigFile;
}

interface StreamState {
  readonly revision: number | 'no_stream';
  readonly known: KnownVersion | undefined;
}

const sameFile = (a: ConfigFile, b: ConfigFile): boolean => sameConfig(a, b);
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The content a version event recorded. */
function versionContent(event: RecordedEvent): ConfigFile | undefined {
  const data = event.data as Record<string, unknown>;
  const content = event.type === configEventTypes.observed ? data.sections : data.after;
  return (content ?? undefined) as ConfigFile | undefined;
}

export class ConfigService {
  private readonly mutexes = new Map<string, Mutex>();

  constructor(private readonly deps: ConfigServiceDeps) {}

  private mutex(file: string): Mutex {
    let mutex = this.mutexes.get(file);
    if (!mutex) this.mutexes.set(file, (mutex = new Mutex()));
    return mutex;
  }

  /** The newest version of a file in the log, and the stream's revision (for the next append). */
  async streamState(file: string): Promise<StreamState> {
    const events = await this.deps.store.readStream(configStream(file));
    let known: KnownVersion | undefined;
    for (const event of events) {
      if (!configVersionTypes.includes(event.type)) continue;
      const sections = versionContent(event);
      if (sections !== undefined) known = { position: event.position, sections };
    }
    const last = events[events.length - 1];
    return { revision: last === undefined ? 'no_stream' : last.revision, known };
  }

  /** Asterisk's copy of the file now (GetConfig). */
  async fetch(file: string, actionId?: string, known?: ConfigFile): Promise<ConfigFile> {
    const response = await this.deps.ami.action(getConfig({ filename: file, actionId }));
    // GetConfig never says `=>`: put back the arrows of the file as jade knows it (model.ts withKnownArrows).
    const parsed = parseGetConfig(response);
    return known === undefined ? parsed : withKnownArrows(parsed, known);
  }

  /** `GET …/setting`: Asterisk's copy and the newest version jade knows (the `version` a write may send). 503 when down. */
  async read(file: string): Promise<{ readonly sections: ConfigFile; readonly version: number | null }> {
    if (!this.deps.ami.state().connected) throw new AmiNotConnectedError();
    const { known } = await this.streamState(file);
    const sections = await this.fetch(file, undefined, known?.sections);
    return { sections, version: known?.position ?? null };
  }

  private async append(file: string, type: string, data: object, state: { revision: number | 'no_stream' }, actor?: Actor, commandId?: string): Promise<number> {
    const metadata = commandId === undefined ? {} : { commandId, correlationId: commandId, ...(actor ? { userId: actor.uuid } : {}) };
    const result = await this.deps.store.append(configStream(file), [{ type, data: data as Record<string, unknown>, metadata }], state.revision);
    state.revision = result.nextExpectedRevision;
    return result.lastPosition;
  }

  /**
   * Compares Asterisk's copy with the newest known version and records the difference as a version:
   * `ConfigObserved` when jade knew none, `ConfigChangedOutsideJade` when they differ. Returns the newest version after.
   */
  private async reconcile(file: string, current: ConfigFile, stream: { revision: number | 'no_stream'; known: KnownVersion | undefined }): Promise<KnownVersion> {
    const time = nowTimestamp();
    if (stream.known === undefined) {
      const data: ConfigObservedData = { file, time, sections: current };
      const position = await this.append(file, configEventTypes.observed, data, stream);
      return { position, sections: current };
    }
    if (sameFile(stream.known.sections, current)) return stream.known;
    const data: ConfigChangedOutsideJadeData = {
      file, time, before: stream.known.sections, after: current,
      diff: lineDiff(renderConfig(stream.known.sections), renderConfig(current)), based_on: stream.known.position,
    };
    const position = await this.append(file, configEventTypes.changedOutside, data, stream);
    return { position, sections: current };
  }

  /** One drift check of a file (on AMI connect and every `config.driftCheckSeconds`). Nothing when Asterisk is down. */
  async checkDrift(file: string): Promise<'observed' | 'changed' | 'same' | 'skipped'> {
    if (!this.deps.ami.state().connected) return 'skipped';
    return this.mutex(file).run(async () => {
      const stream = { ...(await this.streamState(file)) };
      const current = await this.fetch(file, undefined, stream.known?.sections);
      const before = stream.known;
      const after = await this.reconcile(file, current, stream);
      if (before === undefined) return 'observed';
      return after.position === before.position ? 'same' : 'changed';
    });
  }

  /** Sends the diff `from` → `to` as UpdateConfig actions; returns how many were saved before one failed (and its error). */
  private async send(file: string, commandId: string, from: ConfigFile, to: ConfigFile, tag: string): Promise<{ readonly applied: number; readonly total: number; readonly error?: unknown }> {
    const actions: readonly AmiAction[] = updateConfigActions(file, diffConfig(from, to));
    for (const [index, action] of actions.entries()) {
      try {
        await this.deps.ami.action({ ...action, ActionID: `${commandId}-${tag}${index}` });
      } catch (error) {
        return { applied: index, total: actions.length, error };
      }
    }
    return { applied: actions.length, total: actions.length };
  }

  /** Writes `to` back over whatever Asterisk has now; a message for the log and the answer. */
  private async writeBack(file: string, commandId: string, to: ConfigFile, written: ConfigFile): Promise<{ readonly ok: boolean; readonly message: string; readonly now?: ConfigFile }> {
    try {
      const now = await this.fetch(file, `${commandId}-rollback-get`, written);
      const sent = await this.send(file, commandId, now, to, 'rollback-');
      if (sent.error !== undefined) return { ok: false, message: `writing the previous version back failed: ${message(sent.error)}` };
      return { ok: true, message: 'the previous version was written back', now: await this.fetch(file, `${commandId}-rollback-check`, to) };
    } catch (error) {
      return { ok: false, message: `writing the previous version back failed: ${message(error)}` };
    }
  }

  /** A write through the log (see the class comment). */
  async write(actor: Actor, file: string, request: ConfigWrite, options: ConfigWriteOptions = {}): Promise<ConfigWriteResult> {
    // Asterisk down: nothing recorded, 503.
    if (!this.deps.ami.state().connected) throw new AmiNotConnectedError();
    return this.mutex(file).run(() => this.writeLocked(actor, file, request, options));
  }

  private async writeLocked(actor: Actor, file: string, request: ConfigWrite, options: ConfigWriteOptions): Promise<ConfigWriteResult> {
    const commandId = randomUUID();
    const stream = { ...(await this.streamState(file)) };
    const user = { user_uuid: actor.uuid, username: actor.username };
    const requested: ConfigUpdateRequestedData = {
      command_id: commandId, file, operation: request.operation, ...user,
      ...(request.wanted === undefined ? {} : { wanted: request.wanted }),
      ...(request.section === undefined ? {} : { section: request.section }),
      ...(request.options === undefined ? {} : { options: request.options }),
      based_on: options.version ?? null, reload: options.reload ?? null,
    };
    await this.append(file, configEventTypes.updateRequested, requested, stream, actor, commandId);
    const reject = async (reason: string, error: Error, current: number | null): Promise<never> => {
      const data: ConfigUpdateRejectedData = { command_id: commandId, file, reason, message: error.message, current_version: current };
      await this.append(file, configEventTypes.updateRejected, data, stream, actor, commandId);
      throw error;
    };

    let current: ConfigFile;
    try {
      current = await this.fetch(file, `${commandId}-get`, stream.known?.sections);
    } catch (error) {
      return reject(error instanceof AmiActionError ? 'asterisk' : 'unreachable', error instanceof Error ? error : new Error(message(error)), stream.known?.position ?? null);
    }
    // What Asterisk has is the truth: a difference from the newest version is recorded first, and makes the client's version stale.
    const known = await this.reconcile(file, current, stream);
    try {
      checkVersion(file, options.version, known.position);
    } catch (error) {
      return reject('stale', error as Error, known.position);
    }
    let wanted: ConfigFile;
    try {
      wanted = request.apply(current);
    } catch (error) {
      return reject('refused', error instanceof Error ? error : new Error(message(error)), known.position);
    }
    if (sameFile(current, wanted) && options.reload === undefined) {
      await this.append(file, configEventTypes.updateRejected, { command_id: commandId, file, reason: 'unchanged', message: 'the file already is as asked', current_version: known.position } satisfies ConfigUpdateRejectedData, stream, actor, commandId);
      return { commandId, version: known.position, changed: false, before: current, after: current };
    }

    const sent = await this.send(file, commandId, current, wanted, '');
    if (sent.error !== undefined) {
      // Each UpdateConfig is saved whole or not at all (manager.c handle_updates): only the earlier ones need undoing.
      const back = sent.applied === 0 ? { ok: true, message: 'nothing had been saved' } : await this.writeBack(file, commandId, current, wanted);
      const data: ConfigUpdateFailedData = {
        command_id: commandId, file, error: message(sent.error), applied: sent.applied, rolled_back: back.ok,
        ...(sent.error instanceof AmiActionError ? { response: sent.error.response } : {}),
        ...(back.ok ? {} : { rollback_error: back.message }),
      };
      await this.append(file, configEventTypes.updateFailed, data, stream, actor, commandId);
      throw new ConfigWriteFailedError(file, commandId, message(sent.error), sent.applied, back.ok, back.ok ? undefined : back.message);
    }
    // The version is what Asterisk now reports (its own rendering of what was written), so drift checks compare like with like.
    const after = await this.fetch(file, `${commandId}-check`, wanted).catch(() => wanted);
    const updated: ConfigUpdatedData = { command_id: commandId, file, time: nowTimestamp(), ...user, before: current, after, cause: options.cause ?? 'write' };
    let version = await this.append(file, configEventTypes.updated, updated, stream, actor, commandId);

    if (options.reload !== undefined) {
      try {
        await this.deps.ami.action(amiActions.moduleLoad({ actionId: `${commandId}-reload`, module: options.reload, operation: 'reload' }));
      } catch (error) {
        const back = await this.writeBack(file, commandId, current, after);
        let rollback = back.message;
        if (back.ok) {
          const restored: ConfigUpdatedData = {
            command_id: commandId, file, time: nowTimestamp(), ...user, before: after, after: back.now ?? current, cause: 'reload_failed', reload_error: message(error),
          };
          version = await this.append(file, configEventTypes.updated, restored, stream, actor, commandId);
          // Reload again so Asterisk runs the restored file (its answer only goes in the message).
          rollback += await this.deps.ami.action(amiActions.moduleLoad({ actionId: `${commandId}-reload-back`, module: options.reload, operation: 'reload' }))
            .then(() => `; ${options.reload} reloaded with it`, (again: unknown) => `; reloading ${options.reload} again failed too: ${message(again)}`);
        }
        await this.deps.readModels.waitForPosition(version, this.deps.settleTimeoutMs).catch(() => undefined);
        throw new ConfigReloadFailedError(file, commandId, options.reload, message(error), rollback);
      }
      if (options.refresh && this.deps.resnapshot) await this.deps.resnapshot(options.refresh);
    }
    await this.settle(version, options.settled);
    return { commandId, version, changed: true, before: current, after };
  }

  private async settle(position: number, settled: (() => boolean | Promise<boolean>) | undefined): Promise<void> {
    try {
      await this.deps.readModels.waitForPosition(position, this.deps.settleTimeoutMs);
      if (settled) await this.deps.readModels.waitUntil(settled, this.deps.settleTimeoutMs);
    } catch (error) {
      // Recorded and done in Asterisk: a slow read model is not the caller's failure (command.ts does the same).
      this.deps.logger.warn({ err: error, position }, 'read models did not show the config write in time');
    }
  }

  /** `DELETE …/settings/<name>`: hides the backup (an event; AMI cannot delete a file). */
  async hide(actor: Actor, file: string, name: string): Promise<number> {
    return this.mutex(file).run(async () => {
      const stream = { ...(await this.streamState(file)) };
      const data: ConfigVersionHiddenData = { file, name, time: nowTimestamp(), user_uuid: actor.uuid, username: actor.username };
      const position = await this.append(file, configEventTypes.versionHidden, data, stream, actor, randomUUID());
      await this.settle(position, undefined);
      return position;
    });
  }
}
