import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../projections/database.js';
import * as amiActions from '../ami/actions.js';
import { AmiActionError, AmiNotConnectedError } from '../ami/port.js';
import { executeCommand, onNode, sendAction, type Actor, type CommandDeps } from '../commands/command.js';
import { amiEventTypes, streams, type RecordedEvent } from '../events/index.js';
import { formatTimestamp } from '../events/time.js';
import type { Subscription } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import { Mutex } from '../mutex.js';
import { decide, decideResume, decideSendFailure, decideStart, dialplanOfStart, endedByItsOwnHangup, evolveRun, type Decision, type RunState } from './decide.js';
import { dialplanRunEventTypes as types, type DialplanRunEndedData } from './events.js';
import { recoverDialplanRuns, type RecoveredRuns } from './recover.js';
import type { LoadScript } from './script.js';

/**
 * Async-AGI dialplans on live calls (issue 14): a process manager over the log, like the dialer.
 *
 * A session entering `AGI(agi:async,jade_dialplan,<dpma>)` (its `AsyncAGIStart`, recorded by ingest on the
 * call's stream) starts a run: `DialplanRunStarted` with the dpma's steps of that moment, on the same stream.
 * Each step is recorded (`DialplanStepSent`) before its AMI `AGI` action goes out, one at a time; its
 * `AsyncAGIExec` (matched by CommandID) comes back through the log and is recorded as `DialplanStepCompleted`,
 * then the next step goes. `DialplanRunEnded` closes the run (completed, refused step, channel gone, ...).
 *
 * The decisions are pure (decide.ts) over the fold of the call's stream, so a restart folds the same events and
 * continues. AMI does not replay what happened while jade (or its link) was down, so a run taken over on start,
 * and every live run when the link drops, waits for the next `CoreShowChannels` snapshot: a channel it does not
 * list ends the run `channel_gone`; otherwise a step sent and not answered is recorded with an unknown outcome
 * (never sent again) and the run goes on, a late result still recorded against its step by command id.
 */

export const dialplanActor: Actor = { uuid: 'dialplan-runner', username: 'dialplan-runner' };

export interface DialplanRunnerOptions {
  readonly store: CommandDeps['store'];
  readonly db: Kysely<Database>;
  readonly readModels: { waitForPosition(position: number, timeoutMs: number): Promise<void> };
  /** The audited Asterisk commands (AGI, Hangup) go through these. */
  readonly commands: CommandDeps;
  readonly loadScript: LoadScript;
  readonly logger: Logger;
  readonly newUuid?: () => string;
  readonly clock?: () => number;
}

interface LiveRun {
  state: RunState;
  /** Taken over on start, or live when the AMI link dropped: holds until the next channel snapshot judges it. */
  resync: boolean;
  /** Positions of this runner's own appends, folded when appended (skipped when the log brings them). */
  readonly own: Set<number>;
  /** Log position up to which the run was folded from its stream on recovery. */
  readonly foldedTo: number;
}

export class DialplanRunner {
  private readonly runs = new Map<string, LiveRun>();
  /** Sessions whose `AsyncAGIStart` was handled, by unique id: the position of that start. */
  private readonly starts = new Map<string, number>();
  private readonly lock = new Mutex();
  private readonly inFlight = new Set<Promise<unknown>>();
  private subscription: Subscription | undefined;
  private stopped = false;
  private handled = 0;
  private readonly newUuid: () => string;
  private readonly clock: () => number;

