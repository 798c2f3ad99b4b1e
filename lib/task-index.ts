import { appendFileSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OrcError } from './errors.js';
import { parseJson, writeFileAtomic } from './json-file.js';
import { type Task, checkTask } from './task-schema.js';
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

export function indexFile(ws: Workspace): string {
  return join(ws.localDir, 'tasks.index.jsonl');
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
  t?: Task;
  d?: string;
}

interface LoadedIndex {
  tasks: Map<string, Task>;
  lines: number;
}

function readIndex(ws: Workspace, stamp: string): LoadedIndex | undefined {
  let text: string;
  try {
    text = readFileSync(indexFile(ws), 'utf8');
  } catch {
    return undefined;
  }
  let lines: IndexLine[];
  try {
    lines = JSON.parse(`[${text.trimEnd().split('\n').join(',')}]`);
  } catch {
    return undefined; // a torn last line or a stray edit: rebuild
  }
  if (lines.length === 0 || lines[0]!.v !== HEADER_VERSION || lines[lines.length - 1]!.s !== stamp)
    return undefined;
  const tasks = new Map<string, Task>();
  for (const line of lines) {
    if (line.t) tasks.set(line.t.id, line.t);
    else if (line.d) tasks.delete(line.d);
  }
  return { tasks, lines: lines.length };
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
  const lines = [JSON.stringify({ v: HEADER_VERSION, s: stamp })];
  for (const task of tasks.values()) lines.push(JSON.stringify({ s: stamp, t: task }));
  writeFileAtomic(indexFile(ws), `${lines.join('\n')}\n`);
}

/** For readers outside the lock: the cache if it is current, else a rebuild (saved if the lock is free). */
export async function loadTasks(ws: Workspace): Promise<Map<string, Task>> {
  const stamp = tasksDirStamp(ws);
  const cached = readIndex(ws, stamp);
  if (cached) return cached.tasks;
  const tasks = readAllTaskFiles(ws);
  // Save only while holding the lock and only if nothing was written since the stamp was taken:
  // otherwise a slow reader could install an older picture under a newer stamp.
  await tryWithWorkspaceLock(ws, () => {
    if (tasksDirStamp(ws) === stamp) saveIndex(ws, tasks, stamp);
  });
  return tasks;
}

/** For a mutation that holds the lock: the current tasks, rebuilding and compacting the cache as needed. */
export function loadTasksLocked(ws: Workspace, fromFiles = false): Map<string, Task> {
  const stamp = tasksDirStamp(ws);
  const cached = fromFiles ? undefined : readIndex(ws, stamp);
  if (cached && cached.lines <= 2 * cached.tasks.size + 1000) return cached.tasks;
  const tasks = cached?.tasks ?? readAllTaskFiles(ws);
  saveIndex(ws, tasks, stamp);
  return tasks;
}

function lastStamp(ws: Workspace): string | undefined {
  let text: string;
  try {
    text = readFileSync(indexFile(ws), 'utf8');
  } catch {
    return undefined;
  }
  const end = text.trimEnd();
  const start = end.lastIndexOf('\n') + 1;
  try {
    return (JSON.parse(end.slice(start)) as IndexLine).s;
  } catch {
    return undefined;
  }
}

/**
 * Called under the lock around a mutation's task writes: `stampBefore` is the folder's mtime before
 * them. The journal is extended if it was current, and dropped (to be rebuilt) otherwise.
 */
export function recordTaskWrites(
  ws: Workspace,
  written: readonly Task[],
  stampBefore: string,
  knownCurrent: boolean,
) {
  if (written.length === 0) return;
  const file = indexFile(ws);
  if (!knownCurrent && lastStamp(ws) !== stampBefore) {
    try {
      unlinkSync(file);
    } catch {
      // no cache to drop
    }
    return;
  }
  const stamp = tasksDirStamp(ws);
  const text = written.map((task) => JSON.stringify({ s: stamp, t: task })).join('\n');
  // A writer killed mid-append leaves a torn last line: the next reader sees it and rebuilds.
  appendFileSync(file, `${text}\n`);
}
