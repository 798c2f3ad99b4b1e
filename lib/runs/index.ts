export * from './planner.js';
export * from './policies.js';
export * from './run-board.js';
export * from './run-decisions.js';
export * from './run-lease.js';
export * from './runs.js';
export * from './step-agents.js';
export * from './step-brief.js';
