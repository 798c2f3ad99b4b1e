import { join } from 'node:path';
import { listAgents } from './agents.js';
import { listRecords, readEvents } from '../storage/index.js';
import { OrcError, newId, notFound, quote } from '../shared/index.js';
import { listLocks } from './locks.js';
import { type ActorOptions, mutate } from '../storage/index.js';
import { loadTasks } from '../storage/index.js';
import type { Cycle, Task } from '../records/index.js';
import { compareTasks, isClaimLive, isReady, reservedFor } from './tasks.js';
import type { Workspace } from '../storage/index.js';
import { listWorkstreams } from './workstreams.js';
import { applyPresence, loadPresence } from './presence.js';

export type { Cycle } from '../records/index.js';

export interface PlannedTask {
  id: string;
  title: string;
  priority: number;
  /** Resources the task needs (tags `res:<name>`): tasks sharing one run one after another. */
  resources: string[];
  /** The free agent whose capabilities fit best, if any. */
  agent: string | null;
  /** Why it waits, when it cannot start in this cycle's first wave. */
  waitsFor: string | null;
}

export interface CyclePlan {
  cycle: string;
  startedAt: string;
  workstreams: Array<{ name: string; parallel: PlannedTask[]; serial: PlannedTask[] }>;
  freeAgents: string[];
}

const RESOURCE_TAG = 'res:';
const resourcesOf = (task: Pick<Task, 'tags'>) =>
  task.tags.filter((t) => t.startsWith(RESOURCE_TAG)).map((t) => t.slice(RESOURCE_TAG.length));
const cyclesDir = (ws: Workspace) => join(ws.stateDir, 'cycles');

/**
 * Plans a cycle over the board (pure over its inputs): per workstream, the next ready tasks; those that
 * share a resource with a more urgent one, or need a resource someone holds a lock on, go to `serial`;
 * the rest can go in `parallel`. Each parallel task is matched to a free live agent (most matching
 * capabilities first; agents already holding a claim are not free), each agent used once.
 */
export function planCycle(
  tasks: ReadonlyMap<string, Task>,
  streams: ReturnType<typeof listWorkstreams>,
  agents: ReturnType<typeof listAgents>,
  lockedResources: ReadonlySet<string>,
  perWorkstream = 5,
  now = Date.now(),
): Omit<CyclePlan, 'cycle' | 'startedAt'> {
  const active = new Set(streams.filter((w) => w.status === 'active').map((w) => w.name));
  const busy = new Set([...tasks.values()].filter((t) => isClaimLive(t, now)).map((t) => t.claim!.agent));
  const free = agents.filter((a) => a.state === 'live' && !busy.has(a.id));
  const unused = new Set(free.map((a) => a.id));
  const taken = new Set<string>();
  const out: CyclePlan['workstreams'] = [];
  for (const stream of streams.filter((w) => active.has(w.name))) {
    const ready = [...tasks.values()]
      .filter((t) => t.workstream === stream.name && isReady(t, tasks, active, now))
      .sort(compareTasks)
      .slice(0, perWorkstream);
    const parallel: PlannedTask[] = [];
    const serial: PlannedTask[] = [];
    for (const task of ready) {
      const resources = resourcesOf(task);
      const locked = resources.find((r) => lockedResources.has(r));
      const shared = resources.find((r) => taken.has(r));
      const planned: PlannedTask = {
        id: task.id,
        title: task.title,
        priority: task.priority,
        resources,
        agent: null,
        waitsFor: null,
      };
      if (locked || shared) {
        planned.waitsFor = locked
          ? `resource ${locked} is locked`
          : `resource ${shared} is used by a more urgent task`;
        serial.push(planned);
        continue;
      }
      for (const r of resources) taken.add(r);
      const reserved = reservedFor(task);
      const fits = free
        .filter((a) => unused.has(a.id) && (reserved === undefined || reserved === a.id))
        .map((a) => ({ id: a.id, score: task.tags.filter((tag) => a.capabilities.includes(tag)).length }))
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
      const best = fits[0];
      if (best) {
        planned.agent = best.id;
        unused.delete(best.id);
      }
      parallel.push(planned);
    }
    if (parallel.length + serial.length > 0) out.push({ name: stream.name, parallel, serial });
  }
  return { workstreams: out, freeAgents: free.map((a) => a.id) };
}

/** Starts a new cycle: plans it over the current board and records it (`cycle.started`). */
export async function startCycle(
  ws: Workspace,
  options: ActorOptions & { perWorkstream?: number } = {},
): Promise<CyclePlan> {
  const tasks = applyPresence(await loadTasks(ws), loadPresence(ws));
  const locked = new Set(listLocks(ws, options).map((l) => l.resource));
  const now = (options.now ?? new Date()).getTime();
  const plan = planCycle(
    tasks,
    listWorkstreams(ws),
    listAgents(ws, options),
    locked,
    options.perWorkstream,
    now,
  );
  return mutate(ws, options, (m) => {
    const assignments = plan.workstreams
      .flatMap((w) => [...w.parallel, ...w.serial])
      .map((t) => ({ task: t.id, agent: t.agent, ...(t.waitsFor ? { waitsFor: t.waitsFor } : {}) }));
    const cycle: Cycle = { v: 1, id: newId('c'), startedAt: m.nowIso, startedBy: m.actor, assignments };
    m.writeJson(join(cyclesDir(ws), `${cycle.id}.json`), cycle);
    m.emit('cycle.started', cycle.id, { tasks: assignments.length });
    return { cycle: cycle.id, startedAt: cycle.startedAt, ...plan };
  });
}

/** The latest cycle, if any has been started. */
export function currentCycle(ws: Workspace): Cycle | undefined {
  return listRecords(ws, 'cycle').sort((a, b) =>
    a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0,
  )[0];
}

