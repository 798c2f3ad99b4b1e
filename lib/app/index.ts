export * from './run-start.js';
