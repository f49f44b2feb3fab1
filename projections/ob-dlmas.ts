import { obEventTypes } from '../src/events/outbound.js';
import { isLive } from './lib/lifecycle.js';
import { defineResourceProjection, resourceReads, type Stored } from './lib/resource-projection.js';
import { evolveDlma, type DlmaObject } from './outbound/dlma.js';

/** `/ob/dlmas` (catalog 50-outbound §6.3, §7.5-7.6): one row per dial list master in use. */

export type ObDlmasTable = Stored<DlmaObject, 'variables'>;

export const obDlmasProjection = defineResourceProjection({
  name: 'ob_dlmas',
  version: 1,
  events: [obEventTypes.dlmaCreated, obEventTypes.dlmaUpdated, obEventTypes.dlmaDeleted],
  evolve: evolveDlma,
  json: ['variables'],
  live: isLive,
});

export const { list: listDlmas, get: getDlma } = resourceReads<DlmaObject, 'variables'>('ob_dlmas', ['variables']);
