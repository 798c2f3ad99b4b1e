import { TASK_STATUSES, type TaskStatus } from '../records/index.js';
import { compareText } from '../shared/index.js';

/*
 * The board at a glance, kept beside the task index so that the commands that touch one task or read
 * the board's shape (heartbeat, status, t next) cost what they do, not the board's size: counts per
 * workstream and status, the claimed tasks, the tasks holding lost claims, the open or claimed tasks
 * with dependencies (and the status of each of their dependencies), and the most urgent open tasks.
 * Each mutation updates it from what it wrote (before and after); a rebuild derives it from the queue.
 * Pure: the file is read and written by task-index.ts.
 */

/** What choosing and sweeping need of a task, without its texts: a tenth of the parse cost. */
export interface QueueEntry {
  id: string;
  workstream: string;
  priority: number;
  status: TaskStatus;
  tags: string[];
  deps: string[];
  createdAt: string;
  claim: { agent: string; token: string; expiresAt: string } | null;
  /** Agents whose claims a merge overrode (see heartbeats). */
  lost: string[];
}

/** How many of the most urgent open tasks are kept for `t next`. */
export const TOP_SIZE = 200;

/** The ordering key of an open task: `t next`'s base order (priority, then age, then id). */
export type TopKey = Pick<QueueEntry, 'priority' | 'createdAt' | 'id'>;

export const compareKeys = (a: TopKey, b: TopKey) =>
  a.priority - b.priority || compareText(a.createdAt, b.createdAt) || compareText(a.id, b.id);

export interface TaskSummary {
  /** The tasks folder's stamp this summary describes (see tasksDirStamp). */
  stamp: string;
  counts: Map<string, Record<TaskStatus, number>>;
  claimed: Map<string, QueueEntry>;
  lost: Map<string, QueueEntry>;
  /** Open or claimed tasks with dependencies: what decides whether they are ready. */
  waiting: Map<string, QueueEntry>;
  /** The status of each dependency of a waiting task ('missing' when no such task). */
  depStatus: Map<string, TaskStatus | 'missing'>;
  /**
   * The most urgent open tasks in key order. Every open task not listed has a key at or after `bound`;
   * `complete` when every open task is listed (then `bound` means nothing).
   */
  top: QueueEntry[];
  complete: boolean;
  bound: TopKey | null;
}

const zeroCounts = () => Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;

const isWaiting = (e: QueueEntry) => (e.status === 'open' || e.status === 'claimed') && e.deps.length > 0;

/** The summary of a whole queue (a rebuild). */
export function buildSummary(queue: ReadonlyMap<string, QueueEntry>, stamp: string): TaskSummary {
  const summary: TaskSummary = {
    stamp,
    counts: new Map(),
    claimed: new Map(),
    lost: new Map(),
    waiting: new Map(),
    depStatus: new Map(),
    top: [],
    complete: true,
    bound: null,
  };
  for (const entry of queue.values()) addEntry(summary, entry);
  for (const entry of summary.waiting.values())
    for (const dep of entry.deps) summary.depStatus.set(dep, queue.get(dep)?.status ?? 'missing');
  refillTop(summary, queue);
  return summary;
}

/**
 * Lists the most urgent open tasks of the whole queue again, in one pass that keeps the TOP_SIZE + 1
 * first in order (the last one is the bound): sorting every open task took n log n comparisons, over a
 * second at 100,000 tasks, inside the workspace lock.
 */
export function refillTop(summary: TaskSummary, queue: ReadonlyMap<string, QueueEntry>): void {
  const kept: QueueEntry[] = [];
  let open = 0;
  for (const entry of queue.values()) {
    if (entry.status !== 'open') continue;
    open++;
    if (kept.length > TOP_SIZE && compareKeys(entry, kept[TOP_SIZE]!) >= 0) continue;
    let low = 0;
    let high = kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (compareKeys(kept[middle]!, entry) <= 0) low = middle + 1;
      else high = middle;
    }
    kept.splice(low, 0, entry);
    if (kept.length > TOP_SIZE + 1) kept.pop();
  }
  summary.top = kept.slice(0, TOP_SIZE);
  summary.complete = open <= TOP_SIZE;
  summary.bound = summary.complete ? null : keyOf(kept[TOP_SIZE]!);
}

const keyOf = (e: TopKey): TopKey => ({ priority: e.priority, createdAt: e.createdAt, id: e.id });

