export * from './consolidation.js';
export * from './memory.js';
export * from './reflection.js';
