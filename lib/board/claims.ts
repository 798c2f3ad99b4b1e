import { randomBytes } from 'node:crypto';
import { type Agent, agentFile, noteAgentActive, requireAgent } from './agents.js';
import { loadBoardSettings } from '../config/index.js';
import { OrcError, checkDurationMs, checkText, conflict, invalidInput, quote } from '../shared/index.js';
import { releaseLocksOwnedBy } from './locks.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import { type QueueEntry, type TopKey, refillTop, toQueueEntry } from '../storage/index.js';
import { NO_PRESENCE, type Presence, loadPresence, recordPresence, withPresence } from './presence.js';
import type { Task } from '../records/index.js';
import { type TaskLike, compareTasks, depsDone, isAvailable, isClaimLive, reservedFor } from './tasks.js';
import { type Workstream, listWorkstreams } from './workstreams.js';
import type { Workspace } from '../storage/index.js';

export interface ClaimOptions extends ActorOptions {
  /** Lease length in milliseconds; defaults to `board.claim_ttl`. */
  ttlMs?: number;
}

export interface NextTaskOptions extends ClaimOptions {
  agent: string;
  /** Only this workstream; all active ones when omitted. */
  workstream?: string;
  /** Tasks not to hand out (a cycle's tasks planned for other agents or held back). */
  skip?: ReadonlySet<string>;
  /** Take one more task although the agent holds a live claim (by default that claim is handed back). */
  another?: boolean;
}

/** Identifies the caller as a claim holder: by the token `claim`/`next` returned, or by agent id. */
export interface HolderOptions extends ActorOptions {
  agent?: string;
  token?: string;
  /** Act although someone else holds a live claim (recorded in the event). */
  force?: boolean;
}

/** Puts every task whose lease has run out (renewals on this machine included) back in the queue, with an event for each. */
export function sweepExpiredClaims(m: Mutation, presence: Presence = loadPresence(m.ws)): Task[] {
  const now = m.now.getTime();
  const expired = [...m.summary().claimed.values()].filter(
    (t) => t.status === 'claimed' && !isClaimLive(t, now, presence),
  );
  return expired.map((entry) => {
    const task = m.getTask(entry.id);
    m.emit('task.lease_expired', task.id, { agent: task.claim?.agent, expiresAt: task.claim?.expiresAt });
    return m.writeTask({ ...task, status: 'open', claim: null });
  });
}

function checkDepsDone(m: Mutation, task: Task): void {
  const waiting = task.deps
    .map((id) => ({ id, status: m.readTask(id)?.status ?? 'missing' }))
    .filter((d) => d.status !== 'done');
  if (waiting.length > 0) {
    const list = waiting.map((d) => `${d.id} (${d.status})`).join(', ');
    throw conflict(`task ${task.id} is not ready: it waits on ${list}`);
  }
}

function grant(m: Mutation, task: Task, agent: Agent, ttlMs: number): Task {
  const claim = {
    agent: agent.id,
    token: randomBytes(9).toString('base64url'),
    claimedAt: m.nowIso,
    expiresAt: new Date(m.now.getTime() + ttlMs).toISOString(),
  };
  if (task.status === 'claimed') {
    m.emit('task.lease_expired', task.id, { agent: task.claim?.agent, expiresAt: task.claim?.expiresAt });
  }
  const written = m.writeTask({ ...task, status: 'claimed', claim, attempts: task.attempts + 1 });
  noteAgentActive(m, agent);
  m.emit('task.claimed', task.id, { agent: agent.id, expiresAt: claim.expiresAt, attempt: written.attempts });
  return written;
}

/** Claims one task for an agent, under a lease. Claiming a task you already hold renews it. */
export async function claimTask(
  ws: Workspace,
  ref: string,
  agentId: string,
  options: ClaimOptions = {},
): Promise<Task> {
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).claimTtlMs;
  return mutate(ws, { actor: options.actor ?? agentId, now: options.now }, (m) => {
    const agent = requireAgent(m, agentId);
    const task = m.getTask(ref);
    if (isClaimLive(task, m.now.getTime(), loadPresence(ws))) {
      if (task.claim!.agent !== agentId) {
        throw conflict(
          `task ${task.id} is already claimed by ${task.claim!.agent} until ${task.claim!.expiresAt}`,
        );
      }
      const renewed = m.writeTask({
        ...task,
        claim: { ...task.claim!, expiresAt: new Date(m.now.getTime() + ttlMs).toISOString() },
      });
      m.emit('task.renewed', task.id, { agent: agentId, expiresAt: renewed.claim!.expiresAt });
      return renewed;
    }
    if (!isAvailable(task))
      throw conflict(`task ${task.id} is ${task.status}: only open tasks can be claimed`);
    const reserved = reservedFor(task);
    if (reserved !== undefined && reserved !== agentId)
      throw conflict(`task ${task.id} is reserved for ${reserved}`);
    const stream = listWorkstreams(ws).find((w) => w.name === task.workstream);
    if (stream?.status !== 'active') throw conflict(`task ${task.id} is in an archived workstream`);
    checkDepsDone(m, task);
    return grant(m, task, agent, ttlMs);
  });
}

