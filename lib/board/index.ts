export * from './agents.js';
export * from './claims.js';
export * from './cycles.js';
export * from './locks.js';
export * from './log.js';
export * from './status.js';
export * from './tasks.js';
export * from './workstreams.js';
