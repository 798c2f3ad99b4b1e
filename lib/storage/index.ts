export * from './event-log-health.js';
export * from './events.js';
export * from './files.js';
export * from './json-file.js';
export * from './mutation.js';
export * from './task-index.js';
export * from './workspace-lock.js';
export * from './workspace.js';
