import { obEventTypes, type DestinationFields } from '../../src/events/outbound.js';
import { lifecycleEvolver, type Lifecycle, type StoredEvent } from '../lib/lifecycle.js';

/** The catalog's destination object (50-outbound §6.2). */
export type DestinationObject = Lifecycle & DestinationFields;

/** Destination type codes (catalog §2.3). */
export const destinationTypes = { extension: 0, application: 1 } as const;

/** Defaults of `POST /ob/destinations {}` (catalog §7.3 example). */
export const destinationDefaults: DestinationFields = {
  name: null,
  detail: null,
  type: destinationTypes.extension,
  application: null,
  data: null,
  context: null,
  exten: null,
  priority: null,
  variables: null,
};

const types = { created: obEventTypes.destinationCreated, updated: obEventTypes.destinationUpdated, deleted: obEventTypes.destinationDeleted };

export const evolveDestination: (state: DestinationObject | undefined, event: StoredEvent) => DestinationObject | undefined = lifecycleEvolver(types, destinationDefaults);
