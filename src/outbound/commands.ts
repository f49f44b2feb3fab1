import type { Kysely } from 'kysely';
import { listCampaignsReferencing } from '../../projections/ob-campaigns.js';
import { countDlmaEntries, listDlUuids } from '../../projections/ob-dls.js';
import type { Database } from '../../projections/database.js';
import type { CampaignFields, CampaignReference, DestinationFields, DlFields, DlmaFields, PlanFields } from '../events/index.js';
import { obStreams } from '../events/index.js';
import type { Actor } from '../commands/command.js';
import type { ExpectedRevision } from '../eventstore/port.js';
import {
  ResourceCommandPath,
  resourceCommands,
  type DecidedEvent,
  type ResourceCommandDeps,
  type ResourceCommands,
  type ResourceContext,
  type ResourceDeclaration,
  type ResourceStream,
  type Executed,
} from '../commands/resource.js';
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
  type PlanObject,
} from './resources/index.js';

/**
 * The outbound resources' commands (issue 6 item 1), declared on the generic resource path
 * (src/commands/resource.ts): each kind's deciders, plus the cross-object rules they need: a campaign's
 * references must name live objects; deleting a referenced object needs `force` and then clears the
 * campaigns' references; a dlma delete with `delete_dls` deletes its entries.
 */

export interface ObCommandDeps extends ResourceCommandDeps {
  readonly db: Kysely<Database>;
  /** The configured Asterisk boxes (`ami.nodes[].node`): a campaign's `node` names one of them. */
  readonly nodes?: readonly string[];
}

export interface ForceOption {
  readonly force: boolean;
}

export interface DlmaDeleteOptions extends ForceOption {
  readonly deleteDls: boolean;
}

/** A campaign's body: its fields, and a requested status change (0, 1, 2, 30) decided after them. */
export type CampaignBody = Partial<CampaignFields> & { readonly status?: number };

const plans: ResourceStream<PlanObject> = { stream: obStreams.plan, evolve: evolvePlan };
const destinations: ResourceStream<DestinationObject> = { stream: obStreams.destination, evolve: evolveDestination };
const dlmas: ResourceStream<DlmaObject> = { stream: obStreams.dlma, evolve: evolveDlma };
const dls: ResourceStream<DlObject> = { stream: obStreams.dl, evolve: evolveDl };
const campaigns: ResourceStream<CampaignObject> = { stream: obStreams.campaign, evolve: evolveCampaign };

/** The deciders of a kind whose only cross-object rule is the campaigns that reference it (plans, destinations). */
interface ReferencedDeciders<S, F> {
  create(state: S | undefined, command: { uuid: string; fields: Partial<F>; now: string }): readonly DecidedEvent[];
  update(state: S | undefined, command: { uuid: string; changes: Partial<F>; now: string }): readonly DecidedEvent[];
  delete(state: S | undefined, command: { uuid: string; force: boolean; campaigns: readonly string[]; now: string }): readonly DecidedEvent[];
}

/** The status, when given, as the optional field the campaign deciders take. */
const statusOf = (status: number | undefined): { status?: number } => (status === undefined ? {} : { status });

export class ObResourceCommands {
  readonly path: ResourceCommandPath;
  readonly plans: ResourceCommands<PlanObject, Partial<PlanFields>, Partial<PlanFields>, ForceOption>;
  readonly destinations: ResourceCommands<DestinationObject, Partial<DestinationFields>, Partial<DestinationFields>, ForceOption>;
  readonly dlmas: ResourceCommands<DlmaObject, Partial<DlmaFields>, Partial<DlmaFields>, DlmaDeleteOptions>;
  readonly dls: ResourceCommands<DlObject, Partial<DlFields> & { dlma_uuid: string }, Partial<DlFields>, ForceOption>;
  readonly campaigns: ResourceCommands<CampaignObject, CampaignBody, CampaignBody, Record<string, never>>;

