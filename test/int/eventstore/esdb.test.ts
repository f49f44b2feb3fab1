import { NO_STREAM, UnavailableError, WrongExpectedVersionError } from '@eventstore/db-client';
import { expect } from 'chai';
import { EsdbEventStore, mapEsdbError } from '../../../src/eventstore/esdb/esdb-event-store.js';
import { ConcurrencyError, EventStoreUnavailableError } from '../../../src/eventstore/port.js';
import { eventStoreContract } from './contract.js';

const url = process.env.JADE_ESDB_URL ?? '';

describe('esdb adapter', function () {
  this.timeout(30000);

  describe('without a server', function () {
    it('maps a wrong expected version to ConcurrencyError with stream, expected and actual', function () {
      const existing = new WrongExpectedVersionError(undefined, { streamName: 'call-1', expected: NO_STREAM, current: 4n });
      expect(mapEsdbError(existing, { stream: 'call-1', expected: 'no_stream' })).to.be.instanceOf(ConcurrencyError).and.include({
        stream: 'call-1',
        expected: 'no_stream',
        actual: 4,
      });
      const missing = new WrongExpectedVersionError(undefined, { streamName: 'call-1', expected: 2n, current: NO_STREAM });
      expect(mapEsdbError(missing, { stream: 'call-1', expected: 2 })).to.include({ actual: 'no_stream' });
    });

    it('maps the client unavailable error to EventStoreUnavailableError', function () {
      expect(mapEsdbError(new UnavailableError())).to.be.instanceOf(EventStoreUnavailableError);
    });

    it('reports an unreachable server as EventStoreUnavailableError on append, read and subscribe', async function () {
      // Port 1 on loopback: nothing listens, so the connection is refused at once.
      const store = new EsdbEventStore({ connectionString: 'esdb://127.0.0.1:1?tls=false' });
      try {
        const failures = await Promise.allSettled([
          store.append('call-1', [{ type: 'A', data: {}, metadata: {} }]),
          store.readStream('call-1'),
          store.readAll({ maxCount: 1 }),
          store.headPosition(),
        ]);
        for (const failure of failures) {
          expect(failure.status).to.equal('rejected');
          expect((failure as PromiseRejectedResult).reason).to.be.instanceOf(EventStoreUnavailableError);
        }
        const error = await new Promise<Error>((resolve) => {
          store.subscribeToAll({ afterPosition: 0, onEvents: () => {}, onError: resolve });
        });
        expect(error).to.be.instanceOf(EventStoreUnavailableError);
      } finally {
        await store.close();
      }
    });
  });

  describe('against a server', function () {
    before(function () {
      if (url === '') {
        // There is no EventStoreDB server in the npm registry or in Debian, so CI cannot start one.
        console.log('esdb contract skipped: JADE_ESDB_URL is unset (no EventStoreDB server is available from npm or Debian)');
        this.skip();
      }
    });

    // Positions are the server's commit positions (byte offsets), and the server is shared between runs.
    eventStoreContract('esdb', async () => new EsdbEventStore({ connectionString: url }), { gapFreePositions: false, emptyOnOpen: false });
  });
});
