import { obEventTypes, type DlmaCreatedData, type DlmaFields } from '../../src/events/outbound.js';
import { createObject, evolveLifecycle, type Lifecycle, type StoredEvent } from '../lib/lifecycle.js';

/** The catalog's dlma object (50-outbound §6.3). */
export type DlmaObject = Lifecycle & DlmaFields & { readonly dl_table: string };

export const dlmaDefaults: DlmaFields = { name: null, detail: null, variables: null };

/**
 * `dl_table` is the uuid with `-` replaced by `_` (catalog §1.1). jade keeps every entry in one table
 * (`ob_dls`, by `dlma_uuid`); the name is reported because clients know it from the manual.
 */
export const dlTableName = (uuid: string): string => uuid.replace(/-/g, '_');

const types = { created: obEventTypes.dlmaCreated, updated: obEventTypes.dlmaUpdated, deleted: obEventTypes.dlmaDeleted };

export function evolveDlma(state: DlmaObject | undefined, event: StoredEvent): DlmaObject | undefined {
  return evolveLifecycle(state, event, types, (data) => {
    const { uuid, tm_create, ...fields } = data as DlmaCreatedData;
    const object = createObject(uuid, dlmaDefaults, fields, tm_create);
    // The catalog's field order: dl_table between detail and variables.
    return {
      uuid,
      name: object.name,
      detail: object.detail,
      dl_table: dlTableName(uuid),
      variables: object.variables,
      in_use: object.in_use,
      tm_create: object.tm_create,
      tm_update: object.tm_update,
      tm_delete: object.tm_delete,
    };
  }).state;
}
