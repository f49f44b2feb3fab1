/** Read models: the projection runner, its database and change feed. Projections live in `projections/`. */
export { ChangeFeed, type ChangeBatch, type ChangeFeedEvents } from './change-feed.js';
export { openReadModelDb, readModelDbPath, type Database, type ReadModelDb } from './database.js';
export { ProjectionError, ReadModelTimeoutError, RebuildInProgressError, RunnerStoppedError, UnknownProjectionError } from './errors.js';
export { eventTime } from './event-time.js';
export { MemoryProjection } from './memory-state.js';
export type { AppliedChange, ChangeOp, ProjectionDefinition, ProjectionState, RowChange } from './projection.js';
export { defaultProjections, type ProjectionName, type ReadModelChange } from './registry.js';
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
