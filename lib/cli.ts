/**
 * The CLI's entry into the library: `bin/` imports nothing else of `lib/`, and gets values only
 * through these loaders, so a command loads the subsystems it uses and no others (each module costs
 * about half a millisecond to load, and agents call the CLI hundreds of times a session).
 */
export type * from './shared/index.js';
export type * from './records/index.js';
export type * from './storage/index.js';
export type * from './config/index.js';
export type * from './llm/index.js';
export type * from './board/index.js';
export type * from './knowledge/index.js';
export type * from './runs/index.js';
export type * from './memory/index.js';
export type * from './execution/index.js';
export type * from './git/index.js';
export type * from './doctor/index.js';
export type * from './integrations/index.js';
export type * from './interfaces/index.js';
export type * from './app/index.js';
export type * from './operations/index.js';
export type * from './compat/index.js';

/** Loaders of each layer's public surface, in the layer order. */
export const subsystems = {
  shared: () => import('./shared/index.js'),
  records: () => import('./records/index.js'),
  storage: () => import('./storage/index.js'),
  config: () => import('./config/index.js'),
  llm: () => import('./llm/index.js'),
  board: () => import('./board/index.js'),
  knowledge: () => import('./knowledge/index.js'),
  runs: () => import('./runs/index.js'),
  memory: () => import('./memory/index.js'),
  execution: () => import('./execution/index.js'),
  git: () => import('./git/index.js'),
  doctor: () => import('./doctor/index.js'),
  integrations: () => import('./integrations/index.js'),
  app: () => import('./app/index.js'),
  operations: () => import('./operations/index.js'),
  compat: () => import('./compat/index.js'),
  interfaces: () => import('./interfaces/index.js'),
};