export interface CycleResults {
  cycle: string | null;
  since: string;
  completed: Array<{ task: string; title: string; agent: string | null; result: string | null; at: string }>;
  failed: Array<{ task: string; title: string; agent: string | null; reason: string | null; at: string }>;
  claimed: Array<{ task: string; title: string; agent: string }>;
}

/** What happened since the current cycle started (or since `since`, epoch ms): results, failures, work in hand. */
export async function collectCycle(
  ws: Workspace,
  options: { since?: number; now?: Date } = {},
): Promise<CycleResults> {
  const cycle = currentCycle(ws);
  const since = options.since ?? (cycle ? Date.parse(cycle.startedAt) : 0);
  const tasks = applyPresence(await loadTasks(ws), loadPresence(ws));
  const title = (id: string) => tasks.get(id)?.title ?? '(unknown task)';
  const events = readEvents(ws, { since, type: 'task.' }).events;
  const results: CycleResults = {
    cycle: cycle?.id ?? null,
    since: new Date(since).toISOString(),
    completed: [],
    failed: [],
    claimed: [],
  };
  for (const e of events) {
    const agent = (e.data.agent as string | undefined) ?? null;
    if (e.type === 'task.completed') {
      results.completed.push({
        task: e.subject,
        title: title(e.subject),
        agent,
        result: (e.data.result as string) ?? null,
        at: e.ts,
      });
    } else if (e.type === 'task.failed') {
      results.failed.push({
        task: e.subject,
        title: title(e.subject),
        agent,
        reason: (e.data.reason as string) ?? null,
        at: e.ts,
      });
    }
  }
  for (const task of tasks.values()) {
    if (isClaimLive(task, (options.now ?? new Date()).getTime()))
      results.claimed.push({ task: task.id, title: task.title, agent: task.claim!.agent });
  }
  return results;
}

const FINISHED = new Set(['done', 'failed', 'cancelled']);

/**
 * The tasks a cycle must not hand to `agent` (pure): those it planned for another agent, those it held
 * back (waitsFor), and any other task needing a `res:` resource of a task planned for another agent and
 * not finished yet, which still holds it.
 */
export function cycleSkips(cycle: Cycle, tasks: ReadonlyMap<string, Task>, agent: string): Set<string> {
  const skip = new Set<string>();
  const inUse = new Set<string>();
  for (const a of cycle.assignments) {
    if (a.waitsFor !== undefined) skip.add(a.task);
    if (a.agent === null || a.agent === agent) continue;
    skip.add(a.task);
    const task = tasks.get(a.task);
    if (task && !FINISHED.has(task.status)) for (const r of resourcesOf(task)) inUse.add(r);
  }
  for (const task of tasks.values())
    if (!skip.has(task.id) && resourcesOf(task).some((r) => inUse.has(r))) skip.add(task.id);
  return skip;
}

/**
 * Claims an agent's next task for the current cycle: the one the cycle plan gave it if it is still
 * ready, else the next ready task that the plan neither gave to another agent nor held back (see
 * cycleSkips). Without a cycle, the next ready task. Returns null when there is nothing for it.
 */
export async function claimCycleTask(
  ws: Workspace,
  agent: string,
  options: ActorOptions = {},
): Promise<Task | null> {
  const { claimTask, nextTask } = await import('./claims.js');
  const cycle = currentCycle(ws);
  if (!cycle) return nextTask(ws, { ...options, agent });
  const suggested = cycle.assignments.find((a) => a.agent === agent && a.waitsFor === undefined)?.task;
  if (suggested) {
    try {
      return await claimTask(ws, suggested, agent, options);
    } catch (error) {
      // Taken, finished or removed since the plan: the agent gets the next task the plan allows.
      if (!(error instanceof OrcError) || (error.code !== 'CONFLICT' && error.code !== 'NOT_FOUND'))
        throw error;
    }
  }
  const skip = cycleSkips(cycle, await loadTasks(ws), agent);
  return nextTask(ws, { ...options, agent, skip });
}

/** A workstream as the current cycle plans it: read only, nothing is claimed. */
export interface WorkstreamCycleView {
  workstream: string;
  description: string;
  cycle: string | null;
  /** Planned tasks with their agent, or why they wait. */
  planned: Array<{
    id: string;
    title: string;
    status: string;
    agent: string | null;
    waitsFor: string | null;
  }>;
  /** Open tasks of the workstream that the cycle did not plan. */
  unplanned: Array<{ id: string; title: string; priority: number }>;
}

/** The current cycle's plan for one workstream (the seed's `brief <ws>`): reads, never claims. */
export async function workstreamCycleView(ws: Workspace, name: string): Promise<WorkstreamCycleView> {
  const stream = listWorkstreams(ws).find((w) => w.name === name);
  if (!stream) throw notFound(`workstream ${quote(name)} not found`);
  const tasks = await loadTasks(ws);
  const cycle = currentCycle(ws);
  const planned = (cycle?.assignments ?? [])
    .map((a) => ({ a, task: tasks.get(a.task) }))
    .filter(({ task }) => task?.workstream === name)
    .map(({ a, task }) => ({
      id: task!.id,
      title: task!.title,
      status: task!.status,
      agent: a.agent,
      waitsFor: a.waitsFor ?? null,
    }));
  const inPlan = new Set(planned.map((p) => p.id));
  const unplanned = [...tasks.values()]
    .filter((t) => t.workstream === name && t.status === 'open' && !inPlan.has(t.id))
    .sort(compareTasks)
    .map((t) => ({ id: t.id, title: t.title, priority: t.priority }));
  return { workstream: name, description: stream.description, cycle: cycle?.id ?? null, planned, unplanned };
}
