import { obEventTypes } from '../src/events/outbound.js';
import { isLive } from './lib/lifecycle.js';
import { defineResourceProjection, resourceReads, type Stored } from './lib/resource-projection.js';
import { evolveDestination, type DestinationObject } from './outbound/destination.js';

/** `/ob/destinations` (catalog 50-outbound §6.2, §7.3-7.4): one row per destination in use. */

export type ObDestinationsTable = Stored<DestinationObject, 'variables'>;

export const obDestinationsProjection = defineResourceProjection({
  name: 'ob_destinations',
  version: 1,
  events: [obEventTypes.destinationCreated, obEventTypes.destinationUpdated, obEventTypes.destinationDeleted],
  evolve: evolveDestination,
  json: ['variables'],
  live: isLive,
});

export const { list: listDestinations, get: getDestination } = resourceReads<DestinationObject, 'variables'>('ob_destinations', ['variables']);
