/**
 * History's services: pages of the log and its wire shape, following the log, point-in-time scratch
 * read models. Routes over them are built in src/main.ts; the log they read
 * is the log port (src/eventstore/log-port.ts), whose adapter main.ts picks.
 */
export { followLog } from './follow.js';
export { queryLog, scanBudget, toWireEvent, type LogPage, type LogQuery, type WireEvent } from './log.js';
export { ScratchBusyError, ScratchReadModels } from './scratch.js';
export { openPointInTime, type PointInTimeSettings } from './point-in-time-store.js';
export { ReadModelSnapshots, schemaFingerprint, snapshotDir, type Snapshot } from './snapshots.js';
