export * from './run-start.js';
export * as libraryReads from './library-reads.js';
