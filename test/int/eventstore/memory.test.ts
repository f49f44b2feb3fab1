import { MemoryEventStore } from '../../../src/eventstore/memory/memory-event-store.js';
import { StoreLogSource } from '../../../src/eventstore/store-log-source.js';
import { eventStoreContract } from './contract.js';
import { logSourceContract } from './log-source-contract.js';

eventStoreContract('memory', async () => new MemoryEventStore(), { gapFreePositions: true, emptyOnOpen: true });

// The store-backed log source (also EventStoreDB's), over the memory store.
logSourceContract('the store-backed log over the memory store', async () => {
  const writer = new MemoryEventStore();
  const source = new StoreLogSource(writer);
  return {
    writer,
    source,
    close: async () => {
      source.close();
      await writer.close();
    },
  };
});
