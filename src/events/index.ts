export * from './event.js';
export * from './streams.js';
export * from './ami.js';
export * from './outbound.js';
export * from './projection.js';
export * from './errors.js';
export * from './config.js';
export * from './chat.js';
