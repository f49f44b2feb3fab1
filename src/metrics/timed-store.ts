import type { EventStore } from '../eventstore/port.js';

/**
 * The event store with its appends timed (`jade_eventstore_append_duration_seconds`): a decorator at the
 * composition root, so no store adapter knows about metrics. Failed appends are timed too (until they failed).
 * The store's own promise is handed back (no async wrapper): at full AMI ingest there is one append per event,
 * and an extra promise and two bigint clock reads per append were a visible share of the ingest path.
 */
export function timedAppends(store: EventStore, observe: (seconds: number) => void): EventStore {
  return {
    append(stream, events, expectedRevision) {
      const started = performance.now();
      const done = (): void => observe((performance.now() - started) / 1000);
      const appended = store.append(stream, events, expectedRevision);
      appended.then(done, done);
      return appended;
    },
    readStream: (stream, options) => store.readStream(stream, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    close: () => store.close(),
  };
}
