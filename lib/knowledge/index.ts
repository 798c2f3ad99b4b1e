export * from './briefs.js';
export * from './knowledge.js';
export * from './knowledge-analysis.js';
export * from './knowledge-files.js';
export * from './knowledge-index.js';
export * from './knowledge-names.js';
export * from './knowledge-records.js';
export * from './knowledge-vectors.js';
