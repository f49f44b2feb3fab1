import {
  obEventTypes,
  type CampaignCreatedData,
  type CampaignDeletedData,
  type CampaignFields,
  type CampaignReference,
  type CampaignReferenceClearedData,
  type CampaignStatusChangedData,
  type CampaignUpdatedData,
} from '../../events/outbound.js';
import { campaignDefaults, campaignStatus, evolveCampaign, type CampaignObject } from '../../../projections/outbound/campaign.js';
import { chooseNodeName } from '../../commands/command.js';
import { definedOnly, isLive, CommandRefusal, requireLive, requireNew, type ObEvent } from './common.js';
import type { DestinationObject } from './destination.js';
import type { DlmaObject } from './dlma.js';
import type { PlanObject } from './plan.js';

export { campaignDefaults, campaignStatus, evolveCampaign, type CampaignObject } from '../../../projections/outbound/campaign.js';

export type CampaignEvent =
  | ObEvent<typeof obEventTypes.campaignCreated, CampaignCreatedData>
  | ObEvent<typeof obEventTypes.campaignUpdated, CampaignUpdatedData>
  | ObEvent<typeof obEventTypes.campaignStatusChanged, CampaignStatusChangedData>
  | ObEvent<typeof obEventTypes.campaignReferenceCleared, CampaignReferenceClearedData>
  | ObEvent<typeof obEventTypes.campaignDeleted, CampaignDeletedData>;

/** What a client may PUT (catalog §2.5 proposal); the -ing states are the dialer's. */
export const requestableStatuses: readonly number[] = [campaignStatus.stop, campaignStatus.start, campaignStatus.pause, campaignStatus.stoppingForcedly];

/** The objects a campaign's fields point at, as loaded for a decision (absent = no such object). */
export interface CampaignRefs {
  readonly plan?: PlanObject;
  readonly dest?: DestinationObject;
  readonly dlma?: DlmaObject;
  readonly next_campaign?: CampaignObject;
}

type ReferenceFields = Pick<CampaignFields, CampaignReference>;

const referenceNames: Readonly<Record<CampaignReference, string>> = { plan: 'plan', dest: 'destination', dlma: 'dlma', next_campaign: 'campaign' };

/** Catalog §7.11: a reference the request sets must name an existing, in-use object (else 400 naming the field). */
function checkReferences(given: Partial<ReferenceFields>, refs: CampaignRefs): void {
  for (const field of ['plan', 'dest', 'dlma', 'next_campaign'] as const) {
    const uuid = given[field];
    if (uuid === undefined || uuid === null) continue;
    if (!isLive(refs[field]) || refs[field]?.uuid !== uuid) {
      throw new CommandRefusal('invalid', `${field}: no ${referenceNames[field]} ${uuid}`, field);
    }
  }
}

/**
 * The box a campaign dials on (README "Several Asterisk boxes"), as an originate chooses it: a configured
 * node (else 400 naming `node`); none with several boxes is a 400 too. `names`: the configured boxes. With
 * one box (or none known) a campaign without node stays null: it dials on the first box, whatever its name.
 */
function campaignNode(asked: string | null, names: readonly string[]): string | null {
  if (asked === null) {
    chooseNodeName(names, undefined);
    return null;
  }
  return chooseNodeName(names, asked) ?? asked;
}

/**
 * Why the campaign cannot run with these fields and objects (catalog §2.5, §7.12): plan, dest and dlma
 * must be set and in use, and the plan must have a dial mode. Empty when it can start. The dialer asks the
 * same question for a scheduled start and to stop a running campaign that lost a resource.
 */
export function campaignStartProblems(campaign: ReferenceFields, refs: CampaignRefs): string[] {
  const problems: string[] = [];
  for (const field of ['plan', 'dest', 'dlma'] as const) {
    const uuid = campaign[field];
    if (uuid === null) problems.push(`${field} is not set`);
    else if (!isLive(refs[field]) || refs[field]?.uuid !== uuid) problems.push(`${field} ${uuid} does not exist`);
  }
  if (isLive(refs.plan) && refs.plan.uuid === campaign.plan && refs.plan.dial_mode === 0) problems.push(`plan ${refs.plan.uuid} has dial_mode 0 (none)`);
  return problems;
}

/**
 * One status change. Starting (1) needs a startable campaign; with `request` reasons only the statuses a
 * client may ask for are accepted. Asking for the status the campaign already has records nothing, and so
 * does a forced stop of a stopped campaign: there is nothing to stop.
 */
export function decideCampaignStatus(
  campaign: CampaignObject,
  command: { status: number; reason: string; refs: CampaignRefs; now: string },
): CampaignEvent[] {
  const { status } = command;
  if (command.reason === 'request' && !requestableStatuses.includes(status)) {
    throw new CommandRefusal('invalid', `status: must be one of ${requestableStatuses.join(', ')}`, 'status');
  }
  if (status === campaign.status) return [];
  if (status === campaignStatus.stoppingForcedly && campaign.status === campaignStatus.stop) return [];
  if (status === campaignStatus.start) {
    const problems = campaignStartProblems(campaign, command.refs);
    // 400 as the catalog proposes (§7.12): the request asks for what the campaign's fields cannot give.
    if (problems.length > 0) throw new CommandRefusal('invalid', `status: campaign ${campaign.uuid} cannot start: ${problems.join('; ')}`, 'status');
  }
  return [
    {
      type: obEventTypes.campaignStatusChanged,
      data: { uuid: campaign.uuid, status, previous: campaign.status, reason: command.reason, tm_update: command.now },
    },
  ];
}

