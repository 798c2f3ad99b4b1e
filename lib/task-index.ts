import {
  appendFileSync,
  closeSync,
  fstatSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { OrcError } from './errors.js';
import { parseJson, writeFileAtomic } from './json-file.js';
import { type Task, type TaskStatus, checkTask } from './task-schema.js';
import { tryWithWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

/*
 * A derived, git-ignored cache of every task, so that listing and choosing the next task at 10,000
 * tasks costs one file read instead of 10,000. It is a journal: each line holds a task as written
 * and a stamp, the tasks folder's mtime after the write. Every orc write appends its lines under the
 * workspace lock; a stamp that differs from the folder's mtime means someone else (git, a person)
 * changed the folder, and the cache is rebuilt from the files, which remain the truth.
 */

const HEADER_VERSION = 1;

/** What choosing and sweeping need of a task, without its texts: a tenth of the parse cost. */
export interface QueueEntry {
  id: string;
  workstream: string;
  priority: number;
  status: TaskStatus;
  tags: string[];
  deps: string[];
  createdAt: string;
  claim: { agent: string; expiresAt: string } | null;
  /** Agents whose claims a merge overrode (see heartbeats). */
  lost: string[];
}

type QueueRow = [
  string,
  string,
  number,
  TaskStatus,
  string[],
  string[],
  string,
  string | null,
  string | null,
  string[],
];

const toRow = (t: Task): QueueRow => [
  t.id,
  t.workstream,
  t.priority,
  t.status,
  t.tags,
  t.deps,
  t.createdAt,
  t.claim?.agent ?? null,
  t.claim?.expiresAt ?? null,
  (t.lost ?? []).map((l) => l.agent),
];

const fromRow = (r: QueueRow): QueueEntry => ({
  id: r[0],
  workstream: r[1],
  priority: r[2],
  status: r[3],
  tags: r[4],
  deps: r[5],
  createdAt: r[6],
  claim: r[7] === null ? null : { agent: r[7], expiresAt: r[8]! },
  lost: r[9],
});

/** A journal file and how a task is written into it. */
interface Journal<T> {
  name: string;
  encode: (task: Task) => unknown;
  decode: (value: unknown) => T;
  idOf: (value: unknown) => string;
}

const FULL: Journal<Task> = {
  name: 'tasks.index.jsonl',
  encode: (t) => t,
  decode: (v) => v as Task,
  idOf: (v) => (v as Task).id,
};
const QUEUE: Journal<QueueEntry> = {
  name: 'tasks.queue.jsonl',
  encode: toRow,
  decode: (v) => fromRow(v as QueueRow),
  idOf: (v) => (v as QueueRow)[0],
};
const JOURNALS = [FULL, QUEUE] as const;

export function indexFile(ws: Workspace, journal: Journal<unknown> = FULL): string {
  return join(ws.localDir, journal.name);
}

export function tasksDirStamp(ws: Workspace): string {
  try {
    return statSync(ws.tasksDir, { bigint: true }).mtimeNs.toString();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    throw error;
  }
}

interface IndexLine {
  v?: number;
  s: string;
  t?: unknown;
}

interface Loaded<T> {
  entries: Map<string, T>;
  lines: number;
}

function readIndex<T>(ws: Workspace, journal: Journal<T>, stamp: string): Loaded<T> | undefined {
  let text: string;
  try {
    text = readFileSync(indexFile(ws, journal), 'utf8');
  } catch {
    return undefined;
  }
  let lines: IndexLine[];
  try {
    lines = JSON.parse(`[${text.trimEnd().replaceAll('\n', ',')}]`);
  } catch {
    return undefined; // a torn last line or a stray edit: rebuild
  }
  if (lines.length === 0 || lines[0]!.v !== HEADER_VERSION || lines[lines.length - 1]!.s !== stamp)
    return undefined;
  const entries = new Map<string, T>();
  for (const line of lines)
    if (line.t !== undefined) entries.set(journal.idOf(line.t), journal.decode(line.t));
  return { entries, lines: lines.length };
}

export function isTaskFileName(name: string): boolean {
  return name.startsWith('t-') && name.endsWith('.json');
}

/** Reads every task file. A file that is not a valid task is named in a CORRUPT error. */
export function readAllTaskFiles(ws: Workspace): Map<string, Task> {
  const tasks = new Map<string, Task>();
  let names: string[];
  try {
    names = readdirSync(ws.tasksDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return tasks;
    throw error;
  }
  for (const name of names) {
    if (!isTaskFileName(name)) continue;
    const label = `state/tasks/${name}`;
    const task = checkTask(parseJson(readFileSync(join(ws.tasksDir, name), 'utf8'), label), label);
    if (`${task.id}.json` !== name) {
      throw new OrcError('CORRUPT', `${label} holds task ${task.id}: the file name and the id differ`);
    }
    tasks.set(task.id, task);
  }
  return tasks;
}

function saveIndex(ws: Workspace, tasks: Map<string, Task>, stamp: string): void {
  for (const journal of JOURNALS) {
    const lines = [JSON.stringify({ v: HEADER_VERSION, s: stamp })];
    for (const task of tasks.values()) lines.push(JSON.stringify({ s: stamp, t: journal.encode(task) }));
    writeFileAtomic(indexFile(ws, journal), `${lines.join('\n')}\n`);
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
 * For a mutation that holds the lock: the queue view of every task, current, rebuilding the caches
 * from the files when they are stale (or when `fromFiles`), and compacting them when they have grown.
 */
export function loadQueueLocked(ws: Workspace, fromFiles = false): Map<string, QueueEntry> {
  const stamp = tasksDirStamp(ws);
  const cached = fromFiles ? undefined : readIndex(ws, QUEUE, stamp);
  if (cached && cached.lines <= 2 * cached.entries.size + 1000) return cached.entries;
  const tasks = readAllTaskFiles(ws);
  saveIndex(ws, tasks, stamp);
  return new Map([...tasks.values()].map((t) => [t.id, fromRow(toRow(t))]));
}

export function toQueueEntry(task: Task): QueueEntry {
  return fromRow(toRow(task));
}

/** The stamp of a journal's last line, read from the file's tail only (journals grow to megabytes). */
function lastStamp(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    for (let want = 16_384; ; want *= 4) {
      const length = Math.min(want, size);
      const buffer = Buffer.alloc(length);
      readSync(fd, buffer, 0, length, size - length);
      const text = buffer.toString('utf8').trimEnd();
      const start = text.lastIndexOf('\n');
      if (start < 0 && length < size) continue; // the last line is longer than what was read
      try {
        return (JSON.parse(text.slice(start + 1)) as IndexLine).s;
      } catch {
        return undefined;
      }
    }
  } finally {
    closeSync(fd);
  }
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
    const current = (journal === QUEUE && queueLoaded) || lastStamp(file) === stampBefore;
    if (!current) {
      try {
        unlinkSync(file);
      } catch {
        // no cache to drop
      }
      continue;
    }
    const text = written.map((task) => JSON.stringify({ s: stamp, t: journal.encode(task) })).join('\n');
    // A writer killed mid-append leaves a torn last line: the next reader sees it and rebuilds.
    appendFileSync(file, `${text}\n`);
  }
}
