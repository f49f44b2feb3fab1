import {
  obEventTypes,
  type CampaignCreatedData,
  type CampaignFields,
  type CampaignReferenceClearedData,
  type CampaignStatusChangedData,
} from '../../src/events/outbound.js';
import { createObject, evolveLifecycle, type Lifecycle, type StoredEvent } from '../lib/lifecycle.js';

/** The catalog's campaign object (50-outbound §6.6). */
export type CampaignObject = Lifecycle & { readonly status: number } & CampaignFields;

/** Campaign status codes (catalog §2.5). */
export const campaignStatus = {
  stop: 0,
  start: 1,
  pause: 2,
  stopping: 10,
  starting: 11,
  pausing: 12,
  stoppingForcedly: 30,
} as const;

/** Defaults of `POST /ob/campaigns {}` (catalog §7.11 example). */
export const campaignDefaults: CampaignFields = {
  name: null,
  detail: null,
  plan: null,
  dlma: null,
  dest: null,
  variables: null,
  next_campaign: null,
  sc_mode: 0,
  sc_time_start: null,
  sc_time_end: null,
  sc_date_start: null,
  sc_date_end: null,
  sc_date_list: null,
  sc_date_list_except: null,
  sc_day_list: null,
  sc_timezone: null,
  node: null,
};

const types = { created: obEventTypes.campaignCreated, updated: obEventTypes.campaignUpdated, deleted: obEventTypes.campaignDeleted };

export function evolveCampaign(state: CampaignObject | undefined, event: StoredEvent): CampaignObject | undefined {
  const lifecycle = evolveLifecycle(state, event, types, (data) => {
    const { uuid, tm_create, ...fields } = data as CampaignCreatedData;
    const { uuid: _uuid, name, detail, ...rest } = createObject(uuid, campaignDefaults, fields, tm_create);
    // The catalog's field order: status right after detail; a new campaign is stopped.
    return { uuid, name, detail, status: campaignStatus.stop, ...rest };
  });
  if (lifecycle.handled || !state) return lifecycle.state;
  switch (event.type) {
    case obEventTypes.campaignStatusChanged: {
      const data = event.data as CampaignStatusChangedData;
      return { ...state, status: data.status, tm_update: data.tm_update };
    }
    case obEventTypes.campaignReferenceCleared: {
      const data = event.data as CampaignReferenceClearedData;
      return { ...state, [data.field]: null, tm_update: data.tm_update };
    }
    default:
      return state;
  }
}
