import { obEventTypes, type PlanFields } from '../../src/events/outbound.js';
import { lifecycleEvolver, type Lifecycle, type StoredEvent } from '../lib/lifecycle.js';

/** The catalog's plan object (50-outbound §6.1). */
export type PlanObject = Lifecycle & PlanFields;

/** Defaults of `POST /ob/plans {}` (catalog §6.1 and the tutorial's A.1). */
export const planDefaults: PlanFields = {
  name: null,
  detail: null,
  tech_name: 'SIP',
  trunk_name: null,
  dial_mode: 0,
  dial_timeout: 30_000,
  dl_end_handle: 1,
  retry_delay: 60,
  caller_id: null,
  service_level: 0,
  early_media: null,
  codecs: null,
  variables: null,
  max_retry_cnt_1: 5,
  max_retry_cnt_2: 5,
  max_retry_cnt_3: 5,
  max_retry_cnt_4: 5,
  max_retry_cnt_5: 5,
  max_retry_cnt_6: 5,
  max_retry_cnt_7: 5,
  max_retry_cnt_8: 5,
};

const types = { created: obEventTypes.planCreated, updated: obEventTypes.planUpdated, deleted: obEventTypes.planDeleted };

export const evolvePlan: (state: PlanObject | undefined, event: StoredEvent) => PlanObject | undefined = lifecycleEvolver(types, planDefaults);
