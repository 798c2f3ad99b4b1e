export * from './remote-steps.js';
export * from './run-executor.js';
export * from './step-queue.js';
export * from './worker.js';
