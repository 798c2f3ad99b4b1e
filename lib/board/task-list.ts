import type { Task, TaskStatus } from '../records/index.js';
import {
  type OrderChoice,
  type OrderEntry,
  type TaskSummary,
  type Workspace,
  loadSummary,
  readRecord,
  tasksDirStamp,
  visitTasksByOrder,
} from '../storage/index.js';
import { loadPresence, withPresence } from './presence.js';
import { type TaskNarrowing, checkLimit, isFinished, isRunStep } from './task-views.js';

/*
 * `t list` in the order of the task index's order file (lib/storage/task-order.ts): the filters and
 * the narrowing are decided on each task's short entry, and only the tasks shown are read, so a page
 * of 50 costs the same at 100,000 tasks as at 1,000. The count line's totals come from the summary's
 * counts when they can answer (no filters but workstream and status), else from the entries.
 * Filters that need a task's texts or its neighbours (`search`, `ready`) are left to the full path.
 */

/** The filters an entry can answer. */
export interface EntryFilter {
  workstream?: string;
  status?: TaskStatus;
  agent?: string;
  tag?: string;
}

/** What a table row of `t list` shows of a task. */
export type ListRow = Pick<Task, 'id' | 'workstream' | 'priority' | 'status' | 'title' | 'deps'> & {
  agent: string | undefined;
};

/** One page of a list for people: its rows, how many tasks matched, and what narrowing left out. */
export interface TaskPage<R = Task> {
  tasks: R[];
  total: number;
  hidden: { finished: number; runs: number; limit: number };
  /** The status of each dependency of a row that is open ('missing' when no such task). */
  depStatus: Map<string, TaskStatus | 'missing'>;
}

const matchesEntry = (e: OrderEntry, f: EntryFilter) =>
  (f.workstream === undefined || e.workstream === f.workstream) &&
  (f.status === undefined || e.status === f.status) &&
  (f.agent === undefined || e.agent === f.agent) &&
  (f.tag === undefined || e.tags.includes(f.tag));

/** How many tasks match and how many of them narrowing hides as finished, from the summary's counts. */
function countFromSummary(summary: TaskSummary, filter: EntryFilter, narrowing: TaskNarrowing) {
  if (filter.agent !== undefined || filter.tag !== undefined) return undefined;
  let total = 0;
  let finished = 0;
  for (const [workstream, counts] of summary.counts) {
    if (filter.workstream !== undefined && workstream !== filter.workstream) continue;
    for (const [status, n] of Object.entries(counts) as Array<[TaskStatus, number]>) {
      if (n === 0 || (filter.status !== undefined && status !== filter.status)) continue;
      const hiddenFinished = narrowing.hideFinished === true && isFinished({ status });
      // A run's steps are told apart by a tag the counts do not keep: read the entries instead.
      if (!hiddenFinished && narrowing.hideRuns && workstream.startsWith('run-')) return undefined;
      total += n;
      if (hiddenFinished) finished += n;
    }
  }
  return { total, finished };
}

/**
 * The tasks `filter` matches, narrowed (ranked: open and claimed work first, as narrowTasks orders),
 * claims at their effective expiry; undefined when the task index cannot serve (the caller takes the
 * full path).
 */
export async function pageTasks(
  ws: Workspace,
  filter: EntryFilter,
  narrowing: TaskNarrowing,
): Promise<TaskPage | undefined> {
  const presence = loadPresence(ws);
  return readPage(ws, filter, narrowing, false, (_e, json) =>
    withPresence(JSON.parse(json) as Task, presence),
  );
}

/**
 * `t list`'s table: the rows of the tasks `filter` matches, open and claimed work first, narrowed,
 * with the counts its count line prints and the status of the open rows' dependencies. A row is made
 * from the task's entry alone. Undefined when the task index cannot serve.
 */
