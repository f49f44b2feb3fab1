import * as amiActions from '../ami/actions.js';
import type { RecordedEvent } from '../events/index.js';
import { amiEventTypes } from '../events/index.js';
import type { EventStore } from '../eventstore/port.js';
import { executeCommand, sendAction, type Actor, type CommandDeps, type CommandOutcome } from './command.js';

/**
 * The one "hang up a channel and answer once Asterisk confirms it" path (DELETE of a channel, an AGI session,
 * a parked call). Asterisk's `Response: Success` to `Hangup` only says the hangup was queued: the channel is
 * gone when its `Hangup` event is in the log. The answer waits for that event (bounded by the read-your-writes
 * timeout) and for the read models to reach it, so a GET right after the answer cannot find the channel.
 */

/** Asterisk accepted the hangup, but the channel's Hangup event did not arrive in time: 504, saying so. */
export class HangupUnconfirmedError extends Error {
  override readonly name = 'HangupUnconfirmedError';
  constructor(readonly commandId: string, readonly uniqueId: string, readonly channel: string, readonly timeoutMs: number) {
    super(`Asterisk accepted the hangup of ${channel}, but the channel is not yet gone (no Hangup event within ${timeoutMs} ms)`);
  }
}

export interface HangupSpec {
  /** `Hangup`, `AgiHangup`, `ParkedCallHangup`: the audited command's type. */
  readonly type: string;
  readonly actor: Actor;
  readonly request: Readonly<Record<string, unknown>>;
  readonly targets: Readonly<Record<string, string>>;
  /** The channel's Uniqueid: its Hangup event names it. */
  readonly uniqueId: string;
  /** The channel's name, as AMI `Hangup` takes it. */
  readonly channel: string;
}

/** True when the event says the channel no longer exists: its Hangup, or a channel snapshot that does not list it. */
export function confirmsGone(event: RecordedEvent, uniqueId: string): boolean {
  if (event.type === 'Hangup') return event.data.Uniqueid === uniqueId;
  if (event.type !== amiEventTypes.snapshot || event.data.action !== 'CoreShowChannels') return false;
  const items = event.data.items;
  return Array.isArray(items) && !items.some((item: unknown) => typeof item === 'object' && item !== null && (item as { Uniqueid?: unknown }).Uniqueid === uniqueId);
}

interface GoneWatch {
  /** Resolves with the log position that confirms the channel gone, or undefined after `timeoutMs`. */
  wait(timeoutMs: number): Promise<number | undefined>;
  close(): Promise<void>;
}

/** Follows the log from `afterPosition` for the channel's end; started before the Hangup is sent, so nothing is missed. */
function watchGone(store: EventStore, uniqueId: string, afterPosition: number): GoneWatch {
  let seen: number | undefined;
  let notify: (() => void) | undefined;
  const subscription = store.subscribeToAll({
    afterPosition,
    onEvents: (events) => {
      if (seen !== undefined) return;
      const confirming = events.find((event) => confirmsGone(event, uniqueId));
      if (confirming) {
        seen = confirming.position;
        notify?.();
      }
    },
  });
  return {
    async wait(timeoutMs) {
      if (seen === undefined) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          notify = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      return seen;
    },
    close: () => subscription.close(),
  };
}

export async function hangupAndConfirm(deps: CommandDeps, spec: HangupSpec): Promise<CommandOutcome<{ unique_id: string }>> {
  const watch = watchGone(deps.store, spec.uniqueId, await deps.store.headPosition());
  try {
    const outcome = await executeCommand(deps, {
      type: spec.type,
      actor: spec.actor,
      request: spec.request,
      targets: spec.targets,
      act: sendAction(deps.ami, (actionId) => amiActions.hangup({ actionId, channel: spec.channel }), () => ({ unique_id: spec.uniqueId })),
    });
    const gone = await watch.wait(deps.settleTimeoutMs);
    if (gone === undefined) throw new HangupUnconfirmedError(outcome.commandId, spec.uniqueId, spec.channel, deps.settleTimeoutMs);
    // Asterisk confirmed; the answer also waits for the read models to show it (a GET right after finds it gone).
    await deps.readModels.waitForPosition(gone, deps.settleTimeoutMs).catch((error: unknown) => {
      deps.logger.warn({ commandId: outcome.commandId, err: error }, 'read models did not reach the Hangup in time');
    });
    return outcome;
  } finally {
    await watch.close();
  }
}
