export * from './git.js';
export * from './merge-files.js';
export * from './unmerged.js';
