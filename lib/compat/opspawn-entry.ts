import { open } from './opspawn.js';

/*
 * The package entry `orc/opspawn`: the OpSpawn orchestrator's API, bound to the workspace found from
 * the current folder (as the CLI finds it), plus `open(dir)` for any other. Both `require` and `import`
 * load it (Node 20.19+ requires ES modules).
 */

const current = open();

export { open };
export type * from './opspawn.js';
export const {
  createWorkstream,
  listWorkstreams,
  addTask,
  claimTask,
  completeTask,
  acquireLock,
  releaseLock,
  writeKnowledge,
  readKnowledge,
  logEvent,
  getEvents,
  statusText,
} = current;
export default { ...current, open };
