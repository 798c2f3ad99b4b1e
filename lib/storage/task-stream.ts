import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { Task } from '../records/index.js';
import { confine } from './files.js';
import { loadTasks, tasksDirStamp } from './task-index.js';
import type { Workspace } from './workspace.js';

/*
 * Every task in order, one at a time, for a listing of the whole board (`t list --json`) that must not
 * hold 100,000 tasks in memory: the full journal is read once to learn each wanted task's key and where
 * its latest line lies, the keys are sorted, and each task is read back from its line as it is handed
 * out. Memory grows with the keys, not with the tasks.
 */

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const CHUNK = 1024 * 1024;

interface Located<K> {
  key: K;
  offset: number;
  length: number;
}

/** The journal's lines with their offsets, up to `size` (what it held when the scan began). */
function* linesOf(fd: number, size: number): Generator<{ text: string; offset: number; length: number }> {
  let carry = Buffer.alloc(0);
  let base = 0; // the offset of carry[0]
  for (let pos = 0; pos < size; ) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, size - pos));
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n === 0) break;
    pos += n;
    const buffer = carry.length === 0 ? chunk.subarray(0, n) : Buffer.concat([carry, chunk.subarray(0, n)]);
    let start = 0;
    for (let nl = buffer.indexOf(10); nl !== -1; nl = buffer.indexOf(10, start)) {
      yield { text: buffer.toString('utf8', start, nl), offset: base + start, length: nl - start };
      start = nl + 1;
    }
    carry = buffer.subarray(start);
    base += start;
  }
  if (carry.length > 0) yield { text: carry.toString('utf8'), offset: base, length: carry.length };
}

/** Lines read back per batch, and the gap between two of them below which one read covers both. */
const BATCH = 512;
const GAP = 8 * 1024;

/**
 * The texts of `lines` (in their order), read with one call per run of lines that lie close together
 * in the file: tasks listed in order were mostly appended in order, so a batch is a few reads, not 512.
 */
function readLines(fd: number, lines: ReadonlyArray<Pick<Located<unknown>, 'offset' | 'length'>>): string[] {
  const byOffset = lines.map((line, i) => ({ ...line, i })).sort((a, b) => a.offset - b.offset);
  const texts: string[] = new Array(lines.length);
  for (let start = 0; start < byOffset.length; ) {
    let end = start;
    let to = byOffset[start]!.offset + byOffset[start]!.length;
    while (end + 1 < byOffset.length && byOffset[end + 1]!.offset - to < GAP) {
      end++;
      to = Math.max(to, byOffset[end]!.offset + byOffset[end]!.length);
    }
    const from = byOffset[start]!.offset;
    const buffer = Buffer.allocUnsafe(to - from);
    readSync(fd, buffer, 0, to - from, from);
    for (let k = start; k <= end; k++) {
      const line = byOffset[k]!;
      texts[line.i] = buffer.toString('utf8', line.offset - from, line.offset - from + line.length);
    }
    start = end + 1;
  }
  return texts;
}

/**
 * Where each task that `keyOf` keeps lies in the full journal, if the journal is whole and current
 * (its last line an end line naming `stamp`); undefined otherwise.
 */
function locate<K>(fd: number, stamp: string, keyOf: (task: Task) => K | undefined) {
  const found = new Map<string, Located<K>>();
  let end: string | undefined;
  for (const line of linesOf(fd, fstatSync(fd).size)) {
    let parsed: { s?: string; t?: Task; del?: string; end?: true };
    try {
      parsed = JSON.parse(line.text);
    } catch {
      return undefined;
    }
    end = parsed.end === true ? parsed.s : undefined;
    if (parsed.del !== undefined) found.delete(parsed.del);
    if (!parsed.t) continue;
    const key = keyOf(parsed.t);
    if (key === undefined) found.delete(parsed.t.id);
    else found.set(parsed.t.id, { key, offset: line.offset, length: line.length });
  }
  return end === stamp ? found : undefined;
}

/**
 * Calls `visit` with the JSON text (as JSON.stringify gives it) of every task `keyOf` keeps, in the
 * order `compare` gives their keys. Nothing is visited before every task is located, so an error
 * leaves nothing half-handed out.
 */
export async function visitTasksInOrder<K>(
  ws: Workspace,
  keyOf: (task: Task) => K | undefined,
  compare: (a: K, b: K) => number,
  visit: (json: string) => void,
): Promise<void> {
  let loaded: Map<string, Task> | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    const stamp = tasksDirStamp(ws);
    let fd: number | undefined;
    try {
      fd = openSync(confine(ws, ws.taskIndexFile), constants.O_RDONLY | NOFOLLOW);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (fd !== undefined) {
      try {
        const found = locate(fd, stamp, keyOf);
        if (found) {
          const sorted = [...found.values()].sort((a, b) => compare(a.key, b.key));
          found.clear();
          for (let i = 0; i < sorted.length; i += BATCH) {
            for (const text of readLines(fd, sorted.slice(i, i + BATCH))) visit(taskText(text));
          }
          return;
        }
      } finally {
        closeSync(fd);
      }
    }
    // Not current: bring the journal up to date (caught up under the lock), then scan it again.
    if (attempt === 0) {
      loaded = await loadTasks(ws);
      if (tasksDirStamp(ws) !== stamp) break;
    }
  }
  // The folder moved on meanwhile (the catch-up was not saved): every task in memory.
  return visitAll(loaded ?? (await loadTasks(ws)), keyOf, compare, visit);
}

function visitAll<K>(
  tasks: ReadonlyMap<string, Task>,
  keyOf: (task: Task) => K | undefined,
  compare: (a: K, b: K) => number,
  visit: (json: string) => void,
): void {
  const kept: Array<{ key: K; task: Task }> = [];
  for (const task of tasks.values()) {
    const key = keyOf(task);
    if (key !== undefined) kept.push({ key, task });
  }
  kept.sort((a, b) => compare(a.key, b.key));
  for (const { task } of kept) visit(JSON.stringify(task));
}

const TASK_START = ',"t":';

/**
 * The task's JSON text in a journal line (`{"s":…,"t":<task>}`), as JSON.stringify wrote it: no need
 * to parse it to print it. A line of another shape is parsed and the task written again.
 */
function taskText(line: string): string {
  const at = line.indexOf(TASK_START);
  if (line.startsWith('{"s":"') && line.indexOf('"', 6) === at - 1 && line.endsWith('}'))
    return line.slice(at + TASK_START.length, -1);
  return JSON.stringify((JSON.parse(line) as { t: Task }).t);
}
