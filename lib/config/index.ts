export * from './config.js';
export * from './config-interpolation.js';
export * from './config-types.js';
export * from './config-values.js';
export * from './knowledge-settings.js';
export * from './orchestrator-config.js';
export * from './orchestrator-flows.js';
export * from './redis-settings.js';