  constructor(private readonly options: DialplanRunnerOptions) {
    this.newUuid = options.newUuid ?? randomUUID;
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Takes over the unfinished runs (`recovered`: main finds them before AMI starts; found now when absent),
   * continues them, then follows the log after `afterPosition` (main: the head before AMI started).
   */
  async start(afterPosition?: number, recovered?: RecoveredRuns): Promise<void> {
    const found = recovered ?? (await recoverDialplanRuns(this.options));
    for (const [uniqueId, position] of found.starts) this.starts.set(uniqueId, position);
    for (const { state, foldedTo } of found.runs) this.runs.set(state.uniqueId, { state, resync: true, own: new Set(), foldedTo });
    for (const event of found.unstarted) await this.lock.run(() => this.startSession(event, true));
    const head = await this.options.store.headPosition();
    const from = Math.min(head, afterPosition ?? head);
    this.handled = from;
    await this.lock.run(async () => {
      for (const run of [...this.runs.values()]) await this.drive(run);
    });
    this.subscription = this.options.store.subscribeToAll({
      afterPosition: from,
      batchSize: 500,
      onEvents: (events) => this.lock.run(() => this.absorb(events)),
      onError: (error) => this.options.logger.error({ err: error }, 'dialplan runner subscription stopped'),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.subscription?.close();
    this.subscription = undefined;
    await this.lock.run(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Runs in progress (tests, health). */
  liveCount(): number {
    return this.runs.size;
  }

  /** Everything appended so far is handled and every send in flight settled (tests). */
  async settle(): Promise<void> {
    for (let round = 0; round < 200; round += 1) {
      await Promise.allSettled([...this.inFlight]);
      const head = await this.options.store.headPosition();
      await this.lock.run(() => undefined);
      if (this.inFlight.size === 0 && this.handled >= head) return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // --- the log -------------------------------------------------------------------------------------

  private async absorb(events: readonly RecordedEvent[]): Promise<void> {
    if (this.stopped) return;
    const touched = new Set<LiveRun>();
    /** Runs a channel snapshot judged after the link was lost (see `decideResume`). */
    const resumed = new Set<LiveRun>();
    for (const event of events) {
      if (event.type === amiEventTypes.disconnected) {
        for (const run of this.runs.values()) run.resync = true;
        continue;
      }
      if (event.type === amiEventTypes.snapshot) {
        const data = event.data as { action?: unknown; items?: ReadonlyArray<Record<string, string>> };
        if (data.action !== 'CoreShowChannels' || !Array.isArray(data.items)) continue;
        const listed = new Set(data.items.map((item) => item.Uniqueid));
        for (const run of this.runs.values()) {
          if (!run.resync) continue;
          if (!listed.has(run.state.uniqueId)) run.state = { ...run.state, gone: true };
          resumed.add(run);
        }
        continue;
      }
      if (!event.stream.startsWith('call-')) continue;
      if (event.type === 'AsyncAGIStart') {
        await this.onSessionStart(event);
        continue;
      }
      const uniqueId = event.data.unique_id ?? event.data.Uniqueid;
      const run = typeof uniqueId === 'string' ? this.runs.get(uniqueId) : undefined;
      if (!run || event.position <= run.foldedTo) continue;
      if (run.own.delete(event.position)) continue;
      run.state = evolveRun(run.state, event) ?? run.state;
      touched.add(run);
    }
    for (const run of resumed) {
      run.resync = false;
      touched.add(run);
    }
    for (const run of touched) if (this.runs.get(run.state.uniqueId) === run) await this.drive(run, resumed.has(run));
    const last = events[events.length - 1];
    if (last) this.handled = Math.max(this.handled, last.position);
  }

  private async onSessionStart(event: RecordedEvent): Promise<void> {
    const uniqueId = event.data.Uniqueid;
    if (typeof uniqueId !== 'string') return;
    if ((this.starts.get(uniqueId) ?? 0) >= event.position) return;
    if (dialplanOfStart(event.data) === undefined) return;
    const live = this.runs.get(uniqueId);
    if (live && !live.state.ended) return;
    this.starts.set(uniqueId, event.position);
    await this.startSession(event);
  }

  /** Loads the dpma named by the session and records the run's start (or its end when there is nothing to run). */
  private async startSession(event: RecordedEvent, resync = false): Promise<void> {
    const data = event.data as Record<string, string>;
    const dpmaUuid = dialplanOfStart(data) ?? '';
    const session = { uniqueId: data.Uniqueid ?? '', linkedId: data.Linkedid ?? data.Uniqueid ?? '', channel: data.Channel ?? '', dpmaUuid };
    let script;
    try {
      script = dpmaUuid === '' ? undefined : await this.options.loadScript(dpmaUuid);
    } catch (error) {
      this.options.logger.error({ err: error, dpma: dpmaUuid }, 'could not load the dpma');
    }
    const first = decideStart(session, script);
    const stream = streams.call(session.linkedId);
    if (first.kind === 'end') {
      await this.record(stream, types.ended, first.data);
      this.finish(session.channel, first.data);
      return;
    }
    const appended = await this.record(stream, types.started, first.data);
    const state = evolveRun(undefined, appended)!;
    const run: LiveRun = { state, resync, own: new Set([appended.position]), foldedTo: 0 };
    this.runs.set(session.uniqueId, run);
    await this.drive(run);
  }

  // --- decisions -----------------------------------------------------------------------------------

  /**
   * Records what the run's state calls for, until it waits (for a result) or ends. A run waiting for a channel
   * snapshot records nothing until it comes; `resume`: the snapshot listed its channel (or it is gone).
   */
  private async drive(run: LiveRun, resume = false): Promise<void> {
    if (run.resync && !run.state.gone) return;
    for (let guard = 0; guard < 1000; guard += 1) {
      const decision = guard === 0 && resume ? decideResume(run.state) : decide(run.state);
      if (decision.kind === 'none' || decision.kind === 'wait') return;
      await this.apply(run, decision);
      if (decision.kind === 'send' || decision.kind === 'end') return;
    }
  }

  private async apply(run: LiveRun, decision: Exclude<Decision, { kind: 'none' | 'wait' }>): Promise<void> {
    const stream = streams.call(run.state.linkedId);
    switch (decision.kind) {
      case 'complete':
        await this.recordFor(run, stream, types.stepCompleted, decision.data);
        return;
      case 'unknown':
        await this.recordFor(run, stream, types.stepOutcomeUnknown, decision.data);
        return;
      case 'send': {
        const commandId = this.newUuid();
        const data = { ...decision.data, command_id: commandId };
        await this.recordFor(run, stream, types.stepSent, data);
        this.track(this.send(run, data.step, data.command, commandId));
        return;
      }
      case 'end':
        await this.recordFor(run, stream, types.ended, decision.data);
        this.runs.delete(run.state.uniqueId);
        if (!run.state.gone && !endedByItsOwnHangup(run.state, decision.data)) this.finish(run.state.channel, decision.data);
        return;
    }
  }

  /** One step's AGI action (audited, CommandID = the command id); a refusal ends the run. */
  private async send(run: LiveRun, step: number, command: string, commandId: string): Promise<void> {
    const { uniqueId, linkedId, channel } = run.state;
    try {
      const commands = await this.commandsFor(uniqueId);
      await executeCommand(commands, {
        type: 'AgiCommand',
        actor: dialplanActor,
        commandId,
        request: { unique_id: uniqueId, command, dpma_uuid: run.state.dpmaUuid, step },
        targets: { unique_id: uniqueId, linked_id: linkedId },
        act: sendAction(commands.ami, (actionId) => amiActions.agi({ actionId, channel, command, commandId }), (id) => ({ command_id: id })),
      });
    } catch (error) {
      const reason = error instanceof AmiActionError ? 'agi_refused' : error instanceof AmiNotConnectedError ? 'ami_not_connected' : undefined;
      if (reason === undefined) {
        // Written and not answered: Asterisk may have queued it; its AsyncAGIExec (or the channel's end) decides.
        this.options.logger.warn({ err: error, unique_id: uniqueId, step }, 'AGI step outcome unknown; waiting for its result');
        return;
      }
      await this.lock.run(async () => {
        const live = this.runs.get(uniqueId);
        if (live !== run || run.state.ended || run.state.pending?.commandId !== commandId || run.state.pending.result !== null) return;
        const detail = error instanceof Error ? error.message : String(error);
        await this.apply(run, decideSendFailure(run.state, step, reason, detail) as Extract<Decision, { kind: 'end' }>);
      });
    }
  }

  /** After the end: hang up when the run says so, else let the channel leave the AGI for the rest of its dialplan. */
  private finish(channel: string, ended: DialplanRunEndedData): void {
    if (channel === '' || ended.reason === 'channel_gone') return;
    this.track(this.commandsFor(ended.unique_id).then((commands) => this.leave(commands, channel, ended)));
  }

  /** Several Asterisk boxes: a session's AGI actions go over the link of the box its AGI row names. */
  private async commandsFor(uniqueId: string): Promise<CommandDeps> {
    const row = await this.options.db.selectFrom('agis').select('node').where('unique_id', '=', uniqueId).executeTakeFirst();
    return onNode(this.options.commands, row?.node);
  }

  private leave(commands: CommandDeps, channel: string, ended: DialplanRunEndedData): void {
    const targets = { unique_id: ended.unique_id };
    if (ended.hangup) {
      this.track(
        executeCommand(commands, {
          type: 'Hangup',
          actor: dialplanActor,
          request: { unique_id: ended.unique_id, channel, why: `dialplan_${ended.reason}` },
          targets,
          act: sendAction(commands.ami, (actionId) => amiActions.hangup({ actionId, channel }), () => ({ unique_id: ended.unique_id })),
        }),
      );
    } else if (ended.reason !== 'ami_not_connected') {
      const command = 'ASYNCAGI BREAK';
      this.track(
        executeCommand(commands, {
          type: 'AgiCommand',
          actor: dialplanActor,
          request: { unique_id: ended.unique_id, command },
          targets,
          act: sendAction(commands.ami, (actionId) => amiActions.agi({ actionId, channel, command, commandId: actionId }), (id) => ({ command_id: id })),
        }),
      );
    }
  }

  private async record(stream: string, type: string, data: object): Promise<RecordedEvent> {
    const commandId = this.newUuid();
    const event = { type, data: data as Record<string, unknown>, metadata: { commandId, userId: dialplanActor.uuid, correlationId: commandId } };
    const appended = await this.options.store.append(stream, [event], 'any');
    const recordedAt = formatTimestamp(BigInt(Math.trunc(this.clock())) * 1_000_000n);
    return { ...event, stream, position: appended.lastPosition, revision: appended.nextExpectedRevision, recordedAt };
  }

  /** Records one of a live run's events and folds it in. */
  private async recordFor(run: LiveRun, stream: string, type: string, data: object): Promise<void> {
    const appended = await this.record(stream, type, data);
    run.own.add(appended.position);
    run.state = evolveRun(run.state, appended) ?? run.state;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.options.logger.warn({ err: error }, 'dialplan runner command failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
