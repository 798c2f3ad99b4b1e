import { conflict, invalidInput, quote } from '../shared/index.js';
import { newId } from '../shared/index.js';
import { type ActorOptions, type Mutation, mutate, resolveTaskId } from '../storage/index.js';
import { checkName } from '../shared/index.js';
import { loadTasks, queueLinesNaming, readRecord, visitTasksInOrder } from '../storage/index.js';
import {
  DEFAULT_PRIORITY,
  type Task,
  type TaskStatus,
  TASK_STATUSES,
  checkDescription,
  checkTags,
  checkTitle,
  parsePriority,
} from '../records/index.js';
import { listWorkstreams, requireWorkstream } from './workstreams.js';
import type { Workspace } from '../storage/index.js';
import { validateTask } from '../records/index.js';
import { readJsonFile } from '../storage/index.js';
import { join } from 'node:path';
import { compareText } from '../shared/index.js';
import { NO_PRESENCE, type Presence, claimExpiry, loadPresence, withPresence } from './presence.js';
import { type TaskNarrowing, matchesSearch, narrowTasks } from './task-views.js';
import { pageTasks, visitTaskRows } from './task-list.js';

export type { Claim, Task, TaskStatus } from '../records/index.js';

export interface AddTaskInput {
  workstream: string;
  title: string;
  description?: string;
  priority?: number | string;
  /** Ids (or unique prefixes) of tasks that must be done first. */
  deps?: string[];
  tags?: string[];
}

export interface UpdateTaskInput {
  title?: string;
  description?: string;
  priority?: number | string;
  /** Replaces the tags. */
  tags?: string[];
  addDeps?: string[];
  removeDeps?: string[];
}

export interface TaskFilter {
  workstream?: string;
  status?: TaskStatus;
  /** Tasks claimed by this agent. */
  agent?: string;
  tag?: string;
  /** Only tasks that `t next` could hand out now. */
  ready?: boolean;
  /** Title or description contains this text, ignoring case. */
  search?: string;
}

/** A filter with the narrowing of a list for people (see narrowTasks). */
export type TaskQuery = TaskFilter & TaskNarrowing;

/** The fields of a task that scheduling looks at (a full task, or its entry in the queue cache). */
export type TaskLike = Pick<
  Task,
  'id' | 'workstream' | 'priority' | 'status' | 'tags' | 'deps' | 'createdAt'
> & {
  claim: { agent: string; token: string; expiresAt: string } | null;
};

/** Claimed under a lease that has not run out at `now` (its effective expiry: see claimExpiry). */
export function isClaimLive(task: TaskLike, now = Date.now(), presence: Presence = NO_PRESENCE): boolean {
  return task.status === 'claimed' && task.claim !== null && Date.parse(claimExpiry(task, presence)!) > now;
}

/** Open, or claimed under a lease that has run out. */
export function isAvailable(task: TaskLike, now = Date.now(), presence: Presence = NO_PRESENCE): boolean {
  return task.status === 'open' || (task.status === 'claimed' && !isClaimLive(task, now, presence));
}

/** Every dependency is done. */
export function depsDone(task: TaskLike, tasks: ReadonlyMap<string, TaskLike>): boolean {
  return task.deps.every((dep) => tasks.get(dep)?.status === 'done');
}

/** Could be handed out now: available, dependencies done, workstream active. */
export function isReady(
  task: Task,
  tasks: ReadonlyMap<string, Task>,
  activeWorkstreams: ReadonlySet<string>,
  now = Date.now(),
  presence: Presence = NO_PRESENCE,
) {
  return isAvailable(task, now, presence) && activeWorkstreams.has(task.workstream) && depsDone(task, tasks);
}

/**
 * A task tagged `for:<agent>` is reserved: only that agent may claim it (runs use this to keep the
 * steps of command and LLM agents away from the board's other agents).
 */
export function reservedFor(task: Pick<Task, 'tags'>): string | undefined {
  const tag = task.tags.find((t) => t.startsWith('for:'));
  return tag?.slice('for:'.length);
}

/** Most urgent first, then oldest. */
export function compareTasks(a: TaskLike, b: TaskLike): number {
  return a.priority - b.priority || compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id);
}

/** A new open task with the given fields, created by the mutation's actor now. */
export function newTask(
  m: Mutation,
  fields: Pick<Task, 'id' | 'workstream' | 'title' | 'description' | 'priority' | 'tags' | 'deps'>,
): Task {
  return {
    v: 1,
    ...fields,
    status: 'open',
    claim: null,
    attempts: 0,
    result: null,
    reason: null,
    createdBy: m.actor,
    createdAt: m.nowIso,
    updatedAt: m.nowIso,
  };
}

