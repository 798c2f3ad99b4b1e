import { createHash, randomBytes } from 'node:crypto';
import {
  type Agent,
  type Lock,
  type Task,
  type Workstream,
  checkDescription,
  checkTitle,
  parsePriority,
  validateAgent,
  validateLock,
  validateTask,
  validateWorkstream,
} from '../records/index.js';
import {
  MAX_SUBJECT,
  MAX_TEXT,
  OrcError,
  checkActor,
  checkLine,
  checkName,
  checkResource,
  checkText,
  hasControlChars,
  quote,
} from '../shared/index.js';
import { type OrcEvent, parseEventLines } from '../storage/index.js';
import type { OpSpawnSource } from './opspawn-source.js';

/*
 * The pure core of `orc import`: an OpSpawn folder's contents to orc records, each field held to the
 * rules of typed input. An entry that breaks one is skipped with the reason, never written; the rest
 * go on. Ids are kept recognisable and stable (OpSpawn task 299833bc becomes t-299833bc, an event line
 * gets an id hashed from its text), so a second import finds what the first wrote and skips it.
 */

export const IMPORT_KINDS = ['workstream', 'task', 'agent', 'lock', 'event', 'knowledge'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** An entry left out, and why (`id` is its name, id or line as the OpSpawn folder has it). */
export interface ImportSkip {
  kind: ImportKind;
  id: string;
  reason: string;
}

/** What an OpSpawn folder becomes in orc, before it is checked against the workspace. */
export interface ImportPlan {
  workstreams: Workstream[];
  tasks: Task[];
  agents: Agent[];
  locks: Lock[];
  events: OrcEvent[];
  knowledge: { name: string; text: string }[];
  skipped: ImportSkip[];
}

export interface ConvertOptions {
  now: Date;
  /** The lease given to a task OpSpawn had in progress, from the import on. */
  claimTtlMs: number;
  /** Who created the tasks, as orc records it. */
  actor: string;
  /** Checks a knowledge document's name, giving its file (knowledge's own rule). */
  checkKnowledgeName: (name: string) => string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A time as OpSpawn wrote it (ISO), or the fallback when it is absent or not a time. */
function stamp(value: unknown, fallback: string): string {
  if (typeof value !== 'string') return fallback;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? fallback : new Date(ms).toISOString();
}

/** OpSpawn's priorities start at 1 and default to 5; orc's run 0-9. */
const priorityOf = (value: unknown) => (value === undefined || value === null ? 5 : parsePriority(value));

const OPSPAWN_ID = /^[0-9a-z]{4,30}$/i;
/** The orc id of an OpSpawn task id. */
export const taskIdOf = (id: string) => `t-${id.toLowerCase()}`;

// The event types OpSpawn wrote are snake_case words; orc's event types are dotted names.
const EVENT_TYPE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/i;

/** Runs a check; an OrcError becomes a skip with its message, anything else is a bug and thrown. */
function attempt<T>(skipped: ImportSkip[], kind: ImportKind, id: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    skipped.push({ kind, id: id.length > 80 ? `${id.slice(0, 79)}…` : id, reason: error.message });
    return undefined;
  }
}

const shownId = (value: unknown) =>
  typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));

