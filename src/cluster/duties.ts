import type { Config } from '../config.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { AmiSeat } from '../ami/index.js';
import { startAmiNodes, type AmiNodes } from '../ami/nodes.js';
import { startVoicemailWatcher } from '../voicemail/watcher.js';
import type { VoicemailSpool } from '../voicemail/spool.js';
import { startConfigDrift } from '../configfiles/drift.js';
import { managedFiles } from '../configfiles/decide.js';
import type { ConfigService } from '../configfiles/service.js';
import type { CommandDeps } from '../commands/command.js';
import type { ObResourceCommands } from '../outbound/commands.js';
import { Dialer, type ResultFile } from '../outbound/dialer/index.js';
import { DialplanRunner, recoverDialplanRuns } from '../dialplans/index.js';
import type { ProjectionRunner, ReadModelChange, ReadModelDb } from '../readmodels/index.js';
import { getDpmaScript } from '../../projections/dialplans.js';

/** What the leader's duties act with; `store` is the fenced one (every append checks the lease). */
export interface LeaderDutyParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly store: EventStore;
  readonly readModels: ReadModelDb;
  readonly runner: ProjectionRunner<ReadModelChange>;
  /** Where the AMI runtime is seated for the command handlers, health and metrics, while this term lasts. */
  readonly amiSeat: AmiSeat;
  /** Command handlers' dependencies (their `ami` is the seat, their `store` the fenced one). */
  readonly commands: CommandDeps;
  readonly configFiles: ConfigService;
  readonly obResources: ObResourceCommands;
  readonly resultFile: ResultFile;
  readonly voicemailSpool: VoicemailSpool | undefined;
}

export interface LeaderDuties {
  /**
   * Stops them: AMI unseated at once (no action leaves after this), then each part stopped, last started
   * first. `fenced`: the lease is lost, so nothing this node still holds can be appended; do not wait for it.
   */
  stop(options?: { readonly fenced?: boolean }): Promise<void>;
}

/**
 * Starts what only the leader does, in the order a single process always started them: the dialplan runs
 * a previous leader left unfinished (found before AMI's first channel snapshot drops their sessions), the
 * AMI link and its followers (PJSIP and voicemail refreshers, the spool watcher, config drift), then the
 * dialer (its crash reconciliation recovers the previous leader's dialings) and the dialplan runner.
 */
export async function startLeaderDuties(parts: LeaderDutyParts): Promise<LeaderDuties> {
  const { config, logger, store, readModels, runner, amiSeat } = parts;
  const stops: Array<() => Promise<void> | void> = [];
  let links: AmiNodes | undefined;
  const stop = async (options: { readonly fenced?: boolean } = {}): Promise<void> => {
    // Usually done already, at the moment the lease was lost (LeaderSeat).
    amiSeat.unseat();
    // Fenced: the link goes first, so actions in flight end now (link lost) instead of waiting for answers.
    if (options.fenced) await links?.stop({ flushTimeoutMs: 0 });
    for (const step of stops.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        logger.error({ err: error }, 'stopping a leader duty failed');
      }
    }
    // After the dialer and dialplans: what they sent is settled. A fenced leader's stores refuse at once.
    if (!options.fenced) await links?.stop();
  };
  try {
    // Read before AMI starts, so the PJSIP follow-ups see the first snapshot round.
    const logHead = await store.headPosition();
    const dialplanRecovery = await recoverDialplanRuns({ store, db: readModels.db, readModels: runner });
    // One link per Asterisk box (ami.nodes), each with its PJSIP and voicemail follow-ups; ready() refuses two
    // boxes with one systemname, and a leader that cannot start its duties resigns.
    links = await startAmiNodes({ nodes: config.ami.nodes, store, logger: logger.child({ module: 'ami' }), afterPosition: logHead });
    const ami = links;
    await ami.ready();
    amiSeat.seat(ami);
    const voicemailWatcher = await startVoicemailWatcher({ store, spool: parts.voicemailSpool, logger: logger.child({ module: 'voicemail' }), afterPosition: logHead });
    stops.push(() => voicemailWatcher.stop());
    const drift = await startConfigDrift({
      service: parts.configFiles,
      files: managedFiles,
      intervalMs: config.config.driftCheckSeconds * 1000,
      store,
      logger: logger.child({ module: 'config' }),
      afterPosition: logHead,
    });
    stops.push(() => drift.stop());
    // The dialer: a process manager over the log (after the projection runner, which it reads; stopped before it).
    const dialer = new Dialer({
      store,
      db: readModels.db,
      readModels: runner,
      resources: parts.obResources,
      commands: { ...parts.commands, logger: logger.child({ module: 'dialer' }) },
      resultFile: parts.resultFile,
      timezone: config.outbound.timezone,
      logger: logger.child({ module: 'dialer' }),
      tickMs: config.outbound.tickMs,
      maxDialsPerTick: config.outbound.maxDialsPerTick,
      requestChannelSnapshot: (node) => ami.resnapshot(['CoreShowChannels'], node),
    });
    stops.push(() => dialer.stop());
    await dialer.start(logHead);
    // Async-AGI dialplans (`AGI(agi:async,jade_dialplan,<dpma>)`): a process manager over the log, like the dialer.
    const dialplanRunner = new DialplanRunner({
      store,
      db: readModels.db,
      readModels: runner,
      commands: { ...parts.commands, logger: logger.child({ module: 'dialplans' }) },
      loadScript: (uuid) => getDpmaScript(readModels.db, uuid),
      logger: logger.child({ module: 'dialplans' }),
    });
    stops.push(() => dialplanRunner.stop());
    await dialplanRunner.start(logHead, dialplanRecovery);
  } catch (error) {
    await stop();
    throw error;
  }
  return { stop };
}
