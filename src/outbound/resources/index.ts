/** The outbound resources (catalog 50-outbound §6-7): object shapes, evolvers and pure deciders. */
export * from './common.js';
export * from './plan.js';
export * from './destination.js';
export * from './dlma.js';
export * from './dl.js';
export * from './campaign.js';
export * from './selection.js';
export * from './dialing.js';