/** What the choice of the next task looks at besides the queue and the agent. */
export interface NextTaskChoice {
  /** Every workstream, most urgent first (as listWorkstreams orders them); only active ones hand out work. */
  workstreams: ReadonlyArray<Pick<Workstream, 'name' | 'status'>>;
  /** Only this workstream. */
  workstream?: string;
  /** Tasks not to choose. */
  skip?: ReadonlySet<string>;
  /** Lease renewals on this machine (see claimExpiry); none when omitted. */
  presence?: Presence;
  /** Hand out a task although the agent holds a live claim. */
  another?: boolean;
  /** The status of a dependency that is not in the queue given (default: none there means missing). */
  statusOf?: (id: string) => TaskLike['status'] | 'missing' | undefined;
}

/**
 * The task an agent gets next (pure). An agent holding a live claim gets that claim back (its most
 * urgent one), unless `another`: one agent, one task at a time, also after it lost its context.
 * Otherwise one available at `now` (open, or under a lease that has run out), in an active
 * workstream, not reserved for another agent, its dependencies done. The lowest priority number wins,
 * then tasks whose tags match the agent's capabilities, then the more urgent workstream, then the
 * oldest. Undefined when nothing is ready.
 */
export function chooseNextTask<T extends TaskLike>(
  queue: ReadonlyMap<string, T>,
  agent: Pick<Agent, 'id' | 'capabilities'>,
  options: NextTaskChoice,
  now: Date,
): T | undefined {
  const at = now.getTime();
  const presence = options.presence ?? NO_PRESENCE;
  if (!options.another) {
    const held = heldClaim(queue, agent.id, at, presence);
    if (held) return held;
  }
  const streamRank = activeStreamRanks(options.workstreams);
  const order = nextTaskOrder(agent, options.workstreams);
  let best: T | undefined;
  for (const task of queue.values()) {
    if (!isAvailable(task, at, presence) || !streamRank.has(task.workstream)) continue;
    if (options.workstream !== undefined && task.workstream !== options.workstream) continue;
    if (options.skip?.has(task.id)) continue;
    const reserved = reservedFor(task);
    if (reserved !== undefined && reserved !== agent.id) continue;
    if (options.statusOf ? !task.deps.every((d) => options.statusOf!(d) === 'done') : !depsDone(task, queue))
      continue;
    if (!best || order(task, best) < 0) best = task;
  }
  return best;
}

const activeStreamRanks = (workstreams: NextTaskChoice['workstreams']) =>
  new Map(workstreams.filter((w) => w.status === 'active').map((w, i) => [w.name, i]));

/**
 * The order in which `t next` hands tasks to `agent` (most wanted first): the lowest priority number,
 * then tags matching its capabilities, then the more urgent (active) workstream, then the oldest.
 */
export function nextTaskOrder(
  agent: Pick<Agent, 'capabilities'>,
  workstreams: NextTaskChoice['workstreams'],
): (a: TaskLike, b: TaskLike) => number {
  const streamRank = activeStreamRanks(workstreams);
  const capabilities = new Set(agent.capabilities);
  const matches = (t: TaskLike) => (t.tags.some((tag) => capabilities.has(tag)) ? 0 : 1);
  const rank = (t: TaskLike) => streamRank.get(t.workstream) ?? streamRank.size;
  return (a, b) =>
    a.priority - b.priority || matches(a) - matches(b) || rank(a) - rank(b) || compareTasks(a, b);
}

/** The most urgent task `agent` holds a live claim on at `at`, if any. */
function heldClaim<T extends TaskLike>(
  queue: ReadonlyMap<string, T>,
  agent: string,
  at: number,
  presence: Presence,
): T | undefined {
  let held: T | undefined;
  for (const task of queue.values()) {
    if (task.claim?.agent !== agent || !isClaimLive(task, at, presence)) continue;
    if (!held || compareTasks(task, held) < 0) held = task;
  }
  return held;
}

