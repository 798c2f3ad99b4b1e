import { OrcError, invalidInput, quote } from '../shared/index.js';
import { hasControlChars } from '../shared/index.js';

/** Task statuses; a claimed task is held under a lease. */
export const TASK_STATUSES = ['open', 'claimed', 'done', 'failed', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A lease on a task: renewed by heartbeats, void after `expiresAt`. */
export interface Claim {
  agent: string;
  token: string;
  claimedAt: string;
  expiresAt: string;
}

/** A claim that lost a git merge to another: kept so that its agent is told on its next command. */
export interface LostClaim {
  agent: string;
  token: string;
  claimedAt: string;
  /** The agent holding the task after the merge, or the status it reached. */
  lostTo: string;
}

/** One task, as stored in `state/tasks/<id>.json` (keys in this order). */
export interface Task {
  v: 1;
  id: string;
  workstream: string;
  title: string;
  description: string;
  priority: number;
  status: TaskStatus;
  tags: string[];
  deps: string[];
  claim: Claim | null;
  attempts: number;
  result: string | null;
  reason: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Present only after a merge overrode a claim (see `orc a heartbeat`). */
  lost?: LostClaim[];
}

export const MIN_PRIORITY = 0;
export const MAX_PRIORITY = 9;
export const DEFAULT_PRIORITY = 3;

/** Rebuilds a task with the stored key order, so every write of a task diffs minimally. */
export function orderTask(t: Task): Task {
  return {
    v: 1,
    id: t.id,
    workstream: t.workstream,
    title: t.title,
    description: t.description,
    priority: t.priority,
    status: t.status,
    tags: t.tags,
    deps: t.deps,
    claim: t.claim
      ? {
          agent: t.claim.agent,
          token: t.claim.token,
          claimedAt: t.claim.claimedAt,
          expiresAt: t.claim.expiresAt,
        }
      : null,
    attempts: t.attempts,
    result: t.result,
    reason: t.reason,
    createdBy: t.createdBy,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    ...(t.lost && t.lost.length > 0 ? { lost: t.lost } : {}),
  };
}

export function parsePriority(value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_PRIORITY || n > MAX_PRIORITY) {
    throw invalidInput(
      `priority ${quote(value)} must be a whole number from ${MIN_PRIORITY} (most urgent) to ${MAX_PRIORITY}`,
    );
  }
  return n;
}

export function checkTitle(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalidInput('a task needs a non-empty title');
  if (value.length > 200 || hasControlChars(value)) {
    throw invalidInput(`title ${quote(value)} must be one line of at most 200 characters`);
  }
  return value.trim();
}

export function checkDescription(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || value.length > 20_000 || hasControlChars(value, true)) {
    throw invalidInput('a description must be text of at most 20,000 characters');
  }
  return value;
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$/;

export function checkTags(values: readonly unknown[]): string[] {
  const tags: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string' || !TAG.test(value)) {
      throw invalidInput(`tag ${quote(value)} must be 1 to 40 letters, digits or . _ : / -`);
    }
    if (!tags.includes(value)) tags.push(value);
  }
  return tags;
}

const isString = (v: unknown) => typeof v === 'string';
const isStamp = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** Validates a task read from disk, collecting every problem with its field, and migrates old shapes. */
export function checkTask(value: unknown, label: string): Task {
  const problems: string[] = [];
  const t = value as Record<string, unknown>;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) {
    throw new OrcError('CORRUPT', `${label} is not a task: expected a JSON object`, {
      details: { file: label },
    });
  }
  const need = (field: string, ok: boolean, what: string) => {
    if (!ok) problems.push(`${field} ${what}`);
  };
  need('v', t.v === 1, 'must be 1');
  need('id', typeof t.id === 'string' && /^t-[0-9a-z]{4,32}$/.test(t.id), 'must be a task id');
  need('workstream', isString(t.workstream), 'must be a string');
  need('title', isString(t.title), 'must be a string');
  need('description', isString(t.description), 'must be a string');
  need('priority', Number.isInteger(t.priority), 'must be a whole number');
  need(
    'status',
    TASK_STATUSES.includes(t.status as TaskStatus),
    `must be one of ${TASK_STATUSES.join(', ')}`,
  );
  need('tags', Array.isArray(t.tags) && t.tags.every(isString), 'must be a list of strings');
  need('deps', Array.isArray(t.deps) && t.deps.every(isString), 'must be a list of task ids');
  const claim = t.claim as Record<string, unknown> | null;
  need(
    'claim',
    claim === null ||
      (typeof claim === 'object' &&
        isString(claim.agent) &&
        isString(claim.token) &&
        isStamp(claim.claimedAt) &&
        isStamp(claim.expiresAt)),
    'must be null or {agent, token, claimedAt, expiresAt}',
  );
  need(
    'claim',
    (t.status === 'claimed') === (claim !== null),
    'must be set exactly when the status is claimed',
  );
  need('attempts', Number.isInteger(t.attempts), 'must be a whole number');
  need('result', t.result === null || isString(t.result), 'must be null or a string');
  need('reason', t.reason === null || isString(t.reason), 'must be null or a string');
  need('createdBy', isString(t.createdBy), 'must be a string');
  need('createdAt', isStamp(t.createdAt), 'must be a timestamp');
  need('updatedAt', isStamp(t.updatedAt), 'must be a timestamp');
  need(
    'lost',
    t.lost === undefined ||
      (Array.isArray(t.lost) &&
        t.lost.every((l) => isString(l?.agent) && isString(l?.token) && isString(l?.lostTo))),
    'must be a list of {agent, token, claimedAt, lostTo}',
  );
  if (problems.length > 0) {
    throw new OrcError('CORRUPT', `${label} is not a valid task: ${problems.join('; ')}`, {
      details: { file: label, problems },
    });
  }
  return t as unknown as Task;
}