export async function pageTaskRows(
  ws: Workspace,
  filter: EntryFilter,
  narrowing: TaskNarrowing,
): Promise<TaskPage<ListRow> | undefined> {
  return readPage(ws, filter, narrowing, true, (e) => ({
    id: e.id,
    workstream: e.workstream,
    priority: e.priority,
    status: e.status,
    title: JSON.parse(e.titleJson) as string,
    deps: e.deps,
    agent: e.agent,
  }));
}

async function readPage<R extends Pick<Task, 'status' | 'deps'>>(
  ws: Workspace,
  filter: EntryFilter,
  narrowing: TaskNarrowing,
  withCounts: boolean,
  toRow: (entry: OrderEntry, json: string) => R,
): Promise<TaskPage<R> | undefined> {
  const limit = checkLimit(narrowing.limit);
  // For people (with counts), open work comes first always, as narrowTasks orders; for listTasks
  // only when narrowed.
  const ranked =
    withCounts || narrowing.hideFinished === true || narrowing.hideRuns === true || limit !== undefined;
  const summary = withCounts ? await loadSummary(ws) : undefined;
  const fromSummary = summary && countFromSummary(summary, filter, narrowing);
  const page: TaskPage<R> = {
    tasks: [],
    total: 0,
    hidden: { finished: 0, runs: 0, limit: 0 },
    depStatus: new Map(),
  };
  // With counts from the summary, or none asked for, the listing ends with its last row.
  const stopAfterRows = !withCounts || fromSummary !== undefined;
  let kept = 0;
  const choose = (e: OrderEntry): OrderChoice => {
    if (!matchesEntry(e, filter)) return 'skip';
    // Ranked, everything after the first finished task is finished: hidden, and counted already.
    if (stopAfterRows && ranked && narrowing.hideFinished && e.rank === 2) return 'stop';
    page.total++;
    if (narrowing.hideFinished && isFinished(e)) page.hidden.finished++;
    else if (narrowing.hideRuns && isRunStep(e)) page.hidden.runs++;
    else if (limit !== undefined && kept >= limit) {
      if (stopAfterRows) return 'stop';
      page.hidden.limit++;
    } else {
      kept++;
      return 'row';
    }
    return 'skip';
  };
  const served = await visitTasksByOrder(ws, {
    ranked,
    choose,
    row: (e, json) => {
      page.tasks.push(toRow(e, json));
    },
  });
  if (!served) return undefined;
  if (summary && summary.stamp !== tasksDirStamp(ws)) return undefined; // the board moved on meanwhile
  if (fromSummary) {
    page.total = fromSummary.total;
    page.hidden = {
      finished: fromSummary.finished,
      runs: 0,
      limit: fromSummary.total - fromSummary.finished - page.tasks.length,
    };
  }
  if (summary) {
    for (const task of page.tasks) {
      if (task.status !== 'open') continue;
      for (const dep of task.deps)
        if (!page.depStatus.has(dep))
          page.depStatus.set(
            dep,
            summary.depStatus.get(dep) ?? readRecord(ws, 'task', dep)?.status ?? 'missing',
          );
    }
  }
  return page;
}

/**
 * Calls `visit` with the JSON text of each task `filter` matches, claims at their effective expiry:
 * in `t next`'s order, or with a `limit` in `t list`'s (open and claimed work first) up to it. False,
 * having visited nothing, when the task index cannot serve.
 */
export async function visitTaskRows(
  ws: Workspace,
  filter: EntryFilter,
  limit: number | undefined,
  visit: (json: string) => void | Promise<void>,
): Promise<boolean> {
  checkLimit(limit);
  const presence = loadPresence(ws);
  let kept = 0;
  return visitTasksByOrder(ws, {
    ranked: limit !== undefined,
    choose: (e) =>
      !matchesEntry(e, filter) ? 'skip' : limit !== undefined && kept >= limit ? 'stop' : 'row',
    row: (_e, json) => {
      kept++;
      // A claim renewed on this machine is written again with its effective expiry.
      return visit(
        presence.renewals.size > 0 && json.includes('"claim":{')
          ? JSON.stringify(withPresence(JSON.parse(json) as Task, presence))
          : json,
      );
    },
  });
}