export async function addTask(ws: Workspace, input: AddTaskInput, options: ActorOptions = {}): Promise<Task> {
  const workstream = checkName('workstream', input.workstream);
  const title = checkTitle(input.title);
  const description = checkDescription(input.description);
  const priority = input.priority === undefined ? DEFAULT_PRIORITY : parsePriority(input.priority);
  const tags = checkTags(input.tags ?? []);
  return mutate(ws, options, (m) => {
    const stream = requireWorkstream(m, workstream);
    if (stream.status === 'archived')
      throw conflict(`workstream ${quote(workstream)} is archived: it takes no new tasks`);
    const deps = resolveDeps(m, input.deps ?? []);
    const task = newTask(m, { id: newId('t'), workstream, title, description, priority, tags, deps });
    const written = m.writeTask(task);
    m.emit('task.added', task.id, { workstream, title, priority, deps, tags });
    return written;
  });
}

function resolveDeps(m: Mutation, refs: readonly string[]): string[] {
  const deps: string[] = [];
  for (const ref of refs) {
    const id = m.resolveTaskId(ref);
    if (!deps.includes(id)) deps.push(id);
  }
  return deps;
}

/** Finds a path from `from` back to `target` through dependencies, if adding an edge would close a cycle. */
function findCycle(tasks: ReadonlyMap<string, TaskLike>, from: string, target: string): string[] | undefined {
  const stack: Array<{ id: string; path: string[] }> = [{ id: from, path: [from] }];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const { id, path } = stack.pop()!;
    if (id === target) return path;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const dep of tasks.get(id)?.deps ?? []) stack.push({ id: dep, path: [...path, dep] });
  }
  return undefined;
}

export async function updateTask(
  ws: Workspace,
  ref: string,
  input: UpdateTaskInput,
  options: ActorOptions = {},
): Promise<Task> {
  const changes: Record<string, unknown> = {};
  if (input.title !== undefined) changes.title = checkTitle(input.title);
  if (input.description !== undefined) changes.description = checkDescription(input.description);
  if (input.priority !== undefined) changes.priority = parsePriority(input.priority);
  if (input.tags !== undefined) changes.tags = checkTags(input.tags);
  const depEdits = (input.addDeps?.length ?? 0) + (input.removeDeps?.length ?? 0);
  if (Object.keys(changes).length === 0 && depEdits === 0) {
    throw invalidInput(
      'nothing to update: pass --title, --description, --priority, --tags, --dep or --remove-dep',
    );
  }
  return mutate(ws, options, (m) => {
    const task = m.getTask(ref);
    let deps = task.deps;
    if (depEdits > 0) {
      const removing = resolveDeps(m, input.removeDeps ?? []);
      deps = deps.filter((d) => !removing.includes(d));
      const tasks = m.queue();
      for (const dep of resolveDeps(m, input.addDeps ?? [])) {
        if (dep === task.id) throw invalidInput(`task ${task.id} cannot depend on itself`);
        const cycle = findCycle(tasks, dep, task.id);
        if (cycle)
          throw invalidInput(
            `adding ${dep} would make a dependency cycle: ${[task.id, ...cycle].join(' → ')}`,
          );
        if (!deps.includes(dep)) deps = [...deps, dep];
      }
      changes.deps = deps;
    }
    const written = m.writeTask({ ...task, ...changes, deps });
    m.emit('task.updated', task.id, changes);
    return written;
  });
}

/** Cancels a task that is not finished; a holder's claim ends with it (recorded in the event). */
export async function cancelTask(
  ws: Workspace,
  ref: string,
  options: ActorOptions & { reason?: string } = {},
) {
  return mutate(ws, options, (m) => {
    const task = m.getTask(ref);
    if (task.status === 'done' || task.status === 'cancelled') {
      throw conflict(`task ${task.id} is ${task.status}: there is nothing to cancel`);
    }
    const written = m.writeTask({
      ...task,
      status: 'cancelled',
      claim: null,
      reason: options.reason ?? null,
    });
    m.emit('task.cancelled', task.id, { reason: options.reason ?? null, holder: task.claim?.agent ?? null });
    return written;
  });
}

/** Puts a finished, failed or cancelled task back in the queue. */
export async function reopenTask(ws: Workspace, ref: string, options: ActorOptions = {}) {
  return mutate(ws, options, (m) => {
    const task = m.getTask(ref);
    if (task.status === 'open' || task.status === 'claimed')
      throw conflict(`task ${task.id} is ${task.status} already`);
    const written = m.writeTask({ ...task, status: 'open', claim: null, result: null, reason: null });
    m.emit('task.reopened', task.id, { from: task.status });
    return written;
  });
}

/**
 * What `t show` prints around a task: each dependency and each task that depends on it (most urgent
 * first), read from their files. The dependents are found in the queue view, a tenth of the full
 * index, and only those tasks are read.
 */
