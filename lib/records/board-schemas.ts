import { isName } from '../shared/index.js';
import { MAX_PRIORITY, MIN_PRIORITY } from './task-schema.js';
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

/*
 * The board's smaller records: workstreams, agents, locks and cycles (tasks have their own file). One
 * module for the four, because each module costs the CLI about half a millisecond to load.
 */

const NAME_RULE = 'must be a name: letters, digits, . _ - (at most 64)';
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const ONE_LINE = /^[^\u0000-\u001f\u007f]+$/;
const ONE_LINE_RULE = 'must be one line without control characters';

export const WORKSTREAM_STATUSES = ['active', 'archived'] as const;
export type WorkstreamStatus = (typeof WORKSTREAM_STATUSES)[number];

/** A workstream, as stored in `state/workstreams/<name>.json`. */
export interface Workstream {
  v: 1;
  name: string;
  description: string;
  priority: number;
  status: WorkstreamStatus;
  createdAt: string;
  updatedAt: string;
}

/** What a valid workstream is; `validateWorkstream` applies it. */
export const workstreamSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    name: z.string().refine(isName, NAME_RULE),
    description: z.string(),
    priority: z.number().int().min(MIN_PRIORITY).max(MAX_PRIORITY),
    status: z.enum(WORKSTREAM_STATUSES),
    createdAt: stamp,
    updatedAt: stamp,
  }) satisfies RecordSchema<Workstream>;
});

/** A workstream read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateWorkstream(value: unknown, file: string): Workstream {
  return isPlainWorkstream(value) ? value : validateRecord(workstreamSchema(), value, file, 'workstream');
}

/** A registered agent, as stored in `state/agents/<id>.json`. */
export interface Agent {
  v: 1;
  id: string;
  role: string;
  capabilities: string[];
  registeredAt: string;
  lastSeen: string;
}

/** What a valid agent is; `validateAgent` applies it. */
export const agentSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    id: z.string().refine(isName, NAME_RULE),
    role: z.string().max(40).regex(ONE_LINE, ONE_LINE_RULE),
    capabilities: z.array(z.string().max(64).regex(ONE_LINE, ONE_LINE_RULE)),
    registeredAt: stamp,
    lastSeen: stamp,
  }) satisfies RecordSchema<Agent>;
});

/** An agent read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateAgent(value: unknown, file: string): Agent {
  return isPlainAgent(value) ? value : validateRecord(agentSchema(), value, file, 'agent');
}

/** A held resource lock, as stored in `state/locks/<slug>-<hash>.json`. */
export interface Lock {
  v: 1;
  resource: string;
  owner: string;
  /** How many times the owner acquired it without releasing (locks are re-entrant). */
  count: number;
  acquiredAt: string;
  expiresAt: string;
}

/** What a valid lock is; `validateLock` applies it. */
export const lockSchema = lazySchema((z) => {
  const stamp = stampOf(z);
  return z.object({
    v: z.literal(1),
    resource: z.string().max(200).regex(ONE_LINE, ONE_LINE_RULE),
    owner: z.string().refine(isName, NAME_RULE),
    count: z.number().int().min(1),
    acquiredAt: stamp,
    expiresAt: stamp,
  }) satisfies RecordSchema<Lock>;
});

/** A lock read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateLock(value: unknown, file: string): Lock {
  return isPlainLock(value) ? value : validateRecord(lockSchema(), value, file, 'lock');
}

/** A cycle: a round of planned work; results are collected per cycle. Stored in `state/cycles/`. */
export interface Cycle {
  v: 1;
  id: string;
  startedAt: string;
  startedBy: string;
  /**
   * Task → agent suggestions made when the cycle was planned; `waitsFor` says why a task was held back
   * (a resource shared with a more urgent task, or locked): the cycle never hands it out.
   */
  assignments: Array<{ task: string; agent: string | null; waitsFor?: string }>;
}

/** What a valid cycle is; `validateCycle` applies it. */
export const cycleSchema = lazySchema(
  (z) =>
    z.object({
      v: z.literal(1),
      id: z
        .string()
        .regex(/^c-[0-9a-z]{4,32}$/, 'must be a cycle id (c- and 4 to 32 lower-case letters or digits)'),
      startedAt: stampOf(z),
      startedBy: z.string(),
      assignments: z.array(
        z.object({ task: z.string(), agent: z.string().nullable(), waitsFor: z.string().optional() }),
      ),
    }) satisfies RecordSchema<Cycle>,
);

/** A cycle read from disk or a merge, or CORRUPT naming `file` and every problem by its field. */
export function validateCycle(value: unknown, file: string): Cycle {
  return validateRecord(cycleSchema(), value, file, 'cycle');
}

// Plain checks (see validate.ts): true only for what the schema above accepts, without loading zod.
const isNamed = (v: unknown) => typeof v === 'string' && isName(v);
const WORKSTREAM_STATUS_SET: ReadonlySet<unknown> = new Set(WORKSTREAM_STATUSES);

export function isPlainWorkstream(w: unknown): w is Workstream {
  return (
    isPlainObject(w) &&
    w.v === 1 &&
    isNamed(w.name) &&
    typeof w.description === 'string' &&
    isWholeIn(w.priority, MIN_PRIORITY, MAX_PRIORITY) &&
    WORKSTREAM_STATUS_SET.has(w.status) &&
    isIsoStamp(w.createdAt) &&
    isIsoStamp(w.updatedAt)
  );
}

export function isPlainAgent(a: unknown): a is Agent {
  return (
    isPlainObject(a) &&
    a.v === 1 &&
    isNamed(a.id) &&
    isStringOf(a.role, 40, ONE_LINE) &&
    isListOf(a.capabilities, (c) => isStringOf(c, 64, ONE_LINE)) &&
    isIsoStamp(a.registeredAt) &&
    isIsoStamp(a.lastSeen)
  );
}

export function isPlainLock(l: unknown): l is Lock {
  return (
    isPlainObject(l) &&
    l.v === 1 &&
    isStringOf(l.resource, 200, ONE_LINE) &&
    isNamed(l.owner) &&
    isWholeIn(l.count, 1, Number.POSITIVE_INFINITY) &&
    isIsoStamp(l.acquiredAt) &&
    isIsoStamp(l.expiresAt)
  );
}
