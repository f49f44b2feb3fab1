/** The outbound dialer (issue 6 items 2-4): the engine, and the pure parts it is made of. */
export { Dialer, dialerActor, type DialerOptions, type DialerReadModels } from './engine.js';
export { hangupDialing, hangupDialingChannel } from './hangup.js';
export { ResultFile, resultRecord } from './result-file.js';
export { campaignStep, stepReasons, type CampaignStep, type CampaignView } from './campaign-step.js';
export { dialsAllowed, capacitySource, availableMembers } from './pacing.js';
export { isInWindow, hasFutureWindow, localTime, windowOpenedAt } from './schedule.js';
export { resDialDetail, resHangupText } from './codes.js';
export { buildDialing, evolveDialing, originateAction, dialString, mergeVariables } from './dialing.js';
export { observe, outcome, progress, isComplete, emptyObservation } from './observe.js';
