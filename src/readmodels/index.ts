/** Read models: the projection runner, its database and change feed. Projections live in `projections/`. */
export { ChangeFeed, type ChangeBatch, type ChangeFeedEvents } from './change-feed.js';
export { openReadModelDb, readModelDbPath, type Database, type ReadModelDb } from './database.js';
export { ReadModelTimeoutError, RebuildInProgressError, RunnerStoppedError, UnknownProjectionError } from './errors.js';
export { eventTime } from '../../projections/lib/event-time.js';
export { MemoryProjection } from '../../projections/lib/memory-state.js';
export type { AppliedChange, ChangeOp, ProjectionDefinition, ProjectionState, RowChange } from '../../projections/lib/projection.js';
export { defaultProjections, type ProjectionName, type ReadModelChange } from '../../projections/index.js';
export {
  createProjectionRunner,
  type ProjectionRunner,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
  type RunnerOptions,
  type RunnerState,
  type RunnerStatus,
} from './runner.js';