  constructor(deps: ObCommandDeps) {
    const path = new ResourceCommandPath(deps);
    this.path = path;
    const referencing = (field: CampaignReference) => (uuid: string) => listCampaignsReferencing(deps.db, field, uuid);

    /** A kind that campaigns point at: deleting one in use needs `force`, and then clears the campaigns' references. */
    const referenced = <S, F>(
      kind: ResourceStream<S>,
      field: CampaignReference,
      decide: ReferencedDeciders<S, F>,
    ): ResourceDeclaration<S, Partial<F>, Partial<F>, ForceOption, readonly string[]> => ({
      kind,
      create: (state, { uuid, body, now }) => decide.create(state, { uuid, fields: body, now }),
      update: (state, { uuid, body, now }) => decide.update(state, { uuid, changes: body, now }),
      delete: {
        facts: referencing(field),
        decide: (state, { uuid, options, facts, now }) => decide.delete(state, { uuid, force: options.force, campaigns: facts, now }),
        cascade: (ctx, { uuid, facts, now }) => this.clearReferences(ctx, facts, field, uuid, now),
      },
    });

    this.plans = resourceCommands(path, referenced(plans, 'plan', { create: decidePlanCreate, update: decidePlanUpdate, delete: decidePlanDelete }));
    this.destinations = resourceCommands(
      path,
      referenced(destinations, 'dest', { create: decideDestinationCreate, update: decideDestinationUpdate, delete: decideDestinationDelete }),
    );

    this.dlmas = resourceCommands(path, {
      kind: dlmas,
      create: (state, { uuid, body, now }) => decideDlmaCreate(state, { uuid, fields: body, now }),
      update: (state, { uuid, body, now }) => decideDlmaUpdate(state, { uuid, changes: body, now }),
      delete: {
        facts: async (uuid) => ({ campaigns: await referencing('dlma')(uuid), entries: await countDlmaEntries(deps.db, uuid) }),
        decide: (state, { uuid, options, facts, now }) =>
          decideDlmaDelete(state, {
            uuid,
            force: options.force,
            deleteDls: options.deleteDls,
            campaigns: facts.campaigns,
            dls: facts.entries.total,
            dialingDls: facts.entries.dialing,
            now,
          }),
        // The entries first (each in its own stream), then the campaigns' references.
        cascade: async (ctx, { uuid, options, facts, now }) => {
          const entries = options.deleteDls
            ? await path.executeEach(ctx, dls, await listDlUuids(deps.db, uuid), (dl, state) =>
                decideDlDelete(state, { uuid: dl, force: options.force, cause: 'dlma_deleted', now }),
              )
            : [];
          return [...entries, ...(await this.clearReferences(ctx, facts.campaigns, 'dlma', uuid, now))];
        },
      },
    });

    this.dls = resourceCommands(path, {
      kind: dls,
      create: async (state, { uuid, body, now }) => {
        const dlma = (await path.load(dlmas, body.dlma_uuid)).state;
        return decideDlCreate(state, { uuid, fields: body, dlma, now });
      },
      update: async (state, { uuid, body, now }) => {
        const dlma = body.dlma_uuid === undefined ? undefined : (await path.load(dlmas, body.dlma_uuid)).state;
        return decideDlUpdate(state, { uuid, changes: body, ...(dlma ? { dlma } : {}), now });
      },
      delete: {
        decide: (state, { uuid, options, now }) => decideDlDelete(state, { uuid, force: options.force, cause: 'request', now }),
      },
    });

    const nodes = deps.nodes ?? [];
    this.campaigns = resourceCommands(path, {
      kind: campaigns,
      create: async (state, { uuid, body, now }) => {
        const { status, ...fields } = body;
        return decideCampaignCreate(state, { uuid, fields, ...statusOf(status), refs: await this.loadRefs(fields), nodes, now });
      },
      update: async (state, { uuid, body, now }) => {
        const { status, ...changes } = body;
        // The references as they will be after the change: what a start must find in use.
        const refs = state ? await this.loadRefs({ ...state, ...changes }) : {};
        return decideCampaignUpdate(state, { uuid, changes, ...statusOf(status), refs, nodes, now });
      },
      delete: {
        facts: async (uuid) => (await referencing('next_campaign')(uuid)).filter((other) => other !== uuid),
        decide: (state, { uuid, facts, now }) => decideCampaignDelete(state, { uuid, campaigns: facts, now }),
        cascade: (ctx, { uuid, facts, now }) => this.clearReferences(ctx, facts, 'next_campaign', uuid, now),
      },
    });
  }

