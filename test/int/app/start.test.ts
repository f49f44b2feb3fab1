import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { silentLogger } from '../../../src/logger.js';
import { startJade } from '../../../src/main.js';
import { SqliteEventStore } from '../../../src/eventstore/index.js';
import { sandboxConfig } from '../../support/jade.js';

describe('starting jade', function () {
  this.timeout(20_000);
  const dataDir = mkdtempSync(join(tmpdir(), 'jade-start-'));
  let blocker: Server;
  let port: number;

  before(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    port = (blocker.address() as { port: number }).port;
  });

  after(() => {
    blocker.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('undoes what it started when the HTTP port is taken: the data dir is free again and a retry starts', async () => {
    const config = sandboxConfig(undefined, dataDir, { http: { host: '127.0.0.1', port } });
    const failure = await startJade(config, silentLogger(), { print: () => undefined }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect((failure as NodeJS.ErrnoException | undefined)?.code).to.equal('EADDRINUSE');
    expect(SqliteEventStore.isLocked(dataDir), 'the store lock was released').to.equal(false);

    const retry = await startJade(sandboxConfig(undefined, dataDir), silentLogger(), { print: () => undefined });
    try {
      expect(retry.port).to.be.greaterThan(0);
      expect(SqliteEventStore.isLocked(dataDir)).to.equal(true);
    } finally {
      await retry.stop();
    }
    expect(SqliteEventStore.isLocked(dataDir), 'stop released it').to.equal(false);
  });
});
