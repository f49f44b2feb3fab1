import { hostname } from 'node:os';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { FenceableEventStore } from '../eventstore/port.js';
import { createProjectionRunner } from '../readmodels/index.js';
import { openSharedReadModels } from '../readmodels/postgres-database.js';
import { createLeadership } from './index.js';

export interface SharedRebuildOptions {
  readonly projection?: string;
  readonly progress?: { update(done: number, total: number): void; finish(): void };
}

/**
 * `jade rebuild` on PostgreSQL: the shared read models are written by the leader only, so the rebuild takes
 * the leadership first (refusing when a running node holds it: that node rebuilds in place, `--server`),
 * then replays into the working copy and writes the swap to PostgreSQL, fenced like any leader's writes.
 * While it runs, nodes that start follow it (reads served, commands 503 until it gives the lead up).
 */
export async function rebuildShared(config: Config, logger: Logger, openStore: () => Promise<FenceableEventStore>, options: SharedRebuildOptions): Promise<number> {
  const url = config.eventstore.postgresUrl;
  const leadership = createLeadership(config, { node: () => `jade-rebuild@${hostname()}:${process.pid}`, url: () => '' }, logger);
  await leadership.start();
  const epoch = leadership.lease();
  if (epoch === undefined) {
    await leadership.stop();
    const leader = leadership.view().leader?.node ?? 'another process';
    process.stderr.write(`jade rebuild: ${leader} leads the jade nodes on this database and writes its read models; ask it: jade rebuild --server\n`);
    return 1;
  }
  const closers: Array<() => Promise<void>> = [() => leadership.stop()];
  try {
    const store = await openStore();
    closers.push(() => store.close());
    const shared = await openSharedReadModels(url, logger);
    closers.push(() => shared.readModels.close());
    const runner = shared.follow(createProjectionRunner({ store: store.fenced(leadership.lease), readModels: shared.readModels, logger }), { following: true });
    closers.push(() => runner.stop());
    const started = Date.now();
    // Up to the head first, so the rebuild's swap is written over tables that hold everything before it.
    await runner.catchUp();
    await runner.lead(epoch, () => store.headPosition());
    const result = await runner.rebuild(options.projection === undefined ? undefined : [options.projection], { onProgress: (p) => options.progress?.update(p.position, p.target) });
    options.progress?.finish();
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`rebuilt ${result.projections.join(', ')} to position ${result.position} in PostgreSQL: ${result.events} events in ${seconds.toFixed(1)} s\n`);
    return 0;
  } finally {
    for (const close of closers.reverse()) await close();
  }
}