/**
 * Atomically claims the most urgent ready task (see chooseNextTask), after putting back the tasks
 * whose leases have run out. An agent that holds a live claim gets it back, same token, its lease
 * renewed on this machine (see chooseNextTask), unless `another`. Returns null when nothing is ready.
 */
export async function nextTask(ws: Workspace, options: NextTaskOptions): Promise<Task | null> {
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).claimTtlMs;
  return mutate(ws, { actor: options.actor ?? options.agent, now: options.now }, (m) => {
    const agent = requireAgent(m, options.agent);
    const workstreams = listWorkstreams(ws);
    if (options.workstream !== undefined && !workstreams.some((w) => w.name === options.workstream)) {
      throw new OrcError('NOT_FOUND', `workstream ${quote(options.workstream)} not found`);
    }
    const presence = loadPresence(ws);
    sweepExpiredClaims(m, presence);
    const choice = {
      workstreams,
      workstream: options.workstream,
      skip: options.skip,
      presence,
      another: options.another,
    };
    let best = chooseFromSummary(m, agent, choice);
    // The cache is current under the lock, except after an in-place hand edit that left the folder's
    // mtime alone: the file is the truth, so confirm, and choose again from the files if they differ.
    let onDisk = best && m.readTask(best.id);
    if (best && JSON.stringify(onDisk && toQueueEntry(onDisk)) !== JSON.stringify(best)) {
      best = chooseNextTask(m.rebuildQueue(), agent, choice, m.now);
      onDisk = best && m.readTask(best.id);
    }
    if (!best || !onDisk) return null;
    if (onDisk.claim?.agent === agent.id && isClaimLive(onDisk, m.now.getTime(), presence)) {
      return renewHeld(ws, onDisk, m.now, ttlMs, presence);
    }
    return grant(m, onDisk, agent, ttlMs);
  });
}

/**
 * The next task chosen from the summary's claims and most urgent open tasks, when that choice is
 * provably the one the whole queue gives: the summary lists every open task, or the chosen task is
 * more urgent than any it leaves out (see TaskSummary.bound). Otherwise chosen from the whole queue,
 * and the summary's list is filled again from it.
 */
function chooseFromSummary(m: Mutation, agent: Agent, choice: NextTaskChoice): QueueEntry | undefined {
  const summary = m.summary();
  const view = new Map<string, QueueEntry>(summary.claimed);
  for (const entry of summary.top) view.set(entry.id, entry);
  const statusOf = (id: string) =>
    view.get(id)?.status ?? summary.depStatus.get(id) ?? m.readTask(id)?.status ?? 'missing';
  const best = chooseNextTask(view, agent, { ...choice, statusOf }, m.now);
  if (summary.complete || (best && beatsUnlisted(best, summary.bound!, agent, choice))) return best;
  const queue = m.queue();
  refillTop(summary, queue);
  return chooseNextTask(queue, agent, choice, m.now);
}

/**
 * Whether `best` comes before every open task the summary leaves out (each has a key at or after
 * `bound`): a held claim does; else a more urgent priority does, and so does the same priority when
 * no task left out can match the agent's capabilities better or sit in a more urgent workstream,
 * since the rest of the order (age, id) is the key's.
 */
function beatsUnlisted(best: QueueEntry, bound: TopKey, agent: Agent, choice: NextTaskChoice): boolean {
  if (best.status === 'claimed' || best.priority < bound.priority) return true;
  if (best.priority > bound.priority) return false;
  const matches = agent.capabilities.length === 0 || best.tags.some((t) => agent.capabilities.includes(t));
  const firstActive = choice.workstreams.find((w) => w.status === 'active')?.name;
  return matches && (choice.workstream !== undefined || best.workstream === firstActive);
}

/** Renews a claim its holder asked for again, on this machine only (like a heartbeat: no commit, no event). */
function renewHeld(ws: Workspace, task: Task, now: Date, ttlMs: number, presence: Presence): Task {
  const claim = task.claim!;
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  const written = recordPresence(ws, claim.agent, now, [{ task: task.id, token: claim.token, expiresAt }], {
    keepOthers: true,
  });
  const renewals = new Map(written.claims.map((c) => [c.task, { ...c, agent: claim.agent }]));
  return withPresence(task, { agents: presence.agents, renewals });
}

/**
 * Checks that the caller may finish `task`: anyone may finish an open task or one whose lease ran
 * out; a live claim may be finished only by its holder (by token or agent id), or with force.
 */
