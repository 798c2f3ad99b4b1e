export * from './opspawn.js';
export * from './opspawn-status.js';
