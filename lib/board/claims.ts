import { randomBytes } from 'node:crypto';
import { type Agent, agentFile, requireAgent, touchAgent } from './agents.js';
import { loadBoardSettings } from '../config/index.js';
import { OrcError, checkDurationMs, checkText, conflict, invalidInput, quote } from '../shared/index.js';
import { releaseLocksOwnedBy } from './locks.js';
import { type ActorOptions, type Mutation, mutate } from '../storage/index.js';
import { toQueueEntry } from '../storage/index.js';
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
}

/** Identifies the caller as a claim holder: by the token `claim`/`next` returned, or by agent id. */
export interface HolderOptions extends ActorOptions {
  agent?: string;
  token?: string;
  /** Act although someone else holds a live claim (recorded in the event). */
  force?: boolean;
}

/** Puts every task whose lease has run out back in the queue, with an event for each. */
export function sweepExpiredClaims(m: Mutation): Task[] {
  const now = m.now.getTime();
  const expired = [...m.queue().values()].filter((t) => t.status === 'claimed' && !isClaimLive(t, now));
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
  touchAgent(m, agent);
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
    if (isClaimLive(task, m.now.getTime())) {
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
}

/**
 * The task an agent gets next (pure): one available at `now` (open, or under a lease that has run
 * out), in an active workstream, not reserved for another agent, its dependencies done. The lowest
 * priority number wins, then tasks whose tags match the agent's capabilities, then the more urgent
 * workstream, then the oldest. Undefined when nothing is ready.
 */
export function chooseNextTask<T extends TaskLike>(
  queue: ReadonlyMap<string, T>,
  agent: Pick<Agent, 'id' | 'capabilities'>,
  options: NextTaskChoice,
  now: Date,
): T | undefined {
  const at = now.getTime();
  const streamRank = new Map(
    options.workstreams.filter((w) => w.status === 'active').map((w, i) => [w.name, i]),
  );
  const capabilities = new Set(agent.capabilities);
  const matches = (t: T) => (t.tags.some((tag) => capabilities.has(tag)) ? 0 : 1);
  const order = (a: T, b: T) =>
    a.priority - b.priority ||
    matches(a) - matches(b) ||
    streamRank.get(a.workstream)! - streamRank.get(b.workstream)! ||
    compareTasks(a, b);
  let best: T | undefined;
  for (const task of queue.values()) {
    if (!isAvailable(task, at) || !streamRank.has(task.workstream)) continue;
    if (options.workstream !== undefined && task.workstream !== options.workstream) continue;
    if (options.skip?.has(task.id)) continue;
    const reserved = reservedFor(task);
    if (reserved !== undefined && reserved !== agent.id) continue;
    if (!depsDone(task, queue)) continue;
    if (!best || order(task, best) < 0) best = task;
  }
  return best;
}

/**
 * Atomically claims the most urgent ready task (see chooseNextTask), after putting back the tasks
 * whose leases have run out. Returns null when nothing is ready.
 */
export async function nextTask(ws: Workspace, options: NextTaskOptions): Promise<Task | null> {
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).claimTtlMs;
  return mutate(ws, { actor: options.actor ?? options.agent, now: options.now }, (m) => {
    const agent = requireAgent(m, options.agent);
    const workstreams = listWorkstreams(ws);
    if (options.workstream !== undefined && !workstreams.some((w) => w.name === options.workstream)) {
      throw new OrcError('NOT_FOUND', `workstream ${quote(options.workstream)} not found`);
    }
    sweepExpiredClaims(m);
    const choice = { workstreams, workstream: options.workstream, skip: options.skip };
    let best = chooseNextTask(m.queue(), agent, choice, m.now);
    // The cache is current under the lock, except after an in-place hand edit that left the folder's
    // mtime alone: the file is the truth, so confirm, and choose again from the files if they differ.
    let onDisk = best && m.readTask(best.id);
    if (best && JSON.stringify(onDisk && toQueueEntry(onDisk)) !== JSON.stringify(best)) {
      best = chooseNextTask(m.rebuildQueue(), agent, choice, m.now);
      onDisk = best && m.readTask(best.id);
    }
    if (!best || !onDisk) return null;
    return grant(m, onDisk, agent, ttlMs);
  });
}

/**
 * Checks that the caller may finish `task`: anyone may finish an open task or one whose lease ran
 * out; a live claim may be finished only by its holder (by token or agent id), or with force.
 */
function checkHolder(task: Task, options: HolderOptions, now: number): void {
  if (!isClaimLive(task, now) || options.force) return;
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
    checkHolder(task, options, m.now.getTime());
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
      options.force && isClaimLive(task, m.now.getTime()) && task.claim?.agent !== options.agent,
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
    checkHolder(task, options, m.now.getTime());
    if (m.actorIsDefault && options.token === task.claim!.token) m.actor = task.claim!.agent;
    const written = m.writeTask({ ...task, status: 'open', claim: null });
    m.emit('task.released', task.id, {
      agent: task.claim!.agent,
      ...(options.force ? { forced: true } : {}),
    });
    return written;
  });
}

export interface HeartbeatResult {
  agent: string;
  lastSeen: string;
  /** Tasks whose leases were extended. */
  renewed: Array<{ id: string; expiresAt: string }>;
  /** Claims of this agent that a git merge gave to another (reported once). */
  lost: Array<{ id: string; lostTo: string }>;
}

/** Marks the agent live and extends the lease of every task it holds. */
export async function heartbeatAgent(
  ws: Workspace,
  agentId: string,
  options: ClaimOptions = {},
): Promise<HeartbeatResult> {
  const ttlMs = checkDurationMs(options.ttlMs, 'ttlMs') ?? loadBoardSettings(ws).claimTtlMs;
  return mutate(ws, { actor: options.actor ?? agentId, now: options.now }, (m) => {
    const agent = touchAgent(m, requireAgent(m, agentId));
    const expiresAt = new Date(m.now.getTime() + ttlMs).toISOString();
    const renewed: HeartbeatResult['renewed'] = [];
    const lost: HeartbeatResult['lost'] = [];
    for (const entry of m.queue().values()) {
      const holds = entry.status === 'claimed' && entry.claim?.agent === agentId;
      if (!holds && !entry.lost.includes(agentId)) continue;
      let task = m.getTask(entry.id);
      const mine = task.lost?.filter((l) => l.agent === agentId) ?? [];
      if (mine.length > 0) {
        for (const l of mine) lost.push({ id: task.id, lostTo: l.lostTo });
        task = m.writeTask({ ...task, lost: task.lost!.filter((l) => l.agent !== agentId) });
        m.emit('task.claim_lost', task.id, { agent: agentId, lostTo: mine[0]!.lostTo });
      }
      if (task.status !== 'claimed' || task.claim?.agent !== agentId) continue;
      m.writeTask({ ...task, claim: { ...task.claim, expiresAt } });
      renewed.push({ id: task.id, expiresAt });
    }
    m.emit('agent.heartbeat', agentId, { renewed: renewed.map((r) => r.id) });
    return { agent: agentId, lastSeen: agent.lastSeen, renewed, lost };
  });
}

/** Removes an agent; the tasks it held go back to the queue and its locks are released. */
export async function unregisterAgent(ws: Workspace, agentId: string, options: ActorOptions = {}) {
  return mutate(ws, { actor: options.actor ?? agentId, now: options.now }, (m) => {
    requireAgent(m, agentId);
    const released: string[] = [];
    for (const entry of m.queue().values()) {
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
