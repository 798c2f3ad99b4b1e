import { OrcError } from '../shared/index.js';
import { type Task, validateTask } from '../records/index.js';
import { listFiles, readTextsIn } from './files.js';
import { stampsIn, taskFileStamps } from './folder-stamps.js';
import type { GitChanges, ReflogPosition } from './git-changes.js';
import { parseJson } from './json-file.js';
import type { Workspace } from './workspace.js';

/*
 * The task files themselves, for the task index (task-index.ts): reading and checking them, and
 * finding the few that changed since the index recorded their stamps, named by git when it can
 * (git-changes.ts), else by stamping every file of the folder.
 */

export function isTaskFileName(name: string): boolean {
  return name.startsWith('t-') && name.endsWith('.json');
}

/** The task id a task file's name (`t-….json`) stands for. */
export const fileTaskId = (name: string) => name.slice(0, -'.json'.length);

let taskFilesRead = 0;

/** How many task files this process's task index has read (tests assert a refresh reads what changed). */
export function countTaskFilesRead(): number {
  return taskFilesRead;
}

let folderStamps = 0;

/** How many times this process stamped every file of the tasks folder (tests assert a pull avoids it). */
export function countTaskFolderStamps(): number {
  return folderStamps;
}

/** Reads and checks task files. A file that is not a valid task is named in a CORRUPT error. */
export function readTaskFiles(ws: Workspace, names: readonly string[]): Map<string, Task> {
  const tasks = new Map<string, Task>();
  taskFilesRead += names.length;
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

/** Reads every task file. A file that is not a valid task is named in a CORRUPT error. */
export function readAllTaskFiles(ws: Workspace): Map<string, Task> {
  return readTaskFiles(ws, listFiles(ws, ws.tasksDir, isTaskFileName));
}

/** The task files that changed, read, and the recorded tasks whose files are gone. */
export interface ChangedFiles {
  stamps: Map<string, string>;
  deleted: string[];
  read: Map<string, Task>;
  /** HEAD's reflog position to record with the caches, when the workspace is in git. */
  position?: ReflogPosition;
}

/**
 * The files of the tasks folder whose stamps differ from those recorded (`same`: undefined for a task
 * not recorded), read, and the recorded tasks whose files are gone. Only the files a git operation
 * changed are stamped when git can name them (`git`, see git-changes.ts); else every file of the
 * folder, and the removed ones are looked for when fewer recorded tasks were seen than there are.
 */
export function changedFiles(
  ws: Workspace,
  recorded: { has(id: string): boolean; readonly size: number; keys(): Iterable<string> },
  same: (id: string, stamp: string) => boolean | undefined,
  git: GitChanges,
): ChangedFiles {
  const { position } = git;
  if (git.names) {
    const stamps = stampsIn(ws, ws.tasksDir, git.names);
    const names = [...stamps]
      .filter(([name, stamp]) => same(fileTaskId(name), stamp) !== true)
      .map(([n]) => n);
    const deleted = git.names.filter((n) => !stamps.has(n) && recorded.has(fileTaskId(n))).map(fileTaskId);
    return { stamps, deleted, read: readTaskFiles(ws, names), position };
  }
  // Stamps first, reads after: a file changed in between is read again next time, never missed.
  folderStamps++;
  const stamps = taskFileStamps(ws, ws.tasksDir, isTaskFileName);
  const names: string[] = [];
  let seen = 0;
  for (const [name, stamp] of stamps) {
    const unchanged = same(fileTaskId(name), stamp);
    if (unchanged !== undefined) seen++;
    if (unchanged !== true) names.push(name);
  }
  const deleted: string[] = [];
  if (seen < recorded.size) for (const id of recorded.keys()) if (!stamps.has(`${id}.json`)) deleted.push(id);
  return { stamps, deleted, read: readTaskFiles(ws, names), position };
}
