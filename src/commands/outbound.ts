import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { CampaignFields, CampaignReference, DestinationFields, DlFields, DlmaFields, EventMetadata, JadeEvent, PlanFields } from '../events/index.js';
import { obStreams } from '../events/index.js';
import { ConcurrencyError, type EventStore, type ExpectedRevision } from '../eventstore/port.js';
import type { Database } from '../readmodels/database.js';
import { Mutex } from '../readmodels/mutex.js';
import { nowTimestamp } from '../events/time.js';
import {
  decideCampaignClearReference,
  decideCampaignCreate,
  decideCampaignDelete,
  decideCampaignStatus,
  decideCampaignUpdate,
  decideDestinationCreate,
  decideDestinationDelete,
  decideDestinationUpdate,
  decideDlCreate,
  decideDlDelete,
  decideDlDialingEnd,
  decideDlDialingStart,
  decideDlmaCreate,
  decideDlmaDelete,
  decideDlmaUpdate,
  decideDlUpdate,
  decidePlanCreate,
  decidePlanDelete,
  decidePlanUpdate,
  evolveCampaign,
  evolveDestination,
  evolveDl,
  evolveDlma,
  evolvePlan,
  requireLive,
  type CampaignObject,
  type CampaignRefs,
  type DestinationObject,
  type DlDialingEndCommand,
  type DlDialingStartCommand,
  type DlmaObject,
  type DlObject,
  type ObEvent,
  type PlanObject,
  type StoredEvent,
} from '../outbound/resources/index.js';
import { listCampaignsReferencing } from '../../projections/ob-campaigns.js';
import { countDlmaEntries, listDlUuids } from '../../projections/ob-dls.js';
import type { Actor, ReadModelSync } from './command.js';

/**
 * The outbound resources' command path (issue 6 item 1). These commands never touch Asterisk, so they
 * skip `executeCommand`'s request/outcome records: each is decided against its object's stream and
 * recorded there. Per command: load the stream and fold it, decide (a pure function that returns events
 * or throws `ObRefusal`), append with the revision that was folded (a concurrent writer, e.g. the
 * dialer taking an entry, makes the append fail: load and decide again), then answer once the read
 * models reached the appended position, so a GET right after sees the change.
 *
 * Cross-object rules (a campaign's plan must exist; a plan still referenced needs `force`) read other
 * streams and the read models. API commands run one at a time (`lock`), each waiting for its read-model
 * position before the next starts, so those reads always include every earlier command's effect.
 */

export interface ObCommandDeps {
  readonly store: EventStore;
  readonly db: Kysely<Database>;
  readonly readModels: ReadModelSync;
  readonly settleTimeoutMs: number;
  /** Tests: fixed times and ids. */
  readonly now?: () => string;
  readonly newUuid?: () => string;
}

/** Who asked, and which request: the metadata of every event a command appends (ARCHITECTURE.md "Events and streams"). */
export interface ObCommandContext {
  readonly commandId: string;
  readonly userId: string;
  readonly correlationId: string;
}

interface Aggregate<S> {
  readonly stream: (uuid: string) => string;
  readonly evolve: (state: S | undefined, event: StoredEvent) => S | undefined;
}

const plans: Aggregate<PlanObject> = { stream: obStreams.plan, evolve: evolvePlan };
const destinations: Aggregate<DestinationObject> = { stream: obStreams.destination, evolve: evolveDestination };
const dlmas: Aggregate<DlmaObject> = { stream: obStreams.dlma, evolve: evolveDlma };
const dls: Aggregate<DlObject> = { stream: obStreams.dl, evolve: evolveDl };
const campaigns: Aggregate<CampaignObject> = { stream: obStreams.campaign, evolve: evolveCampaign };

/** Attempts of load-decide-append when another writer appended to the stream in between. */
const MAX_ATTEMPTS = 5;

/** Parallel cascade steps (a dlma delete with `delete_dls` deletes each entry in its own stream). */
const CASCADE_CONCURRENCY = 32;

/** What one decision did: the object's state after it, and where its events landed in the log. */
export interface Executed<S> {
  readonly state: S | undefined;
  /** Global position of the last appended event; undefined when the decision recorded nothing. */
  readonly position: number | undefined;
}

export interface PlanDeleteOptions {
  readonly force: boolean;
}

export interface DlmaDeleteOptions {
  readonly force: boolean;
  readonly deleteDls: boolean;
}

export class ObResourceCommands {
  private readonly lock = new Mutex();
  private readonly now: () => string;
  private readonly newUuid: () => string;