/** Folds a decision's events onto the state, to decide the next step of the same command against it. */
function fold(state: CampaignObject | undefined, events: readonly CampaignEvent[]): CampaignObject | undefined {
  return events.reduce<CampaignObject | undefined>(evolveCampaign, state);
}

export interface CampaignCreateCommand {
  readonly uuid: string;
  readonly fields: Partial<CampaignFields>;
  /** Created stopped; another status given on create is then a status change, checked like a PUT's. */
  readonly status?: number;
  readonly refs: CampaignRefs;
  /** The configured Asterisk boxes (`ami.nodes[].node`), which `node` must name; absent: not checked. */
  readonly nodes?: readonly string[];
  readonly now: string;
}

export function decideCampaignCreate(state: CampaignObject | undefined, command: CampaignCreateCommand): CampaignEvent[] {
  requireNew(state, 'campaign', command.uuid);
  checkReferences(command.fields, command.refs);
  const node = campaignNode(command.fields.node ?? null, command.nodes ?? []);
  const created: CampaignEvent[] = [
    { type: obEventTypes.campaignCreated, data: { uuid: command.uuid, ...campaignDefaults, ...definedOnly(command.fields), node, tm_create: command.now } },
  ];
  if (command.status === undefined) return created;
  const campaign = fold(undefined, created)!;
  return [...created, ...decideCampaignStatus(campaign, { status: command.status, reason: 'request', refs: command.refs, now: command.now })];
}

export interface CampaignUpdateCommand {
  readonly uuid: string;
  readonly changes: Partial<CampaignFields>;
  readonly status?: number;
  /** The objects named by the campaign's references after the changes. */
  readonly refs: CampaignRefs;
  /** As on create: a `node` the changes give must be a configured box. */
  readonly nodes?: readonly string[];
  readonly now: string;
}

/** A PUT: the field changes (if any), then the status change against the updated fields (`PUT {"plan": P, "status": 1}` works). */
export function decideCampaignUpdate(state: CampaignObject | undefined, command: CampaignUpdateCommand): CampaignEvent[] {
  const campaign = requireLive(state, 'campaign', command.uuid);
  checkReferences(command.changes, command.refs);
  // Only a node the request gives is checked: a PUT of a campaign made before several boxes (node null) still stops it.
  if (command.changes.node !== undefined) campaignNode(command.changes.node, command.nodes ?? []);
  const hasChanges = Object.values(command.changes).some((value) => value !== undefined);
  // A PUT with only a status records only the status change; one with nothing records its (empty) update, so tm_update moves as the catalog shows.
  const updated: CampaignEvent[] =
    hasChanges || command.status === undefined
      ? [{ type: obEventTypes.campaignUpdated, data: { uuid: command.uuid, changes: definedOnly(command.changes), tm_update: command.now } }]
      : [];
  if (command.status === undefined) return updated;
  const next = fold(campaign, updated)!;
  return [...updated, ...decideCampaignStatus(next, { status: command.status, reason: 'request', refs: command.refs, now: command.now })];
}

/**
 * Catalog §7.12 (proposal): only a stopped campaign is deleted; a running one must be stopped first,
 * because its dialings would lose their campaign. `campaigns`: those whose `next_campaign` is this one.
 */
export function decideCampaignDelete(
  state: CampaignObject | undefined,
  command: { uuid: string; campaigns: readonly string[]; now: string },
): CampaignEvent[] {
  const campaign = requireLive(state, 'campaign', command.uuid);
  if (campaign.status !== campaignStatus.stop) {
    throw new CommandRefusal('invalid', `campaign ${campaign.uuid} has status ${campaign.status}; stop it (status 0) before deleting it`, 'status');
  }
  return [{ type: obEventTypes.campaignDeleted, data: { uuid: command.uuid, tm_delete: command.now, campaigns: command.campaigns } }];
}

/**
 * A referenced object was deleted with `force` (or a next campaign was deleted): the campaign stops pointing
 * at it. Records nothing when the campaign no longer points there (deleted, or changed meanwhile).
 */
export function decideCampaignClearReference(
  state: CampaignObject | undefined,
  command: { uuid: string; field: CampaignReference; ref_uuid: string; now: string },
): CampaignEvent[] {
  if (!isLive(state) || state[command.field] !== command.ref_uuid) return [];
  return [
    {
      type: obEventTypes.campaignReferenceCleared,
      data: { uuid: command.uuid, field: command.field, ref_uuid: command.ref_uuid, tm_update: command.now },
    },
  ];
}