function convertTask(raw: unknown, workstream: string, options: ConvertOptions, seen: Set<string>): Task {
  const label = 'state.json task';
  if (!isObject(raw)) throw new OrcError('INVALID_INPUT', 'a task must be an object');
  if (typeof raw.id !== 'string' || !OPSPAWN_ID.test(raw.id))
    throw new OrcError('INVALID_INPUT', `task id ${quote(raw.id)} must be 4 to 30 letters or digits`);
  const id = taskIdOf(raw.id);
  if (seen.has(id)) throw new OrcError('INVALID_INPUT', `task id ${raw.id} appears twice`);
  const nowIso = options.now.toISOString();
  const createdAt = stamp(raw.created_at, nowIso);
  const updatedAt = stamp(raw.updated_at, createdAt);
  const base = {
    v: 1 as const,
    id,
    workstream,
    title: checkTitle(raw.title),
    description: checkDescription(raw.description),
    priority: priorityOf(raw.priority),
    tags: [],
    deps: [],
    attempts: 0,
    result: null as string | null,
    reason: null,
    createdBy: options.actor,
    createdAt,
    updatedAt,
  };
  let task: Task;
  if (raw.status === 'pending') task = { ...base, status: 'open', claim: null };
  else if (raw.status === 'done') {
    const result = raw.result === null || raw.result === undefined ? null : checkText('result', raw.result);
    task = { ...base, status: 'done', claim: null, result };
  } else if (raw.status === 'in_progress') {
    // The claim goes on under a lease from the import on: OpSpawn's claims had no lease to carry over.
    const agent = checkName('assigned_to', raw.assigned_to);
    const claim = {
      agent,
      token: randomBytes(9).toString('base64url'),
      claimedAt: updatedAt,
      expiresAt: new Date(options.now.getTime() + options.claimTtlMs).toISOString(),
    };
    task = { ...base, status: 'claimed', claim, attempts: 1 };
  } else
    throw new OrcError(
      'INVALID_INPUT',
      `task status ${quote(raw.status)} is not pending, in_progress or done`,
    );
  seen.add(id);
  return validateTask(task, label);
}

function convertBoard(state: Record<string, unknown>, options: ConvertOptions, plan: ImportPlan): void {
  const nowIso = options.now.toISOString();
  const seen = new Set<string>();
  const streams = isObject(state.workstreams) ? state.workstreams : {};
  for (const [name, raw] of Object.entries(streams)) {
    const workstream = attempt(plan.skipped, 'workstream', name, () => {
      if (!isObject(raw)) throw new OrcError('INVALID_INPUT', 'a workstream must be an object');
      const createdAt = stamp(raw.created_at, nowIso);
      return validateWorkstream(
        {
          v: 1,
          name: checkName('workstream', name),
          description: checkDescription(raw.description),
          priority: priorityOf(raw.priority),
          status: raw.status === 'archived' ? 'archived' : 'active',
          createdAt,
          updatedAt: createdAt,
        },
        'state.json workstream',
      );
    });
    const tasks = isObject(raw) && Array.isArray(raw.tasks) ? raw.tasks : [];
    if (!workstream) {
      for (const t of tasks)
        plan.skipped.push({
          kind: 'task',
          id: shownId(isObject(t) ? t.id : t),
          reason: `its workstream ${quote(name)} was skipped`,
        });
      continue;
    }
    plan.workstreams.push(workstream);
    for (const t of tasks) {
      const task = attempt(plan.skipped, 'task', shownId(isObject(t) ? t.id : t), () =>
        convertTask(t, workstream.name, options, seen),
      );
      if (task) plan.tasks.push(task);
    }
  }
  const agents = isObject(state.agents) ? state.agents : {};
  for (const [id, raw] of Object.entries(agents)) {
    const agent = attempt(plan.skipped, 'agent', id, () => {
      if (!isObject(raw)) throw new OrcError('INVALID_INPUT', 'an agent must be an object');
      const capabilities = Array.isArray(raw.capabilities) ? raw.capabilities : [];
      const registeredAt = stamp(raw.registered_at, nowIso);
      return validateAgent(
        {
          v: 1,
          id: checkName('agent', id),
          role: checkLine('type', typeof raw.type === 'string' ? raw.type : 'worker', 40),
          capabilities: capabilities.map((c) => checkLine('capabilities', c, 64)),
          registeredAt,
          lastSeen: stamp(raw.last_seen, registeredAt),
        },
        'state.json agent',
      );
    });
    if (agent) plan.agents.push(agent);
  }
  const locks = isObject(state.locks) ? state.locks : {};
  for (const [resource, raw] of Object.entries(locks)) {
    const lock = attempt(plan.skipped, 'lock', resource, () => {
      if (!isObject(raw)) throw new OrcError('INVALID_INPUT', 'a lock must be an object');
      const acquiredAt = stamp(raw.acquired_at, nowIso);
      const ttl = typeof raw.ttl_ms === 'number' && raw.ttl_ms > 0 ? raw.ttl_ms : 60_000;
      const expiresAt = new Date(Date.parse(acquiredAt) + ttl).toISOString();
      if (Date.parse(expiresAt) <= options.now.getTime())
        throw new OrcError('INVALID_INPUT', `expired at ${expiresAt}: nothing to carry over`);
      return validateLock(
        {
          v: 1,
          resource: checkResource(resource),
          owner: checkName('agent', raw.agent),
          count: 1,
          acquiredAt,
          expiresAt,
        },
        'state.json lock',
      );
    });
    if (lock) plan.locks.push(lock);
  }
}

