export * from './compare.js';
export * from './durations.js';
export * from './errors.js';
export * from './front-matter.js';
export * from './ids.js';
export * from './names.js';
export * from './sleep.js';
export * from './text-analysis.js';
