import type { EventStore } from '../eventstore/port.js';

/**
 * The event store with its appends timed (`jade_eventstore_append_duration_seconds`): a decorator at the
 * composition root, so no store adapter knows about metrics. Failed appends are timed too (until they failed).
 */
export function timedAppends(store: EventStore, observe: (seconds: number) => void): EventStore {
  return {
    async append(stream, events, expectedRevision) {
      const started = process.hrtime.bigint();
      try {
        return await store.append(stream, events, expectedRevision);
      } finally {
        observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
