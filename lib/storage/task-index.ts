import { OrcError } from '../shared/index.js';
import {
  appendText,
  changeStamp,
  fileStamp,
  listFiles,
  readRange,
  readText,
  readTextsIn,
  removeFile,
  writeText,
} from './files.js';
import { parseJson } from './json-file.js';
import { type Task, type TaskStatus, validateTask } from '../records/index.js';
import { tryWithWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

/*
 * A derived, git-ignored cache of every task, so that listing and choosing the next task at 10,000
 * tasks costs one file read instead of 10,000. It is a journal: each line holds a task as written
 * and a stamp, the tasks folder's mtime after the write. Every orc write appends its lines under the
 * workspace lock; a stamp that differs from the folder's mtime means someone else (git, a person)
 * changed the folder, and the cache is rebuilt from the files, which remain the truth. Each batch of
 * lines (a rebuild, or one mutation's tasks) ends with an end line carrying the stamp, so a journal
 * cut short anywhere, even at a line boundary, or read while a batch is being appended, is seen as
 * such and rebuilt instead of silently missing tasks.
 */

// 3: queue lines carry the claim token (presence renewals are matched to a claim by it).
const HEADER_VERSION = 3;

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

const NONE: string[] = [];
const list = (text: string) => (text === '' ? NONE : text.split(' '));

/**
 * A queue line: tab-separated, because every field is a validated name, id, number or timestamp
 * (no tabs, no spaces; lists are space-separated). Splitting lines allocates far less than parsing
 * JSON, which is most of what `t next` costs at 10,000 tasks.
 */
function toQueueLine(t: Task): string {
  return [
    t.id,
    t.workstream,
    t.priority,
    t.status,
    t.tags.join(' '),
    t.deps.join(' '),
    t.createdAt,
    t.claim?.agent ?? '',
    t.claim?.expiresAt ?? '',
    t.claim?.token ?? '',
    (t.lost ?? []).map((l) => l.agent).join(' '),
  ].join('\t');
}

function fromQueueFields(f: string[], at: number): QueueEntry {
  return {
    id: f[at]!,
    workstream: f[at + 1]!,
    priority: Number(f[at + 2]),
    status: f[at + 3] as TaskStatus,
    tags: list(f[at + 4]!),
    deps: list(f[at + 5]!),
    createdAt: f[at + 6]!,
    claim: f[at + 7] ? { agent: f[at + 7]!, token: f[at + 9]!, expiresAt: f[at + 8]! } : null,
    lost: list(f[at + 10]!),
  };
}

/** A journal: how a task becomes a line (after its stamp), and how a whole journal is read back. */
interface Journal<T> {
  header: (stamp: string) => string;
  line: (task: Task, stamp: string) => string;
  /** The line that ends each batch. */
  end: (stamp: string) => string;
  /** The entries, or undefined if the text is torn, of another version, or not stamped `stamp`. */
  parse: (text: string, stamp: string) => { entries: Map<string, T>; lines: number } | undefined;
  /** The stamp of an end line; undefined for any other line (a batch cut short). */
  stampOf: (line: string) => string | undefined;
  /** Which file of the workspace holds it. */
  file: (ws: Workspace) => string;
}

interface JsonLine {
  v?: number;
  s: string;
  t?: Task;
  end?: true;
}

const FULL: Journal<Task> = {
  header: (stamp) => JSON.stringify({ v: HEADER_VERSION, s: stamp }),
  line: (task, stamp) => JSON.stringify({ s: stamp, t: task }),
  end: (stamp) => JSON.stringify({ s: stamp, end: true }),
  parse(text, stamp) {
    let lines: JsonLine[];
    try {
      lines = JSON.parse(`[${text.trimEnd().replaceAll('\n', ',')}]`);
    } catch {
      return undefined; // a torn last line or a stray edit: rebuild
    }
    const last = lines[lines.length - 1];
    if (lines[0]?.v !== HEADER_VERSION || last?.end !== true || last.s !== stamp) return undefined;
    const entries = new Map<string, Task>();
    let count = 0;
    for (const line of lines) {
      if (typeof line !== 'object' || line === null) return undefined;
      if (line.t) {
        entries.set(line.t.id, line.t);
        count++;
      }
    }
    return { entries, lines: count + 1 };
  },
  stampOf(line) {
    try {
      const parsed = JSON.parse(line) as JsonLine;
      return parsed?.end === true ? parsed.s : undefined;
    } catch {
      return undefined;
    }
  },
  file: (ws) => ws.taskIndexFile,
};

const QUEUE_MAGIC = 'orc-queue';
const QUEUE_END = 'orc-end';
const QUEUE_FIELDS = 12;

const QUEUE: Journal<QueueEntry> = {
  header: (stamp) => `${QUEUE_MAGIC}\t${HEADER_VERSION}\t${stamp}`,
  line: (task, stamp) => `${stamp}\t${toQueueLine(task)}`,
  end: (stamp) => `${QUEUE_END}\t${stamp}`,
  parse(text, stamp) {
    if (!text.endsWith('\n')) return undefined; // torn
    // Only the final newline goes: a line may end in empty, tab-separated fields.
    const lines = text.slice(0, -1).split('\n');
    const head = lines[0]!.split('\t');
    if (head[0] !== QUEUE_MAGIC || head[1] !== String(HEADER_VERSION)) return undefined;
    const entries = new Map<string, QueueEntry>();
    let end: string | undefined;
    for (let i = 1; i < lines.length; i++) {
      const fields = lines[i]!.split('\t');
      end = fields.length === 2 && fields[0] === QUEUE_END ? fields[1] : undefined;
      if (end !== undefined) continue;
      if (fields.length !== QUEUE_FIELDS) return undefined; // torn
      entries.set(fields[1]!, fromQueueFields(fields, 1));
    }
    return end === stamp ? { entries, lines: entries.size + 1 } : undefined;
  },
  stampOf(line) {
    const fields = line.split('\t');
    return fields.length === 2 && fields[0] === QUEUE_END ? fields[1] : undefined;
  },
  file: (ws) => ws.taskQueueFile,
};

const JOURNALS = [FULL, QUEUE] as const;

/** The file of a journal (the full one by default). */
export function indexFile(ws: Workspace, journal: { file: (ws: Workspace) => string } = FULL): string {
  return journal.file(ws);
}

/** What the tasks folder looks like now; a journal is current when its last end line names this. */
export function tasksDirStamp(ws: Workspace): string {
  return changeStamp(ws, ws.tasksDir) ?? 'none';
}

function readIndex<T>(ws: Workspace, journal: Journal<T>, stamp: string) {
  const text = readText(ws, indexFile(ws, journal));
  return text === undefined ? undefined : journal.parse(text, stamp);
}

export function isTaskFileName(name: string): boolean {
  return name.startsWith('t-') && name.endsWith('.json');
}

/** Reads every task file. A file that is not a valid task is named in a CORRUPT error. */
export function readAllTaskFiles(ws: Workspace): Map<string, Task> {
  const tasks = new Map<string, Task>();
  const names = listFiles(ws, ws.tasksDir, isTaskFileName);
  for (const [name, text] of readTextsIn(ws, ws.tasksDir, names)) {
    const label = `state/tasks/${name}`;
    const task = validateTask(parseJson(text, label), label);
    if (`${task.id}.json` !== name) {
      throw new OrcError('CORRUPT', `${label} holds task ${task.id}: the file name and the id differ`);
    }
    tasks.set(task.id, task);
  }
  return tasks;
}

function saveIndex(ws: Workspace, tasks: Map<string, Task>, stamp: string): void {
  for (const journal of JOURNALS) {
    const lines = [journal.header(stamp)];
    for (const task of tasks.values()) lines.push(journal.line(task, stamp));
    lines.push(journal.end(stamp));
    writeText(ws, indexFile(ws, journal), `${lines.join('\n')}\n`);
  }
}

/** For readers outside the lock: the cache if it is current, else a rebuild (saved if the lock is free). */
export async function loadTasks(ws: Workspace): Promise<Map<string, Task>> {
  const stamp = tasksDirStamp(ws);
  const cached = readIndex(ws, FULL, stamp);
  if (cached) return cached.entries;
  const tasks = readAllTaskFiles(ws);
  // Save only while holding the lock and only if nothing was written since the stamp was taken:
  // otherwise a slow reader could install an older picture under a newer stamp.
  await tryWithWorkspaceLock(ws, () => {
    if (tasksDirStamp(ws) === stamp) saveIndex(ws, tasks, stamp);
  });
  return tasks;
}

/**
 * For readers outside the lock that need only the queue view (heartbeats): the queue journal if it is
 * current, else every task through loadTasks (which rebuilds the caches when it may).
 */
export async function loadQueue(ws: Workspace): Promise<Map<string, QueueEntry>> {
  const cached = readIndex(ws, QUEUE, tasksDirStamp(ws));
  if (cached) return cached.entries;
  const tasks = await loadTasks(ws);
  return new Map([...tasks.values()].map((t) => [t.id, toQueueEntry(t)]));
}

/**
 * For a mutation that holds the lock: the queue view of every task, current, rebuilding the caches
 * from the files when they are stale (or when `fromFiles`), and compacting them when they have grown.
 */
export function loadQueueLocked(ws: Workspace, fromFiles = false): Map<string, QueueEntry> {
  const stamp = tasksDirStamp(ws);
  const cached = fromFiles ? undefined : readIndex(ws, QUEUE, stamp);
  if (cached && cached.lines <= 2 * cached.entries.size + 1000) return cached.entries;
  const tasks = readAllTaskFiles(ws);
  saveIndex(ws, tasks, stamp);
  return new Map([...tasks.values()].map((t) => [t.id, toQueueEntry(t)]));
}

export function toQueueEntry(task: Task): QueueEntry {
  return fromQueueFields(toQueueLine(task).split('\t'), 0);
}

/** The stamp of a journal's last line, read from the file's tail only (journals grow to megabytes). */
function lastStamp(ws: Workspace, file: string, journal: Journal<unknown>): string | undefined {
  const size = fileStamp(ws, file)?.size;
  if (!size) return undefined;
  // End lines are short: the tail holds the whole of the last one.
  const length = Math.min(4_096, size);
  const text = readRange(ws, file, size - length, length).toString('utf8');
  if (!text.endsWith('\n')) return undefined; // torn
  const lines = text.slice(0, -1).split('\n');
  return lines.length > 1 || length === size ? journal.stampOf(lines[lines.length - 1]!) : undefined;
}

/**
 * Called under the lock around a mutation's task writes: `stampBefore` is the folder's mtime before
 * them. Each journal is extended if it was current, and dropped (to be rebuilt) otherwise.
 */
export function recordTaskWrites(
  ws: Workspace,
  written: readonly Task[],
  stampBefore: string,
  queueLoaded: boolean,
) {
  if (written.length === 0) return;
  const stamp = tasksDirStamp(ws);
  for (const journal of JOURNALS) {
    const file = indexFile(ws, journal);
    // The queue was read and validated in this critical section; the full journal's tail is checked.
    const current = (journal === QUEUE && queueLoaded) || lastStamp(ws, file, journal) === stampBefore;
    if (!current) {
      removeFile(ws, file);
      continue;
    }
    const lines = written.map((task) => journal.line(task, stamp));
    lines.push(journal.end(stamp));
    // A writer killed mid-append leaves a batch without its end line: the next reader rebuilds.
    appendText(ws, file, `${lines.join('\n')}\n`);
  }
}