function checkHolder(task: Task, options: HolderOptions, now: number, presence: Presence): void {
  if (!isClaimLive(task, now, presence) || options.force) return;
  const claim = task.claim!;
  if (options.token !== undefined) {
    if (options.token === claim.token) return;
    throw new OrcError(
      'CLAIM_LOST',
      `your claim on ${task.id} is gone: it is held by ${claim.agent} since ${claim.claimedAt} (token mismatch)`,
    );
  }
  if (options.agent !== undefined) {
    if (options.agent === claim.agent) return;
    throw new OrcError(
      'CLAIM_LOST',
      `task ${task.id} is held by ${claim.agent} since ${claim.claimedAt}, not by ${options.agent}: your claim is gone`,
    );
  }
  throw invalidInput(
    `task ${task.id} is claimed by ${claim.agent}: say who you are (agent or token of the holder), or force`,
    { field: 'agent', holder: claim.agent },
  );
}

function finish(
  ws: Workspace,
  ref: string,
  options: HolderOptions,
  status: 'done' | 'failed',
  text: string | undefined,
): Promise<Task> {
  return mutate(ws, { actor: options.actor ?? options.agent, now: options.now }, (m) => {
    const task = m.getTask(ref);
    if (task.status === 'done' || task.status === 'cancelled' || task.status === 'failed') {
      throw conflict(`task ${task.id} is ${task.status} already`);
    }
    const presence = loadPresence(ws);
    checkHolder(task, options, m.now.getTime(), presence);
    if (m.actorIsDefault && task.claim && options.token === task.claim.token) m.actor = task.claim.agent;
    const written = m.writeTask({
      ...task,
      status,
      claim: null,
      result: status === 'done' ? (text ?? null) : task.result,
      reason: status === 'failed' ? (text ?? null) : task.reason,
    });
    const by = task.claim?.agent ?? options.agent ?? null;
    const forced = Boolean(
      options.force && isClaimLive(task, m.now.getTime(), presence) && task.claim?.agent !== options.agent,
    );
    m.emit(status === 'done' ? 'task.completed' : 'task.failed', task.id, {
      agent: by,
      [status === 'done' ? 'result' : 'reason']: text ?? null,
      ...(forced ? { forced: true } : {}),
    });
    return written;
  });
}

export async function completeTask(ws: Workspace, ref: string, result?: string, options: HolderOptions = {}) {
  return finish(ws, ref, options, 'done', result === undefined ? undefined : checkText('result', result));
}

export async function failTask(ws: Workspace, ref: string, reason: string, options: HolderOptions = {}) {
  if (typeof reason !== 'string' || reason.trim() === '') throw invalidInput('failing a task needs a reason');
  return finish(ws, ref, options, 'failed', checkText('reason', reason));
}

/** Gives a claimed task back to the queue. */
export async function releaseTask(ws: Workspace, ref: string, options: HolderOptions = {}): Promise<Task> {
  return mutate(ws, { actor: options.actor ?? options.agent, now: options.now }, (m) => {
    const task = m.getTask(ref);
    if (task.status !== 'claimed') throw conflict(`task ${task.id} is ${task.status}, not claimed`);
    checkHolder(task, options, m.now.getTime(), loadPresence(ws));
    if (m.actorIsDefault && options.token === task.claim!.token) m.actor = task.claim!.agent;
    const written = m.writeTask({ ...task, status: 'open', claim: null });
    m.emit('task.released', task.id, {
      agent: task.claim!.agent,
      ...(options.force ? { forced: true } : {}),
    });
    return written;
  });
}

/** Removes an agent; the tasks it held go back to the queue and its locks are released. */
export async function unregisterAgent(ws: Workspace, agentId: string, options: ActorOptions = {}) {
  return mutate(ws, { actor: options.actor ?? agentId, now: options.now }, (m) => {
    requireAgent(m, agentId);
    const released: string[] = [];
    for (const entry of [...m.summary().claimed.values()]) {
      if (entry.status !== 'claimed' || entry.claim?.agent !== agentId) continue;
      const task = m.getTask(entry.id);
      m.writeTask({ ...task, status: 'open', claim: null });
      m.emit('task.released', task.id, { agent: agentId, reason: 'agent unregistered' });
      released.push(task.id);
    }
    const locks = releaseLocksOwnedBy(m, agentId);
    m.remove(agentFile(ws, agentId));
    m.emit('agent.unregistered', agentId, { releasedTasks: released, releasedLocks: locks });
    return { agent: agentId, releasedTasks: released, releasedLocks: locks };
  });
}