function addEntry(summary: TaskSummary, entry: QueueEntry): void {
  let counts = summary.counts.get(entry.workstream);
  if (!counts) {
    counts = zeroCounts();
    summary.counts.set(entry.workstream, counts);
  }
  counts[entry.status]++;
  if (entry.status === 'claimed') summary.claimed.set(entry.id, entry);
  if (entry.lost.length > 0) summary.lost.set(entry.id, entry);
  if (isWaiting(entry)) summary.waiting.set(entry.id, entry);
}

/**
 * Updates the summary for one task written (`after`) or removed (`after` undefined) whose previous
 * entry was `before`. `statusOf` reads the status of a task the summary does not know (a new dependency).
 */
export function applyChange(
  summary: TaskSummary,
  before: QueueEntry | undefined,
  after: QueueEntry | undefined,
  statusOf: (id: string) => TaskStatus | 'missing',
): void {
  const id = (after ?? before)?.id;
  if (id === undefined) return;
  if (before) {
    const counts = summary.counts.get(before.workstream);
    if (counts) counts[before.status] = Math.max(0, counts[before.status] - 1);
  }
  summary.claimed.delete(id);
  summary.lost.delete(id);
  summary.waiting.delete(id);
  if (after) addEntry(summary, after);
  if (summary.depStatus.has(id)) summary.depStatus.set(id, after?.status ?? 'missing');
  if (after && isWaiting(after))
    for (const dep of after.deps) if (!summary.depStatus.has(dep)) summary.depStatus.set(dep, statusOf(dep));
  const at = summary.top.findIndex((e) => e.id === id);
  if (at >= 0) summary.top.splice(at, 1);
  if (after?.status === 'open' && (summary.complete || compareKeys(after, summary.bound!) < 0)) {
    let i = summary.top.length;
    while (i > 0 && compareKeys(summary.top[i - 1]!, after) > 0) i--;
    summary.top.splice(i, 0, after);
    if (summary.top.length > TOP_SIZE) {
      const dropped = summary.top.pop()!;
      summary.complete = false;
      summary.bound =
        summary.bound && compareKeys(summary.bound, dropped) < 0 ? summary.bound : keyOf(dropped);
    }
  }
}

/** Forgets dependency statuses no waiting task needs any more. */
function pruneDeps(summary: TaskSummary): void {
  const needed = new Set<string>();
  for (const entry of summary.waiting.values()) for (const dep of entry.deps) needed.add(dep);
  for (const dep of summary.depStatus.keys()) if (!needed.has(dep)) summary.depStatus.delete(dep);
}

// 1: the first format.
const SUMMARY_VERSION = 1;

interface SummaryFile {
  v: number;
  stamp: string;
  counts: Record<string, Record<TaskStatus, number>>;
  claimed: QueueEntry[];
  lost: QueueEntry[];
  waiting: QueueEntry[];
  depStatus: Record<string, TaskStatus | 'missing'>;
  top: QueueEntry[];
  complete: boolean;
  bound: TopKey | null;
}

export function formatSummary(summary: TaskSummary): string {
  pruneDeps(summary);
  const file: SummaryFile = {
    v: SUMMARY_VERSION,
    stamp: summary.stamp,
    counts: Object.fromEntries(summary.counts),
    claimed: [...summary.claimed.values()],
    lost: [...summary.lost.values()],
    waiting: [...summary.waiting.values()],
    depStatus: Object.fromEntries(summary.depStatus),
    top: summary.top,
    complete: summary.complete,
    bound: summary.bound,
  };
  return `${JSON.stringify(file)}\n`;
}

/** The summary a file holds, or undefined when it is of another version or does not parse. */
export function parseSummary(text: string): TaskSummary | undefined {
  let file: SummaryFile;
  try {
    file = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (file?.v !== SUMMARY_VERSION || typeof file.stamp !== 'string' || !Array.isArray(file.top))
    return undefined;
  const byId = (entries: QueueEntry[]) => new Map(entries.map((e) => [e.id, e]));
  return {
    stamp: file.stamp,
    counts: new Map(Object.entries(file.counts)),
    claimed: byId(file.claimed),
    lost: byId(file.lost),
    waiting: byId(file.waiting),
    depStatus: new Map(Object.entries(file.depStatus)),
    top: file.top,
    complete: file.complete,
    bound: file.bound,
  };
}
