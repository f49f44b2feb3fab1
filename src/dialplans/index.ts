export { DialplanRunner, dialplanActor, recoverDialplanRuns, type DialplanRunnerOptions, type RecoveredRuns } from './runner.js';
export type { DpmaScript, LoadScript } from './script.js';
export { dialplanRunEventTypes } from './events.js';
