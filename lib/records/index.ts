export * from './merge.js';
export * from './run-schema.js';
export * from './task-schema.js';
