import { resolve } from 'node:path';
import { createSyncFn } from 'synckit';
import type { OperationName } from '../operations/index.js';
import { OrcError } from '../shared/index.js';
import type { OpSpawnAnswer, OpSpawnCall } from './opspawn-worker.js';
import { renderStatusText } from './opspawn-status.js';

/*
 * The OpSpawn orchestrator's Node API, synchronous as it was, over orc's operations: each call runs
 * one operation in a worker thread (synckit) and blocks until it answers, so scripts written for
 * `require('@opspawn/orchestrator')` run unchanged with `require('orc-agents/opspawn')`. Values are orc's
 * records (ids like t-…, statuses open/claimed/done); failures throw OrcError with their code.
 */

// Started on the first call, not on import: a worker costs a thread and the operations' imports.
let callWorker: ((call: OpSpawnCall) => OpSpawnAnswer) | undefined;

function perform(call: OpSpawnCall): unknown {
  callWorker ??= createSyncFn<(call: OpSpawnCall) => Promise<OpSpawnAnswer>>(
    new URL('./opspawn-worker.js', import.meta.url),
  );
  const answer = callWorker(call);
  if (answer.ok) return answer.value;
  throw new OrcError(answer.code, answer.message, answer.details ? { details: answer.details } : undefined);
}

/** Options of the seed's `createWorkstream`. */
export interface OpSpawnWorkstreamOptions {
  description?: string;
  priority?: number;
}

/** Options of the seed's `addTask`. */
export interface OpSpawnTaskOptions {
  title: string;
  description?: string;
  priority?: number;
}

/** Who completes a task claimed elsewhere (see `completeTask`). */
export interface OpSpawnHolderOptions {
  agent?: string;
  token?: string;
  force?: boolean;
}

/** Filters of the seed's `getEvents`; `type` is orc's event type (or a prefix such as `task.`). */
export interface OpSpawnEventFilter {
  agent?: string;
  last?: number;
  type?: string;
  /** The seed's name for the type. */
  action?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: values are orc's records as JSON, typed by the caller.
type Json = any;

/** The seed's API bound to one workspace: `dir`, or the one found from the current folder per call. */
export interface OpSpawnOrchestrator {
  createWorkstream(name: string, options?: OpSpawnWorkstreamOptions): Json;
  listWorkstreams(): Json[];
  addTask(workstream: string, options: OpSpawnTaskOptions): Json;
  claimTask(workstream: string, id: string, agent: string): Json;
  completeTask(workstream: string, id: string, result?: string | null, holder?: OpSpawnHolderOptions): Json;
  acquireLock(resource: string, agent: string, ttlMs?: number): boolean;
  releaseLock(resource: string, agent: string): boolean;
  writeKnowledge(name: string, content: string, agent?: string): Json;
  readKnowledge(name: string): string | null;
  logEvent(agent: string, action: string, data?: Record<string, unknown>): Json;
  getEvents(filter?: OpSpawnEventFilter): Json[];
  statusText(): string;
}

/**
 * The seed's API over the workspace at `dir` (a folder, resolved now), or, without `dir`, over the
 * workspace found from the current folder at each call (ORC_DIR or ORCHESTRATOR_DIR, else the nearest `state/orc.json`
 * up), as the CLI finds it.
 */
export function open(dir?: string): OpSpawnOrchestrator {
  const root = dir === undefined ? undefined : resolve(dir);
  const run = (op: OperationName, input: Record<string, unknown>, actor?: string): Json =>
    perform({ op, input, dir: root, cwd: process.cwd(), actor });
  // The claims made through this object: completeTask proves the holder with their token, so the
  // seed's call, which names no agent, completes them without force (the holder is unambiguous).
  const claims = new Map<string, { agent: string; token: string }>();
  const taskIn = (workstream: string, id: string): Json => {
    const task = run('getTask', { id });
    if (task.workstream !== workstream)
      throw new OrcError('NOT_FOUND', `task ${id} is in workstream ${task.workstream}, not ${workstream}`, {
        details: { field: 'workstream' },
      });
    return task;
  };
  const isCode = (error: unknown, ...codes: string[]) =>
    error instanceof OrcError && codes.includes(error.code);
  // The seed lets any name claim; orc's claims need a registered agent, so a new one is registered as
  // a worker on its first claim (as `orc t next --register` does), and that is recorded as an event.
  const ensureAgent = (agent: string) => {
    try {
      run('getAgent', { id: agent });
    } catch (error) {
      if (!isCode(error, 'NOT_FOUND')) throw error;
      run('registerAgent', { id: agent, role: 'worker' }, agent);
    }
  };

  return {
    createWorkstream: (name, options = {}) =>
      run('createWorkstream', { name, description: options.description, priority: options.priority }),
    listWorkstreams: () => run('listWorkstreams', {}),
    addTask: (workstream, options) =>
      run('addTask', {
        workstream,
        title: options?.title,
        description: options?.description,
        priority: options?.priority,
      }),
    claimTask(workstream, id, agent) {
      const task = taskIn(workstream, id);
      ensureAgent(agent);
      const claimed = run('claimTask', { id: task.id, agent }, agent);
      claims.set(claimed.id, { agent, token: claimed.claim.token });
      return claimed;
    },
    completeTask(workstream, id, result, holder = {}) {
      const task = taskIn(workstream, id);
      const mine = claims.get(task.id);
      const named = holder.agent !== undefined || holder.token !== undefined || holder.force !== undefined;
      const who: OpSpawnHolderOptions = named ? holder : (mine ?? {});
      const done = run('completeTask', { id: task.id, result: result ?? undefined, ...who }, who.agent);
      claims.delete(task.id);
      return done;
    },
    acquireLock(resource, agent, ttlMs) {
      try {
        run('acquireLock', { resource, agent, ttl: ttlMs === undefined ? undefined : `${ttlMs}ms` }, agent);
        return true;
      } catch (error) {
        if (isCode(error, 'CONFLICT')) return false;
        throw error;
      }
    },
    releaseLock(resource, agent) {
      try {
        run('releaseLock', { resource, agent }, agent);
        return true;
      } catch (error) {
        // The seed answers false when the lock is not held, or held by someone else.
        if (isCode(error, 'CONFLICT', 'NOT_FOUND')) return false;
        throw error;
      }
    },
    writeKnowledge: (name, content, agent) => run('writeKnowledge', { name, content }, agent),
    readKnowledge(name) {
      try {
        return run('readKnowledge', { name }).body;
      } catch (error) {
        if (isCode(error, 'NOT_FOUND')) return null;
        throw error;
      }
    },
    logEvent: (agent, action, data) => run('logEvent', { type: action, data }, agent),
    getEvents: (filter = {}) =>
      run('listEvents', { actor: filter.agent, last: filter.last, type: filter.type ?? filter.action })
        .events,
    statusText: () => renderStatusText(run('getStatus', {})),
  };
}
