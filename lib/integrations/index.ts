export * from './hook-input.js';
export * from './identity.js';
export * from './json-settings.js';
export * from './lock-hook.js';
export * from './lock-match.js';
export * from './setup.js';
export * from './text-block.js';
export * from './tools.js';
