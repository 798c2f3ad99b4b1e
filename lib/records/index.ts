export * from './board-schemas.js';
export * from './merge.js';
export * from './policy-schema.js';
export * from './run-schema.js';
export * from './task-schema.js';
export * from './validate.js';
export * from './run-file-schema.js';
