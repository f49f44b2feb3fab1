import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { eventStoreContract } from './contract.js';

eventStoreContract('memory', async () => new MemoryEventStore(), { gapFreePositions: true, emptyOnOpen: true });