  /** A context for one API request by `actor`. */
  context(actor: Actor): ResourceContext {
    return this.path.context(actor);
  }

  /** Folds a stream; `revision` is what the next append expects. */
  load<S>(kind: ResourceStream<S>, uuid: string): Promise<{ state: S | undefined; revision: ExpectedRevision }> {
    return this.path.load(kind, uuid);
  }

  // --- for the dialer ----------------------------------------------------------------------------
  // The dialer's own decisions, on the same streams. They do not take the API lock and do not wait for
  // the read models: the returned position says where the read models must be to show them.

  /** Takes an idle entry for a dialing; throws `CommandRefusal` (`conflict`) if it is taken or not idle. */
  startDlDialing(ctx: ResourceContext, command: DlDialingStartCommand): Promise<Executed<DlObject>> {
    return this.path.execute(ctx, dls, command.uuid, (state) => decideDlDialingStart(state, command));
  }

  /** Records a dialing's outcome in its entry; records nothing if the entry is no longer held by that dialing. */
  endDlDialing(ctx: ResourceContext, command: DlDialingEndCommand): Promise<Executed<DlObject>> {
    return this.path.execute(ctx, dls, command.uuid, (state) => decideDlDialingEnd(state, command));
  }

  /**
   * Any status (the -ing states included) with the dialer's reason; a start is checked like a client's.
   * `decidedFrom` is the folded campaign the dialer chose `status` from: the change is appended at its
   * revision, once, so a client's request recorded meanwhile wins (`ConcurrencyError`; the dialer decides
   * again from the new state on its next tick).
   */
  changeCampaignStatus(
    ctx: ResourceContext,
    uuid: string,
    status: number,
    reason: string,
    decidedFrom: { readonly state: CampaignObject | undefined; readonly revision: ExpectedRevision },
  ): Promise<Executed<CampaignObject>> {
    return this.path.executeFrom(ctx, campaigns, uuid, decidedFrom, async (state) => {
      const campaign = requireLive(state, 'campaign', uuid);
      return decideCampaignStatus(campaign, { status, reason, refs: await this.loadRefs(campaign), now: this.path.now() });
    });
  }

  // --- cross-object rules ------------------------------------------------------------------------

  /** The objects a campaign's references name, each folded from its stream (absent when never created). */
  private async loadRefs(fields: Partial<Pick<CampaignFields, CampaignReference>>): Promise<CampaignRefs> {
    const refs: { -readonly [K in keyof CampaignRefs]: CampaignRefs[K] } = {};
    if (fields.plan) refs.plan = (await this.path.load(plans, fields.plan)).state;
    if (fields.dest) refs.dest = (await this.path.load(destinations, fields.dest)).state;
    if (fields.dlma) refs.dlma = (await this.path.load(dlmas, fields.dlma)).state;
    if (fields.next_campaign) refs.next_campaign = (await this.path.load(campaigns, fields.next_campaign)).state;
    return refs;
  }

  /** `force`: each referencing campaign stops pointing at the deleted object (catalog §2.2); returns the positions appended. */
  private clearReferences(ctx: ResourceContext, uuids: readonly string[], field: CampaignReference, refUuid: string, now: string): Promise<number[]> {
    return this.path.executeEach(ctx, campaigns, uuids, (campaign, state) =>
      decideCampaignClearReference(state, { uuid: campaign, field, ref_uuid: refUuid, now }),
    );
  }
}
