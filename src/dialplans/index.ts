export { DialplanRunner, dialplanActor, type DialplanRunnerOptions } from './runner.js';
export { recoverDialplanRuns, type RecoveredRuns } from './recover.js';
export type { DpmaScript, LoadScript } from './script.js';
export { dialplanRunEventTypes } from './events.js';
