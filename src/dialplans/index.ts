export { DialplanRunner, dialplanActor, type DialplanRunnerOptions } from './runner.js';
export type { DpmaScript, LoadScript } from './script.js';
export { dialplanRunEventTypes } from './events.js';
