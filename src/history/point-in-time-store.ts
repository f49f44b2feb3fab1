import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../logger.js';
import type { ChangeFeed } from '../readmodels/change-feed.js';
import type { RebuildProgress, RebuildResult, RunnerStatus } from '../readmodels/runner.js';
import { ScratchReadModels } from './scratch.js';
import { ReadModelSnapshots, snapshotDir } from './snapshots.js';

export interface PointInTimeSettings {
  readonly maxScratchBuilds: number;
  readonly maxQueuedScratchBuilds: number;
  /** 0: no snapshots (every `at=` read replays from the nearest cached build or from 0). */
  readonly snapshotEveryEvents: number;
  readonly snapshotRetain: number;
}

export interface PointInTimeParts {
  readonly store: EventStore;
  /** The data dir; undefined for the memory event store (no snapshots, `:memory:` scratch databases). */
  readonly dataDir: string | undefined;
  /** The live read-model connection (snapshots copy it) and its change feed (which says when). */
  readonly live: BetterSqlite3.Database;
  readonly changes: Pick<ChangeFeed<unknown>, 'on'>;
  readonly settings: PointInTimeSettings;
  readonly logger: Logger;
}

interface Rebuilder {
  rebuild(names?: readonly string[], options?: { onProgress?: (progress: RebuildProgress) => void }): Promise<RebuildResult>;
  status(): RunnerStatus;
}

/**
 * Point-in-time reads for one server: the scratch builds, and the live read models' snapshots they start
 * from (taken every `snapshotEveryEvents` as the change feed reports positions). `close` detaches and closes.
 */
export function openPointInTime(parts: PointInTimeParts) {
  const { settings, dataDir, logger } = parts;
  const snapshots =
    // A snapshot copies the live file from a connection of its own: an in-memory working copy (PostgreSQL's) has none.
    dataDir !== undefined && settings.snapshotEveryEvents > 0 && !parts.live.memory
      ? new ReadModelSnapshots({ dir: snapshotDir(dataDir), everyEvents: settings.snapshotEveryEvents, retain: settings.snapshotRetain, logger })
      : undefined;
  const scratch = new ScratchReadModels({
    store: parts.store,
    maxBuilds: settings.maxScratchBuilds,
    maxQueued: settings.maxQueuedScratchBuilds,
    ...(snapshots ? { snapshots } : {}),
    ...(dataDir !== undefined ? { workDir: join(dataDir, 'scratch') } : {}),
    logger,
  });
  const detach = snapshots ? parts.changes.on('position', (position) => snapshots.onPosition(parts.live, position)) : () => undefined;
  return {
    scratch,
    snapshots,
    /** A rebuild replaced the tables: snapshots of the old ones are dropped (new ones follow as the log grows). */
    dropSnapshotsAfterRebuild<R extends Rebuilder>(runner: R): Rebuilder {
      return {
        rebuild: async (names, options) => {
          const result = await runner.rebuild(names, options);
          await snapshots?.dropAll();
          return result;
        },
        status: () => runner.status(),
      };
    },
    async close(): Promise<void> {
      detach();
      await snapshots?.idle();
      await scratch.close();
    },
  };
}
