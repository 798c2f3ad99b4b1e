import { invalidInput, quote } from '../shared/index.js';
import type { Task } from '../records/index.js';

/*
 * Pure views of the board for people and for agents that page through it: which tasks a list shows,
 * what blocks a task, what it blocks, its dependency tree. Functions of their inputs, no disk.
 */

/** The fields of a task these views look at. */
export type TaskView = Pick<Task, 'id' | 'workstream' | 'status' | 'tags' | 'deps' | 'title' | 'priority'> & {
  description?: string | null;
};

/** How a list is narrowed after its filters: finished work and run steps hidden, a page cut. */
export interface TaskNarrowing {
  /** Hide done and cancelled tasks. */
  hideFinished?: boolean;
  /** Hide the tasks runs put on the board for their steps (workstreams `run-…`). */
  hideRuns?: boolean;
  /** At most this many tasks, after the order below. */
  limit?: number;
}

/** What narrowing left out, by reason (a task left out for two reasons counts once, for the first). */
export interface NarrowedTasks<T> {
  tasks: T[];
  hidden: { finished: number; runs: number; limit: number };
}

/** Done or cancelled: nothing more will happen to it unless it is reopened. */
export const isFinished = (task: Pick<Task, 'status'>) =>
  task.status === 'done' || task.status === 'cancelled';

/** A task a run put on the board for one of its steps (lib/runs/run-board.ts). */
export const isRunStep = (task: Pick<Task, 'workstream' | 'tags'>) =>
  task.workstream.startsWith('run-') && task.tags.includes('run');

/** Title or description contains `text`, ignoring case. */
export function matchesSearch(task: Pick<TaskView, 'title' | 'description'>, text: string): boolean {
  const needle = text.toLowerCase();
  return task.title.toLowerCase().includes(needle) || (task.description ?? '').toLowerCase().includes(needle);
}

/** Open and claimed work first, then failed, then finished; the order within each kept (stable). */
function workRank(task: Pick<Task, 'status'>): number {
  if (task.status === 'open' || task.status === 'claimed') return 0;
  return task.status === 'failed' ? 1 : 2;
}

/** A limit must be a whole number of at least 1 (text, as a front end got it, is refused here too). */
export function checkLimit(limit: number | string | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1)
    throw invalidInput(`limit must be a whole number of at least 1, got ${quote(String(limit))}`, {
      field: 'limit',
    });
  return limit;
}

/** `tasks` (already filtered and sorted by urgency) with open work first, narrowed as asked. */
export function narrowTasks<T extends Pick<Task, 'status' | 'workstream' | 'tags'>>(
  tasks: readonly T[],
  narrowing: TaskNarrowing,
): NarrowedTasks<T> {
  const limit = checkLimit(narrowing.limit);
  const hidden = { finished: 0, runs: 0, limit: 0 };
  const kept: T[] = [];
  for (const task of [...tasks].sort((a, b) => workRank(a) - workRank(b))) {
    if (narrowing.hideFinished && isFinished(task)) hidden.finished++;
    else if (narrowing.hideRuns && isRunStep(task)) hidden.runs++;
    else if (limit !== undefined && kept.length >= limit) hidden.limit++;
    else kept.push(task);
  }
  return { tasks: kept, hidden };
}

/** The dependencies of `task` that are not done (a missing one too): what keeps it from being ready. */
export function blockingDeps(
  task: Pick<Task, 'deps'>,
  byId: ReadonlyMap<string, Pick<Task, 'status'>>,
): string[] {
  return task.deps.filter((dep) => byId.get(dep)?.status !== 'done');
}

/** The tasks that name `id` as a dependency: what it blocks until it is done. */
export function taskDependents<T extends Pick<Task, 'deps'>>(id: string, tasks: Iterable<T>): T[] {
  return [...tasks].filter((t) => t.deps.includes(id));
}

/** One line of a dependency tree: a task (undefined when missing) at a depth. */
export interface TreeNode<T> {
  id: string;
  depth: number;
  task: T | undefined;
  /** The task is already on the path from the root: a cycle, not descended into. */
  cycle: boolean;
}

/**
 * The dependency tree under `rootId`, depth first, each task's deps in their order. The board refuses
 * cycles, but records arrive by merges too: a task already on the path is marked and not followed.
 */
export function dependencyTree<T extends Pick<Task, 'deps'>>(
  rootId: string,
  byId: ReadonlyMap<string, T>,
): Array<TreeNode<T>> {
  const out: Array<TreeNode<T>> = [];
  const walk = (id: string, depth: number, path: ReadonlySet<string>) => {
    const task = byId.get(id);
    const cycle = path.has(id);
    out.push({ id, depth, task, cycle });
    if (!task || cycle) return;
    const next = new Set(path).add(id);
    for (const dep of task.deps) walk(dep, depth + 1, next);
  };
  walk(rootId, 0, new Set());
  return out;
}
