import { MAX_TEXT, TASK_ID, checkText, hasControlChars, invalidInput, quote } from '../shared/index.js';
import {
  type RecordSchema,
  isIsoStamp,
  isListOf,
  isPlainObject,
  isStringOf,
  isWholeIn,
  lazySchema,
  stampOf,
  validateRecord,
} from './validate.js';

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

/** A progress note on a task (`orc t note`): never edited, so merges take the union. */
export interface TaskNote {
  id: string;
  at: string;
  /** The agent (or actor) who wrote it. */
  by: string;
  text: string;
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
  /** Progress notes, oldest first; absent until the first one. */
  notes?: TaskNote[];
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
    ...(t.notes && t.notes.length > 0
      ? { notes: t.notes.map((n) => ({ id: n.id, at: n.at, by: n.by, text: n.text })) }
      : {}),
    ...(t.lost && t.lost.length > 0 ? { lost: t.lost } : {}),
  };
}

export function parsePriority(value: unknown): number {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_PRIORITY || n > MAX_PRIORITY) {
    throw invalidInput(
      `priority ${quote(value)} must be a whole number from ${MIN_PRIORITY} (most urgent) to ${MAX_PRIORITY}`,
      { field: 'priority' },
    );
  }
  return n;
}

export function checkTitle(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw invalidInput('title must not be empty', { field: 'title' });
  if (value.length > 200 || hasControlChars(value)) {
    throw invalidInput(`title ${quote(value)} must be one line of at most 200 characters`, {
      field: 'title',
    });
  }
  return value.trim();
}

export function checkDescription(value: unknown): string {
  if (value === undefined || value === null) return '';
  return checkText('description', value);
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,39}$/;

export function checkTags(values: readonly unknown[]): string[] {
  const tags: string[] = [];
  for (const value of values) {
    if (typeof value !== 'string' || !TAG.test(value)) {
      throw invalidInput(`tags: ${quote(value)} must be 1 to 40 letters, digits or . _ : / -`, {
        field: 'tags',
      });
    }
    if (!tags.includes(value)) tags.push(value);
  }
  return tags;
}

/*
 * What a merged branch or a hand edit may put in a task is held to the rules of what a person types:
 * names are names, ids are ids, one-line fields hold no line break or escape, texts no escape. Regular
 * expressions rather than refinements: zod runs them several times faster, and a rebuild of the task
 * cache checks every task.
 */
const NAME_PATTERN = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const NAME_MESSAGE = "must be a name: letters, digits, '.', '_' or '-' (at most 64)";
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const ONE_LINE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/; // a tab is allowed, as where it is typed
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const TEXT = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/;

/** What a valid task is; `validateTask` applies it. */
export const taskSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  const name = z.string().regex(NAME_PATTERN, NAME_MESSAGE);
  const line = (max: number) =>
    z.string().max(max).regex(ONE_LINE, 'must be one line without control characters');
  const text = z.string().max(MAX_TEXT).regex(TEXT, 'must hold no control characters');
  const claim = z.object({ agent: name, token: line(100), claimedAt: stamp, expiresAt: stamp });
  const lost = z.object({ agent: name, token: line(100), claimedAt: z.string(), lostTo: name });
  const note = z.object({ id: line(64), at: stamp, by: line(100), text });
  return z
    .object({
      v: z.literal(1),
      id: z.string().regex(TASK_ID, 'must be a task id (t- and 4 to 32 lower-case letters or digits)'),
      workstream: name,
      title: line(200),
      description: text,
      priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
      status: z.enum(TASK_STATUSES),
      tags: z.array(z.string().regex(TAG, 'must be a tag: 1 to 40 letters, digits or . _ : / -')),
      deps: z.array(z.string().regex(TASK_ID, 'must be a task id')),
      claim: claim.nullable(),
      attempts: z.number().int().min(0),
      result: text.nullable(),
      reason: text.nullable(),
      createdBy: line(100),
      createdAt: stamp,
      updatedAt: stamp,
      notes: z.array(note).optional(),
      lost: z.array(lost).optional(),
    })
    .superRefine((task, ctx) => {
      if ((task.status === 'claimed') !== (task.claim !== null)) {
        ctx.addIssue({
          code: 'custom',
          path: ['claim'],
          message: 'must be set exactly when the status is claimed',
        });
      }
    }) satisfies RecordSchema<Task>;
});

/** A task read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateTask(value: unknown, file: string): Task {
  return isPlainTask(value) ? value : validateRecord(taskSchema(), value, file, 'task');
}

const isTaskName = (v: unknown) => isStringOf(v, Number.POSITIVE_INFINITY, NAME_PATTERN);
const isLine = (v: unknown, max: number) => isStringOf(v, max, ONE_LINE);
const isText = (v: unknown) => isStringOf(v, MAX_TEXT, TEXT);
const isTaskId = (v: unknown) => isStringOf(v, Number.POSITIVE_INFINITY, TASK_ID);
const isTag = (v: unknown) => isStringOf(v, Number.POSITIVE_INFINITY, TAG);
const STATUS_SET: ReadonlySet<unknown> = new Set(TASK_STATUSES);

function isPlainClaim(c: unknown): boolean {
  return (
    isPlainObject(c) &&
    isTaskName(c.agent) &&
    isLine(c.token, 100) &&
    isIsoStamp(c.claimedAt) &&
    isIsoStamp(c.expiresAt)
  );
}

const isPlainNote = (n: unknown) =>
  isPlainObject(n) && isLine(n.id, 64) && isIsoStamp(n.at) && isLine(n.by, 100) && isText(n.text);

const isPlainLost = (l: unknown) =>
  isPlainObject(l) &&
  isTaskName(l.agent) &&
  isLine(l.token, 100) &&
  typeof l.claimedAt === 'string' &&
  isTaskName(l.lostTo);

/**
 * A task as orc writes it, recognised without zod (see validate.ts's plain checks): true only for
 * what taskSchema accepts; false sends the value to the schema.
 */
export function isPlainTask(value: unknown): value is Task {
  if (!isPlainObject(value)) return false;
  const t = value;
  return (
    t.v === 1 &&
    isTaskId(t.id) &&
    isTaskName(t.workstream) &&
    isLine(t.title, 200) &&
    isText(t.description) &&
    isWholeIn(t.priority, MIN_PRIORITY, MAX_PRIORITY) &&
    STATUS_SET.has(t.status) &&
    isListOf(t.tags, isTag) &&
    isListOf(t.deps, isTaskId) &&
    (t.claim === null ? t.status !== 'claimed' : t.status === 'claimed' && isPlainClaim(t.claim)) &&
    isWholeIn(t.attempts, 0, Number.POSITIVE_INFINITY) &&
    (t.result === null || isText(t.result)) &&
    (t.reason === null || isText(t.reason)) &&
    isLine(t.createdBy, 100) &&
    isIsoStamp(t.createdAt) &&
    isIsoStamp(t.updatedAt) &&
    (t.notes === undefined || isListOf(t.notes, isPlainNote)) &&
    (t.lost === undefined || isListOf(t.lost, isPlainLost))
  );
}