export async function taskNeighbours(
  ws: Workspace,
  task: Pick<Task, 'id' | 'deps'>,
): Promise<{ deps: Map<string, Task | undefined>; dependents: Task[] }> {
  const deps = new Map(task.deps.map((id) => [id, readRecord(ws, 'task', id)]));
  const dependents = (await queueLinesNaming(ws, task.id))
    .flatMap((id) => readRecord(ws, 'task', id) ?? [])
    .filter((t) => t.deps.includes(task.id))
    .sort(compareTasks);
  return { deps, dependents };
}

/** One task, its claim's expiry the effective one (renewals on this machine included). */
export async function getTask(ws: Workspace, ref: string): Promise<Task> {
  const id = resolveTaskId(ws, ref);
  const label = `state/tasks/${id}.json`;
  const task = validateTask(readJsonFile(ws, join(ws.tasksDir, `${id}.json`), label), label);
  return task.claim ? withPresence(task, loadPresence(ws)) : task;
}

/**
 * Like listTasks without `ready` or a narrowing, handing the JSON text of each task (as
 * JSON.stringify gives it) to `visit` in turn instead of returning them all: the board is read from
 * the task index one task at a time, so memory does not grow with it (`t list --json` at 100,000).
 * A promise `visit` returns is awaited before the next task when the task index's order file serves.
 */
export async function visitTasks(
  ws: Workspace,
  filter: Omit<TaskFilter, 'ready'>,
  visit: (json: string) => void | Promise<void>,
): Promise<void> {
  if (filter.status !== undefined && !TASK_STATUSES.includes(filter.status)) {
    throw invalidInput(`status ${quote(filter.status)} must be one of ${TASK_STATUSES.join(', ')}`);
  }
  // In order from the task index's order file, each task read as it is printed (see task-list.ts).
  if (filter.search === undefined && (await visitTaskRows(ws, filter, undefined, visit))) return;
  const presence = loadPresence(ws);
  // A claim renewed on this machine is written again with its effective expiry.
  const withRenewals = (json: string) =>
    presence.renewals.size > 0 && json.includes('"claim":{')
      ? JSON.stringify(withPresence(JSON.parse(json) as Task, presence))
      : json;
  const keyOf = (task: Task) => {
    if (filter.workstream !== undefined && task.workstream !== filter.workstream) return undefined;
    if (filter.status !== undefined && task.status !== filter.status) return undefined;
    if (filter.agent !== undefined && task.claim?.agent !== filter.agent) return undefined;
    if (filter.tag !== undefined && !task.tags.includes(filter.tag)) return undefined;
    if (filter.search !== undefined && !matchesSearch(task, filter.search)) return undefined;
    // One string in compareTasks's order (priority 0-9, then age, then id): 100,000 of them are small.
    return `${task.priority}\u0000${task.createdAt}\u0000${task.id}`;
  };
  await visitTasksInOrder(ws, keyOf, compareText, (json) => visit(withRenewals(json)));
}

/**
 * Tasks that pass `filter` (claims at their effective expiry), most urgent first; `now` is when
 * readiness is judged (default: the clock). With a narrowing (hideFinished, hideRuns, limit), open
 * and claimed work comes first and the list is narrowed as narrowTasks says.
 */
export async function listTasks(
  ws: Workspace,
  filter: TaskQuery = {},
  options: { now?: Date } = {},
): Promise<Task[]> {
  if (filter.status !== undefined && !TASK_STATUSES.includes(filter.status)) {
    throw invalidInput(`status ${quote(filter.status)} must be one of ${TASK_STATUSES.join(', ')}`);
  }
  const { hideFinished, hideRuns, limit } = filter;
  if (!filter.ready && filter.search === undefined) {
    // Decided on the task index's short entries, only the tasks listed read (see task-list.ts).
    const page = await pageTasks(ws, filter, { hideFinished, hideRuns, limit });
    if (page) return page.tasks;
  }
  const tasks = await loadTasks(ws);
  const active = filter.ready
    ? new Set(
        listWorkstreams(ws)
          .filter((w) => w.status === 'active')
          .map((w) => w.name),
      )
    : undefined;
  const now = (options.now ?? new Date()).getTime();
  const presence = loadPresence(ws);
  const out: Task[] = [];
  for (const stored of tasks.values()) {
    const task = withPresence(stored, presence);
    if (filter.workstream !== undefined && task.workstream !== filter.workstream) continue;
    if (filter.status !== undefined && task.status !== filter.status) continue;
    if (filter.agent !== undefined && task.claim?.agent !== filter.agent) continue;
    if (filter.tag !== undefined && !task.tags.includes(filter.tag)) continue;
    if (active && !isReady(task, tasks, active, now, presence)) continue;
    if (filter.search !== undefined && !matchesSearch(task, filter.search)) continue;
    out.push(task);
  }
  out.sort(compareTasks);
  if (!hideFinished && !hideRuns && limit === undefined) return out;
  return narrowTasks(out, { hideFinished, hideRuns, limit }).tasks;
}