/** One OpSpawn event line (`{ts, agent, action, ...data}`) as an orc event, its time and actor kept. */
export function convertEventLine(line: string): OrcEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new OrcError('INVALID_INPUT', 'is not JSON');
  }
  if (!isObject(raw)) throw new OrcError('INVALID_INPUT', 'is not a JSON object');
  const { ts, agent, action, ...data } = raw;
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts)))
    throw new OrcError('INVALID_INPUT', `ts ${quote(ts)} is not a time`);
  const actor = checkActor(agent, 'agent');
  if (typeof action !== 'string' || action.length > 64 || !EVENT_TYPE.test(action))
    throw new OrcError('INVALID_INPUT', `action ${quote(action)} is not a name such as task_created`);
  const size = JSON.stringify(data).length;
  if (size > MAX_TEXT)
    throw new OrcError('INVALID_INPUT', `its data is ${size} characters: the limit is ${MAX_TEXT}`);
  const about = data.task_id ?? data.resource ?? data.topic ?? data.workstream;
  let subject = typeof about === 'string' ? about : '';
  if (typeof data.task_id === 'string' && OPSPAWN_ID.test(data.task_id)) subject = taskIdOf(data.task_id);
  if (subject.length > MAX_SUBJECT || hasControlChars(subject) || subject.includes('\t')) subject = '';
  // The same line always gets the same id, so importing it twice finds it the second time.
  const digest = createHash('sha256').update(line.trim()).digest('hex').slice(0, 20);
  return {
    id: `e-op${digest}`,
    ts: new Date(Date.parse(ts)).toISOString(),
    actor,
    type: action,
    subject,
    data,
  };
}

/** Why a line of the folder's log is left as it is: orc wrote it (the folder is an orc workspace too). */
export const ORC_EVENT = 'is an orc event already';

/** The whole folder as orc records and skips; pure but for the claim tokens it draws. */
export function convertOpSpawn(source: OpSpawnSource, options: ConvertOptions): ImportPlan {
  const plan: ImportPlan = {
    workstreams: [],
    tasks: [],
    agents: [],
    locks: [],
    events: [],
    knowledge: [],
    skipped: [],
  };
  for (const entry of source.unreadable)
    plan.skipped.push({
      kind: entry.path.startsWith('knowledge') ? 'knowledge' : 'event',
      id: entry.path,
      reason: entry.reason,
    });
  if (!isObject(source.state))
    plan.skipped.push({ kind: 'workstream', id: 'state.json', reason: 'is not a JSON object' });
  else convertBoard(source.state, options, plan);
  source.eventLines.forEach((line, i) => {
    if (line.trim() === '') return;
    if (parseEventLines(line).events.length === 1) {
      plan.skipped.push({ kind: 'event', id: `events.jsonl line ${i + 1}`, reason: ORC_EVENT });
      return;
    }
    const event = attempt(plan.skipped, 'event', `events.jsonl line ${i + 1}`, () => convertEventLine(line));
    if (event) plan.events.push(event);
  });
  for (const doc of source.knowledge) {
    const checked = attempt(plan.skipped, 'knowledge', doc.name, () => {
      const file = options.checkKnowledgeName(doc.name);
      if (doc.text.trim() === '') throw new OrcError('INVALID_INPUT', 'is empty');
      if (hasControlChars(doc.text, true))
        throw new OrcError('INVALID_INPUT', 'holds control characters (binary data?)');
      return { name: file, text: doc.text };
    });
    if (checked) plan.knowledge.push(checked);
  }
  return plan;
}
