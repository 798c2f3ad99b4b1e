export * from './opspawn.js';
export * from './opspawn-status.js';
export * from './opspawn-convert.js';
export * from './opspawn-import.js';
export * from './opspawn-source.js';