  constructor(private readonly deps: ObCommandDeps) {
    this.now = deps.now ?? nowTimestamp;
    this.newUuid = deps.newUuid ?? randomUUID;
  }

  /** A context for one API request by `actor`. */
  context(actor: Actor): ObCommandContext {
    const commandId = this.newUuid();
    return { commandId, userId: actor.uuid, correlationId: commandId };
  }

  // --- plans ------------------------------------------------------------------------------------

  createPlan(ctx: ObCommandContext, fields: Partial<PlanFields>): Promise<PlanObject> {
    const uuid = this.newUuid();
    return this.command(async (positions) => {
      const done = await this.execute(ctx, plans, uuid, (state) => decidePlanCreate(state, { uuid, fields, now: this.now() }));
      return this.result(done, positions);
    });
  }

  updatePlan(ctx: ObCommandContext, uuid: string, changes: Partial<PlanFields>): Promise<PlanObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, plans, uuid, (state) => decidePlanUpdate(state, { uuid, changes, now: this.now() }));
      return this.result(done, positions);
    });
  }

  deletePlan(ctx: ObCommandContext, uuid: string, options: PlanDeleteOptions): Promise<PlanObject> {
    return this.command(async (positions) => {
      const now = this.now();
      const referencing = await listCampaignsReferencing(this.deps.db, 'plan', uuid);
      const decide = (state: PlanObject | undefined) => decidePlanDelete(state, { uuid, force: options.force, campaigns: referencing, now });
      // Refused requests must change nothing: decide once before clearing any campaign's reference.
      decide((await this.load(plans, uuid)).state);
      positions.push(...(await this.clearReferences(ctx, referencing, 'plan', uuid, now)));
      return this.result(await this.execute(ctx, plans, uuid, decide), positions);
    });
  }

  // --- destinations ------------------------------------------------------------------------------

  createDestination(ctx: ObCommandContext, fields: Partial<DestinationFields>): Promise<DestinationObject> {
    const uuid = this.newUuid();
    return this.command(async (positions) => {
      const done = await this.execute(ctx, destinations, uuid, (state) => decideDestinationCreate(state, { uuid, fields, now: this.now() }));
      return this.result(done, positions);
    });
  }

  updateDestination(ctx: ObCommandContext, uuid: string, changes: Partial<DestinationFields>): Promise<DestinationObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, destinations, uuid, (state) => decideDestinationUpdate(state, { uuid, changes, now: this.now() }));
      return this.result(done, positions);
    });
  }

  deleteDestination(ctx: ObCommandContext, uuid: string, options: PlanDeleteOptions): Promise<DestinationObject> {
    return this.command(async (positions) => {
      const now = this.now();
      const referencing = await listCampaignsReferencing(this.deps.db, 'dest', uuid);
      const decide = (state: DestinationObject | undefined) => decideDestinationDelete(state, { uuid, force: options.force, campaigns: referencing, now });
      decide((await this.load(destinations, uuid)).state);
      positions.push(...(await this.clearReferences(ctx, referencing, 'dest', uuid, now)));
      return this.result(await this.execute(ctx, destinations, uuid, decide), positions);
    });
  }

  // --- dlmas -------------------------------------------------------------------------------------

  createDlma(ctx: ObCommandContext, fields: Partial<DlmaFields>): Promise<DlmaObject> {
    const uuid = this.newUuid();
    return this.command(async (positions) => {
      const done = await this.execute(ctx, dlmas, uuid, (state) => decideDlmaCreate(state, { uuid, fields, now: this.now() }));
      return this.result(done, positions);
    });
  }

  updateDlma(ctx: ObCommandContext, uuid: string, changes: Partial<DlmaFields>): Promise<DlmaObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, dlmas, uuid, (state) => decideDlmaUpdate(state, { uuid, changes, now: this.now() }));
      return this.result(done, positions);
    });
  }

  /**
   * Cascades first (each entry deleted in its own stream, then the campaigns' references cleared), the dlma
   * last: a failure half-way leaves the dlma in place, so repeating the request finishes the job.
   */
  deleteDlma(ctx: ObCommandContext, uuid: string, options: DlmaDeleteOptions): Promise<DlmaObject> {
    return this.command(async (positions) => {
      const now = this.now();
      const referencing = await listCampaignsReferencing(this.deps.db, 'dlma', uuid);
      const entries = await countDlmaEntries(this.deps.db, uuid);
      const decide = (state: DlmaObject | undefined) =>
        decideDlmaDelete(state, {
          uuid,
          force: options.force,
          deleteDls: options.deleteDls,
          campaigns: referencing,
          dls: entries.total,
          dialingDls: entries.dialing,
          now,
        });
      decide((await this.load(dlmas, uuid)).state);
      if (options.deleteDls) {
        const uuids = await listDlUuids(this.deps.db, uuid);
        const deleted = await mapLimited(uuids, CASCADE_CONCURRENCY, (dl) =>
          this.execute(ctx, dls, dl, (state) => decideDlDelete(state, { uuid: dl, force: options.force, cause: 'dlma_deleted', now })),
        );
        positions.push(...deleted.flatMap((done) => (done.position === undefined ? [] : [done.position])));
      }
      positions.push(...(await this.clearReferences(ctx, referencing, 'dlma', uuid, now)));
      return this.result(await this.execute(ctx, dlmas, uuid, decide), positions);
    });
  }

  // --- dial list entries -------------------------------------------------------------------------

  createDl(ctx: ObCommandContext, fields: Partial<DlFields> & { dlma_uuid: string }): Promise<DlObject> {
    const uuid = this.newUuid();
    return this.command(async (positions) => {
      const done = await this.execute(ctx, dls, uuid, async (state) => {
        const dlma = (await this.load(dlmas, fields.dlma_uuid)).state;
        return decideDlCreate(state, { uuid, fields, dlma, now: this.now() });
      });
      return this.result(done, positions);
    });
  }

  updateDl(ctx: ObCommandContext, uuid: string, changes: Partial<DlFields>): Promise<DlObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, dls, uuid, async (state) => {
        const dlma = changes.dlma_uuid === undefined ? undefined : (await this.load(dlmas, changes.dlma_uuid)).state;
        return decideDlUpdate(state, { uuid, changes, ...(dlma ? { dlma } : {}), now: this.now() });
      });
      return this.result(done, positions);
    });
  }

  deleteDl(ctx: ObCommandContext, uuid: string, options: PlanDeleteOptions): Promise<DlObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, dls, uuid, (state) => decideDlDelete(state, { uuid, force: options.force, cause: 'request', now: this.now() }));
      return this.result(done, positions);
    });
  }

  // --- campaigns ---------------------------------------------------------------------------------

  createCampaign(ctx: ObCommandContext, fields: Partial<CampaignFields>, status?: number): Promise<CampaignObject> {
    const uuid = this.newUuid();
    return this.command(async (positions) => {
      const done = await this.execute(ctx, campaigns, uuid, async (state) => {
        const refs = await this.loadRefs({ ...fields });
        return decideCampaignCreate(state, { uuid, fields, ...(status === undefined ? {} : { status }), refs, now: this.now() });
      });
      return this.result(done, positions);
    });
  }

  /** `status`: a requested status change (0, 1, 2, 30), decided after the field changes of the same request. */
  updateCampaign(ctx: ObCommandContext, uuid: string, changes: Partial<CampaignFields>, status?: number): Promise<CampaignObject> {
    return this.command(async (positions) => {
      const done = await this.execute(ctx, campaigns, uuid, async (state) => {
        // The references as they will be after the change: what a start must find in use.
        const refs = state ? await this.loadRefs({ ...state, ...changes }) : {};
        return decideCampaignUpdate(state, { uuid, changes, ...(status === undefined ? {} : { status }), refs, now: this.now() });
      });
      return this.result(done, positions);
    });
  }

  deleteCampaign(ctx: ObCommandContext, uuid: string): Promise<CampaignObject> {
    return this.command(async (positions) => {
      const now = this.now();
      const chained = (await listCampaignsReferencing(this.deps.db, 'next_campaign', uuid)).filter((other) => other !== uuid);
      const decide = (state: CampaignObject | undefined) => decideCampaignDelete(state, { uuid, campaigns: chained, now });
      decide((await this.load(campaigns, uuid)).state);
      positions.push(...(await this.clearReferences(ctx, chained, 'next_campaign', uuid, now)));
      return this.result(await this.execute(ctx, campaigns, uuid, decide), positions);
    });
  }

  // --- for the dialer ----------------------------------------------------------------------------
  // The dialer's own decisions, on the same streams. They do not take the API lock and do not wait for
  // the read models: the returned position says where the read models must be to show them.

  /** Takes an idle entry for a dialing; throws `ObRefusal` (`conflict`) if it is taken or not idle. */
  async startDlDialing(ctx: ObCommandContext, command: DlDialingStartCommand): Promise<Executed<DlObject>> {
    return this.execute(ctx, dls, command.uuid, (state) => decideDlDialingStart(state, command));
  }

  /** Records a dialing's outcome in its entry; records nothing if the entry is no longer held by that dialing. */
  async endDlDialing(ctx: ObCommandContext, command: DlDialingEndCommand): Promise<Executed<DlObject>> {
    return this.execute(ctx, dls, command.uuid, (state) => decideDlDialingEnd(state, command));
  }

  /** Any status (the -ing states included) with the dialer's reason; a start is checked like a client's. */
  async changeCampaignStatus(ctx: ObCommandContext, uuid: string, status: number, reason: string): Promise<Executed<CampaignObject>> {
    return this.execute(ctx, campaigns, uuid, async (state) => {
      const campaign = requireLive(state, 'campaign', uuid);
      return decideCampaignStatus(campaign, { status, reason, refs: await this.loadRefs(campaign), now: this.now() });
    });
  }

  // --- the path ----------------------------------------------------------------------------------

  /** One API command: under the lock, and answered once the read models show every event it appended. */
  private command<T>(work: (positions: number[]) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const positions: number[] = [];
      const result = await work(positions);
      if (positions.length > 0) await this.deps.readModels.waitForPosition(Math.max(...positions), this.deps.settleTimeoutMs);
      return result;
    });
  }

  /** The object a command answers with: its state after the command (what the read model now holds, or held before a delete). */
  private result<S>(done: Executed<S>, positions: number[]): S {
    if (done.position !== undefined) positions.push(done.position);
    // Every decider either refuses or leaves a state: a command never answers with nothing.
    if (done.state === undefined) throw new Error('outbound command left no object');
    return done.state;
  }

  /** Folds a stream; `revision` is what the next append expects. */
  async load<S>(aggregate: Aggregate<S>, uuid: string): Promise<{ state: S | undefined; revision: ExpectedRevision }> {
    const events = await this.deps.store.readStream(aggregate.stream(uuid));
    const state = events.reduce<S | undefined>(aggregate.evolve, undefined);
    const last = events[events.length - 1];
    return { state, revision: last === undefined ? 'no_stream' : last.revision };
  }

  /** Load, decide, append with the folded revision; on a concurrent append, again from the load. */
  private async execute<S>(
    ctx: ObCommandContext,
    aggregate: Aggregate<S>,
    uuid: string,
    decide: (state: S | undefined) => readonly ObEvent[] | Promise<readonly ObEvent[]>,
  ): Promise<Executed<S>> {
    const metadata: EventMetadata = { commandId: ctx.commandId, userId: ctx.userId, correlationId: ctx.correlationId };
    for (let attempt = 1; ; attempt += 1) {
      const { state, revision } = await this.load(aggregate, uuid);
      const events = await decide(state);
      if (events.length === 0) return { state, position: undefined };
      // Event data are the plain objects of src/events/outbound.ts; the store keeps them as JSON records.
      const records: JadeEvent[] = events.map((event) => ({ type: event.type, data: event.data as Record<string, unknown>, metadata }));
      try {
        const appended = await this.deps.store.append(aggregate.stream(uuid), records, revision);
        return { state: events.reduce<S | undefined>(aggregate.evolve, state), position: appended.lastPosition };
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** The objects a campaign's references name, each folded from its stream (absent when never created). */
  private async loadRefs(fields: Partial<Pick<CampaignFields, CampaignReference>>): Promise<CampaignRefs> {
    const refs: { -readonly [K in keyof CampaignRefs]: CampaignRefs[K] } = {};
    if (fields.plan) refs.plan = (await this.load(plans, fields.plan)).state;
    if (fields.dest) refs.dest = (await this.load(destinations, fields.dest)).state;
    if (fields.dlma) refs.dlma = (await this.load(dlmas, fields.dlma)).state;
    if (fields.next_campaign) refs.next_campaign = (await this.load(campaigns, fields.next_campaign)).state;
    return refs;
  }

  /** `force`: each referencing campaign stops pointing at the deleted object (catalog §2.2); returns the positions appended. */
  private async clearReferences(ctx: ObCommandContext, uuids: readonly string[], field: CampaignReference, refUuid: string, now: string): Promise<number[]> {
    const done = await mapLimited(uuids, CASCADE_CONCURRENCY, (campaign) =>
      this.execute(ctx, campaigns, campaign, (state) => decideCampaignClearReference(state, { uuid: campaign, field, ref_uuid: refUuid, now })),
    );
    return done.flatMap((step) => (step.position === undefined ? [] : [step.position]));
  }
}

/** `fn` over `items`, at most `limit` at a time; results in item order. Concurrent appends share the store's group commits. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
