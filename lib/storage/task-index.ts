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
import { OrcError } from '../shared/index.js';
import { writeText } from './files.js';
import { parseJson } from './json-file.js';
import { type Task, type TaskStatus, validateTask } from '../records/index.js';
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
    claim: f[at + 7] ? { agent: f[at + 7]!, expiresAt: f[at + 8]! } : null,
    lost: list(f[at + 9]!),
  };
}

/** A journal: how a task becomes a line (after its stamp), and how a whole journal is read back. */
interface Journal<T> {
  name: string;
  header: (stamp: string) => string;
  line: (task: Task, stamp: string) => string;
  /** The entries, or undefined if the text is torn, of another version, or not stamped `stamp`. */
  parse: (text: string, stamp: string) => { entries: Map<string, T>; lines: number } | undefined;
  stampOf: (line: string) => string | undefined;
}

interface JsonLine {
  v?: number;
  s: string;
  t?: Task;
}

const FULL: Journal<Task> = {
  name: 'tasks.index.jsonl',
  header: (stamp) => JSON.stringify({ v: HEADER_VERSION, s: stamp }),
  line: (task, stamp) => JSON.stringify({ s: stamp, t: task }),
  parse(text, stamp) {
    let lines: JsonLine[];
    try {
      lines = JSON.parse(`[${text.trimEnd().replaceAll('\n', ',')}]`);
    } catch {
      return undefined; // a torn last line or a stray edit: rebuild
    }
    if (lines.length === 0 || lines[0]!.v !== HEADER_VERSION || lines[lines.length - 1]!.s !== stamp)
      return undefined;
    const entries = new Map<string, Task>();
    for (const line of lines) if (line.t) entries.set(line.t.id, line.t);
    return { entries, lines: lines.length };
  },
  stampOf(line) {
    try {
      return (JSON.parse(line) as JsonLine).s;
    } catch {
      return undefined;
    }
  },
};

const QUEUE_MAGIC = 'orc-queue';
const QUEUE_FIELDS = 11;

const QUEUE: Journal<QueueEntry> = {
  name: 'tasks.queue.tsv',
  header: (stamp) => `${QUEUE_MAGIC}\t${HEADER_VERSION}\t${stamp}`,
  line: (task, stamp) => `${stamp}\t${toQueueLine(task)}`,
  parse(text, stamp) {
    // Only the final newline goes: a line may end in empty, tab-separated fields.
    const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
    const head = lines[0]!.split('\t');
    if (head[0] !== QUEUE_MAGIC || head[1] !== String(HEADER_VERSION)) return undefined;
    const entries = new Map<string, QueueEntry>();
    for (let i = 1; i < lines.length; i++) {
      const fields = lines[i]!.split('\t');
      if (fields.length !== QUEUE_FIELDS) return undefined; // torn
      entries.set(fields[1]!, fromQueueFields(fields, 1));
    }
    const last = lines.length > 1 ? lines[lines.length - 1]!.split('\t')[0] : head[2];
    return last === stamp ? { entries, lines: lines.length } : undefined;
  },
  stampOf: (line) => (line.startsWith(QUEUE_MAGIC) ? line.split('\t')[2] : line.split('\t')[0]),
};

const JOURNALS = [FULL, QUEUE] as const;

export function indexFile(ws: Workspace, journal: { name: string } = FULL): string {
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

function readIndex<T>(ws: Workspace, journal: Journal<T>, stamp: string) {
  let text: string;
  try {
    text = readFileSync(indexFile(ws, journal), 'utf8');
  } catch {
    return undefined;
  }
  return journal.parse(text, stamp);
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
    const task = validateTask(parseJson(readFileSync(join(ws.tasksDir, name), 'utf8'), label), label);
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
function lastStamp(file: string, journal: Journal<unknown>): string | undefined {
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
      return journal.stampOf(text.slice(start + 1));
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
    const current = (journal === QUEUE && queueLoaded) || lastStamp(file, journal) === stampBefore;
    if (!current) {
      try {
        unlinkSync(file);
      } catch {
        // no cache to drop
      }
      continue;
    }
    const text = written.map((task) => journal.line(task, stamp)).join('\n');
    // A writer killed mid-append leaves a torn last line: the next reader sees it and rebuilds.
    appendFileSync(file, `${text}\n`);
  }
}
