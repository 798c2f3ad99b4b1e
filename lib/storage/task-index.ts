import { appendText, changeStamp, fileStamp, readBytes, removeFile, readText, writeText } from './files.js';
import { stampsIn } from './folder-stamps.js';
import type { Task, TaskStatus } from '../records/index.js';
import {
  type GitChanges,
  type ReflogPosition,
  gitChanges,
  gitChangesMeanwhile,
  reflogPosition,
  saveReflogPosition,
} from './git-changes.js';
import { readLinesBackward } from './line-reader.js';
import { changedFiles, isTaskFileName, readAllTaskFiles } from './task-files.js';
import {
  END,
  type JsonLine,
  type QueueJournal,
  type SearchedJournal,
  fullBatch,
  fullText,
  intentLine,
  parseFull,
  parseQueue,
  queueBatch,
  queueText,
  toQueueEntry,
} from './task-journals.js';
import { parsedLookup, readSearched, searchedLookup } from './task-lookups.js';

export { toQueueEntry };
import { type QueueEntry, type TaskSummary, applyChange, buildSummary } from './task-summary.js';
import { forgetSummaryLog, readSummaryLog, rereadSummaryLog, saveSummaryLog } from './summary-log.js';
import { OrcError } from '../shared/index.js';
import { tryWithWorkspaceLock, withWorkspaceLock } from './workspace-lock.js';
import type { Workspace } from './workspace.js';

/*
 * A derived, git-ignored cache of every task, so that listing and choosing at 100,000 tasks does not
 * read 100,000 files. Three files: the full journal (each task as JSON), the queue journal (what
 * choosing needs, tab-separated, with the stamp of each task's file) and the summary (task-summary.ts:
 * counts, claims, the most urgent open tasks). The journals are appended to: each batch of lines (a
 * mutation's tasks, or what a refresh found) ends with an end line carrying the tasks folder's stamp
 * after it, so a journal cut short anywhere, or read while a batch is appended, is seen as such.
 *
 * The files in state/tasks remain the truth. When the folder's stamp differs from the journal's last
 * end line, someone else (git, a person) changed it, and only the files that changed are read again
 * (task-files.ts): those git names when a pull moved HEAD (git-changes.ts), else every file's stamp
 * (inode, size, mtime) is compared with the one recorded. A journal cut short keeps what its last
 * complete batch said and is refreshed the same way; a mutation starts each batch with an intent line,
 * so one killed before its end line leaves the journal visibly cut short.
 */

/** The file of the full journal (doctor removes it after a repair). */
export function indexFile(ws: Workspace): string {
  return ws.taskIndexFile;
}

/** What the tasks folder looks like now; a journal is current when its last end line names this. */
export function tasksDirStamp(ws: Workspace): string {
  return changeStamp(ws, ws.tasksDir) ?? 'none';
}

let summaryRebuilds = 0;

/** How many times this process rebuilt the summary from the whole queue (tests assert a pull avoids it). */
export function countSummaryRebuilds(): number {
  return summaryRebuilds;
}

/** The summary of the whole queue, counted. */
function rebuildSummary(queue: ReadonlyMap<string, QueueEntry>, stamp: string): TaskSummary {
  summaryRebuilds++;
  return buildSummary(queue, stamp);
}

/** What a refresh found: the tasks read again and those removed since the journal's end `from`. */
interface Found {
  changed: Task[];
  deleted: string[];
  /** The journal's end before (the full journal and the summary can follow when they ended there too). */
  from: string | undefined;
  /** Every task, when there was no journal to start from. */
  all?: Map<string, Task>;
  /** HEAD's reflog position when the folder was read (saved with the caches; see git-changes.ts). */
  position?: ReflogPosition;
}

/** The queue journal brought up to `stamp`, and what had to be read for it. */
interface Refreshed extends Found {
  journal: QueueJournal;
  /** The entry each changed or deleted task had before (none: a new task). */
  before: Map<string, QueueEntry>;
}

/**
 * The queue journal as of `stamp` (taken before calling): current as it is, or refreshed from the
 * files whose stamps differ from those recorded, or (`fromFiles`, or no usable journal) rebuilt from
 * every file. Saves nothing. `parsed`: the journal as the caller just read it, not read again.
 */
function refresh(ws: Workspace, stamp: string, fromFiles = false, parsed?: QueueJournal): Refreshed {
  const text = fromFiles || parsed ? undefined : readText(ws, ws.taskQueueFile);
  const cached = fromFiles ? undefined : (parsed ?? (text === undefined ? undefined : parseQueue(text)));
  if (cached && cached.end === stamp && !cached.torn)
    return { journal: cached, changed: [], deleted: [], before: new Map(), from: stamp };
  const journal: QueueJournal = cached ?? {
    entries: new Map(),
    files: new Map(),
    end: undefined,
    torn: true,
    lines: 0,
  };
  // Git's names are followed only from a whole journal: with none (or one cut short) every file is
  // stamped, and git is asked only where its reflog stands.
  const git = cached && !cached.torn ? gitChanges(ws, isTaskFileName) : { position: reflogPosition(ws) };
  const { stamps, deleted, read, position } = changedFiles(
    ws,
    journal.files,
    (id, stamp) => {
      const recorded = journal.files.get(id);
      return recorded === undefined ? undefined : recorded === stamp;
    },
    git,
  );
  const before = new Map<string, QueueEntry>();
  for (const id of deleted) {
    before.set(id, journal.entries.get(id)!);
    journal.entries.delete(id);
    journal.files.delete(id);
  }
  for (const task of read.values()) {
    const was = journal.entries.get(task.id);
    if (was) before.set(task.id, was);
    journal.entries.set(task.id, toQueueEntry(task));
    journal.files.set(task.id, stamps.get(`${task.id}.json`)!);
  }
  const from = journal.end;
  journal.end = stamp;
  const refreshed: Refreshed = { journal, changed: [...read.values()], deleted, before, from, position };
  if (!cached) refreshed.all = read;
  return refreshed;
}

/**
 * The summary as of a refresh: the saved one moved on by what the refresh found, when it described
 * the journal's previous end (the common case after a pull: ten changes applied, not a rebuild that
 * sorts every open task); else rebuilt from the queue.
 */
function summaryAfter(ws: Workspace, r: Refreshed, stamp: string, saved = readSummaryLog(ws)): TaskSummary {
  if (r.all || !saved || r.from === undefined || saved.stamp !== r.from)
    return rebuildSummary(r.journal.entries, stamp);
  const statusOf = (id: string) => r.journal.entries.get(id)?.status ?? 'missing';
  for (const id of r.deleted) applyChange(saved, r.before.get(id), undefined, statusOf);
  for (const task of r.changed)
    applyChange(saved, r.before.get(task.id), r.journal.entries.get(task.id), statusOf);
  saved.stamp = stamp;
  return saved;
}

/** Writes what a refresh found: appended as one batch when the journal allows, else rewritten. */
function saveQueue(ws: Workspace, r: Refreshed, stamp: string): void {
  const { journal } = r;
  if (journal.torn || journal.lines > 2 * journal.entries.size + 1000) {
    journal.torn = false;
    journal.lines = journal.entries.size + 2;
    writeText(ws, ws.taskQueueFile, queueText(journal));
    return;
  }
  if (r.from === stamp && r.changed.length === 0 && r.deleted.length === 0) return;
  journal.lines += r.changed.length + r.deleted.length + 1;
  appendText(
    ws,
    ws.taskQueueFile,
    queueBatch(r.changed, r.deleted, stamp, (id) => journal.files.get(id)!),
  );
}

/** Saves what a refresh found: the queue journal, the full one followed, the summary, the reflog place. */
function saveRefreshed(ws: Workspace, r: Refreshed, stamp: string, summary: TaskSummary): void {
  saveQueue(ws, r, stamp);
  followFull(ws, r, stamp);
  saveSummaryLog(ws, summary);
  saveReflogPosition(ws, r.position);
}

/** Extends the full journal by what a refresh found if it ended where the queue did, else drops it. */
function followFull(ws: Workspace, r: Found, stamp: string): void {
  if (r.all) {
    writeText(ws, ws.taskIndexFile, fullText(r.all, stamp));
    return;
  }
  if (r.from === stamp && r.changed.length === 0 && r.deleted.length === 0) return;
  const last = fullJournalStamp(ws);
  if (last === stamp) return; // another reader extended it meanwhile
  if (r.from === undefined || last !== r.from) {
    removeFile(ws, ws.taskIndexFile);
    return;
  }
  appendText(ws, ws.taskIndexFile, fullBatch(r.changed, r.deleted, stamp));
}

/** Saves a refresh made outside the lock, if the lock is free and nothing was written since `stamp`. */
async function saveIfCurrent(ws: Workspace, stamp: string, save: () => void): Promise<void> {
  await tryWithWorkspaceLock(ws, () => {
    if (tasksDirStamp(ws) === stamp) save();
  });
}

/**
 * How a reader outside the lock catches a cache up when the tasks folder is not where the cache ends:
 * under the lock, in turn. Most often a mutation is between replacing its task files and appending its
 * journal lines, and the reader, once its turn comes, finds the caches current; after a pull or an
 * edit, the first reader catches up and those in line behind it find that done. Refreshed outside the
 * lock instead, each reader behind a mutation re-read what it wrote (at 100,000 tasks and no git, by
 * stamping every file): 16 agents heartbeating beside 8 claimers took 6 s a heartbeat, and the saves
 * were dropped whenever the lock was busy, so the next reader did it all again. `catchUp` gets the
 * folder's stamp as it is under the lock and a `save` that writes only while the folder still has it.
 */
async function catchUpLocked<T>(
  ws: Workspace,
  catchUp: (stamp: string, save: (write: () => void) => void) => T | Promise<T>,
): Promise<T> {
  try {
    return await withWorkspaceLock(ws, (guard) => {
      const stamp = tasksDirStamp(ws);
      return catchUp(stamp, (write) => {
        // An outside change (a pull) may land meanwhile: a cache is never saved as of a stamp it missed.
        if (tasksDirStamp(ws) !== stamp) return;
        guard.assertHeld();
        write();
      });
    });
  } catch (error) {
    // The lock's line is stuck (a holder hung on the network, say): a reader still answers, from the
    // files as they are, and saves nothing.
    if (!(error instanceof OrcError) || error.code !== 'BUSY') throw error;
    return catchUp(tasksDirStamp(ws), () => {});
  }
}

/** For readers outside the lock: every task, from the full journal, refreshed from what changed. */
export async function loadTasks(ws: Workspace): Promise<Map<string, Task>> {
  const seen = tasksDirStamp(ws);
  const full = readFull(ws);
  if (full && !full.torn && full.end === seen) {
    if (full.lines > 2 * full.entries.size + 1000)
      await saveIfCurrent(ws, seen, () => writeText(ws, ws.taskIndexFile, fullText(full.entries, seen)));
    return full.entries;
  }
  return catchUpLocked(ws, (stamp, save) => {
    // Read again under the lock unless nothing was appended since (its last end line is the same).
    const again = full && !full.torn && fullJournalStamp(ws) === full.end ? full : readFull(ws);
    if (again && !again.torn && again.end === stamp) return again.entries;
    const r = refresh(ws, stamp);
    let tasks = r.all;
    if (!tasks && again && again.end !== undefined && again.end === r.from) {
      for (const id of r.deleted) again.entries.delete(id);
      for (const task of r.changed) again.entries.set(task.id, task);
      tasks = again.entries;
    }
    const rewrite = !tasks || again?.torn === true;
    tasks ??= readAllTaskFiles(ws);
    const all = tasks;
    save(() => {
      saveQueue(ws, r, stamp);
      if (rewrite || r.all) writeText(ws, ws.taskIndexFile, fullText(all, stamp));
      else followFull(ws, r, stamp);
      saveSummaryLog(ws, summaryAfter(ws, r, stamp));
      saveReflogPosition(ws, r.position);
    });
    return tasks;
  });
}

function readFull(ws: Workspace) {
  const text = readText(ws, ws.taskIndexFile);
  return text === undefined ? undefined : parseFull(text);
}

/** For readers outside the lock that need only the queue view: current, or refreshed from what changed. */
export async function loadQueue(ws: Workspace): Promise<Map<string, QueueEntry>> {
  const text = readText(ws, ws.taskQueueFile);
  const journal = text === undefined ? undefined : parseQueue(text);
  if (journal && !journal.torn && journal.end === tasksDirStamp(ws)) return journal.entries;
  return catchUpLocked(ws, (stamp, save) => {
    // The journal read above, unless something was appended since (its last end line moved on).
    const same = journal && !journal.torn && queueJournalStamp(ws) === journal.end;
    const r = refresh(ws, stamp, false, same ? journal : undefined);
    if (r.from !== stamp || r.journal.torn)
      save(() => saveRefreshed(ws, r, stamp, summaryAfter(ws, r, stamp)));
    return r.journal.entries;
  });
}

/** The most tasks a refresh saves as a summary delta rather than a snapshot. */
const DELTA_TASKS = 1_000;

/**
 * The summary brought up to `stamp` from the saved one at the queue journal's end, for the commands
 * that need only the summary (the first command after a pull, at 100,000 tasks): the changed files
 * are found (by git, or by stamping the folder), read, and applied with applyChange, their previous
 * lines looked up in the journal (searched by id when git named them, else parsed for positions).
 * Undefined when that cannot be followed (no journal, torn, due for compaction, or the summary at
 * another end): the caller refreshes in full. `save` writes it all.
 */
function followSummary(
  ws: Workspace,
  stamp: string,
  saved: TaskSummary,
  git: GitChanges,
  journalRead: SearchedJournal | undefined,
): { summary: TaskSummary; save: () => void } | undefined {
  const searched = git.names && searchedLookup(journalRead, saved.stamp, git.names);
  const journal = searched || parsedLookup(ws);
  if (!journal || journal.end !== saved.stamp) return undefined;
  const { stamps, deleted, read, position } = changedFiles(
    ws,
    journal.recorded,
    journal.same,
    searched ? git : { position: git.position },
  );
  const after = new Map<string, QueueEntry | undefined>();
  for (const id of deleted) after.set(id, undefined);
  for (const task of read.values()) after.set(task.id, toQueueEntry(task));
  const statusOf = (id: string) =>
    (after.has(id) ? after.get(id)?.status : journal.entryOf(id)?.status) ?? ('missing' as const);
  // Every line applyChange may ask for (the dependencies it has no status of), in one search.
  const deps = [...after.values()].flatMap((e) => e?.deps ?? []);
  if (searched && !searched.prefetch(deps.filter((d) => !saved.depStatus.has(d) && !after.has(d))))
    return undefined;
  for (const [id, entry] of after) applyChange(saved, journal.entryOf(id), entry, statusOf);
  saved.stamp = stamp;
  const found: Found = { changed: [...read.values()], deleted, from: journal.end, position };
  const save = () => {
    // Another reader may have saved the same refresh since the journal was read.
    if (queueJournalStamp(ws) !== stamp)
      appendText(
        ws,
        ws.taskQueueFile,
        queueBatch(found.changed, deleted, stamp, (id) => stamps.get(`${id}.json`)!),
      );
    followFull(ws, found, stamp);
    // A delta (the tasks changed and what they name) after a pull of a few, not a snapshot of every
    // claim and count; a snapshot after many (a delta naming 90,000 tasks is larger than one).
    saveSummaryLog(
      ws,
      saved,
      after.size <= DELTA_TASKS ? { from: found.from!, changed: after.keys() } : undefined,
    );
    saveReflogPosition(ws, position);
  };
  return { summary: saved, save };
}

/**
 * For readers outside the lock: the summary of the board (claims, counts, the most urgent open
 * tasks) without reading the queue, when it is current; else refreshed from what changed.
 */
export async function loadSummary(ws: Workspace): Promise<TaskSummary> {
  const cached = readSummaryLog(ws);
  if (cached && cached.stamp === tasksDirStamp(ws)) return cached;
  return catchUpLocked(ws, async (stamp, save) => {
    const saved = rereadSummaryLog(ws, cached);
    if (saved?.stamp === stamp) return saved;
    // The journal is read while git diffs: both are needed to follow a pull.
    const { git, value: read } = saved
      ? await gitChangesMeanwhile(ws, isTaskFileName, () => readSearched(ws))
      : { git: {}, value: undefined };
    const followed = saved && followSummary(ws, stamp, saved, git, read);
    if (followed) {
      save(followed.save);
      return followed.summary;
    }
    const r = refresh(ws, stamp);
    const summary = summaryAfter(ws, r, stamp, saved);
    save(() => saveRefreshed(ws, r, stamp, summary));
    return summary;
  });
}

/**
 * Ids of the tasks whose line in the queue view names `id` (in its deps, say), found by a text search
 * of the journal instead of parsing its 100,000 lines: candidates, which the caller confirms from the
 * task files (a later line of the journal may have changed or removed the task). The journal is
 * brought up to date first when the tasks folder changed since it was written.
 */
export async function queueLinesNaming(ws: Workspace, id: string): Promise<string[]> {
  // Current when its last end line names the folder's stamp (read from its tail, not by parsing it).
  if (queueJournalStamp(ws) !== tasksDirStamp(ws)) await loadQueue(ws);
  // Searched as bytes: decoding the journal (13 MB at 100,000 tasks) to a string cost more than the search.
  const bytes = readBytes(ws, ws.taskQueueFile);
  if (bytes === undefined) return [];
  const needle = Buffer.from(id);
  const found = new Set<string>();
  for (let at = bytes.indexOf(needle); at !== -1; at = bytes.indexOf(needle, at + needle.length)) {
    const start = bytes.lastIndexOf(10, at) + 1;
    const end = bytes.indexOf(10, at);
    // A task's line is its batch, then its id (task-journals.ts); deletion and end lines are shorter.
    const fields = bytes.toString('utf8', start, end === -1 ? bytes.length : end).split('\t');
    const candidate = fields.length > 2 ? fields[1]! : '';
    if (candidate !== id && /^t-[0-9a-z]+$/.test(candidate)) found.add(candidate);
  }
  return [...found];
}

/**
 * For a mutation that holds the lock: the queue view of every task, current (refreshed from what
 * changed, or rebuilt from every file when `fromFiles`), with the journals and the summary saved.
 */
export function loadQueueLocked(ws: Workspace, fromFiles = false): Map<string, QueueEntry> {
  const stamp = tasksDirStamp(ws);
  const r = refresh(ws, stamp, fromFiles);
  if (fromFiles || r.from !== stamp) {
    saveRefreshed(
      ws,
      r,
      stamp,
      fromFiles ? rebuildSummary(r.journal.entries, stamp) : summaryAfter(ws, r, stamp),
    );
  } else if (r.journal.lines > 2 * r.journal.entries.size + 1000) {
    r.journal.torn = true;
    saveQueue(ws, r, stamp);
  }
  return r.journal.entries;
}

/** For a mutation that holds the lock: the summary, current (see loadSummary). */
export function loadSummaryLocked(ws: Workspace): TaskSummary {
  const stamp = tasksDirStamp(ws);
  const cached = readSummaryLog(ws);
  if (cached?.stamp === stamp) return cached;
  const git = cached ? gitChanges(ws, isTaskFileName) : {};
  const followed = cached && followSummary(ws, stamp, cached, git, git.names && readSearched(ws));
  if (followed) {
    followed.save();
    return followed.summary;
  }
  const queue = loadQueueLocked(ws);
  // A refresh saves the summary with the journals; one already current needs a rebuild here.
  const saved = readSummaryLog(ws);
  if (saved?.stamp === stamp) return saved;
  const summary = rebuildSummary(queue, stamp);
  saveSummaryLog(ws, summary);
  return summary;
}

/** The stamp the full journal's last complete batch names (undefined: none, or torn), from its tail only. */
export function fullJournalStamp(ws: Workspace): string | undefined {
  return lastLine(ws, ws.taskIndexFile, (line) => {
    try {
      const parsed = JSON.parse(line) as JsonLine;
      return parsed?.end === true ? parsed.s : undefined;
    } catch {
      return undefined;
    }
  });
}

/** The stamp the queue journal's last complete batch names (undefined: none, or torn), from its tail only. */
export function queueJournalStamp(ws: Workspace): string | undefined {
  return lastLine(ws, ws.taskQueueFile, (line) => {
    const fields = line.split('\t');
    return fields.length === 2 && fields[0] === END ? fields[1] : undefined;
  });
}

/** What the journal's last line says, read from its tail; undefined when the file is empty or torn. */
function lastLine(ws: Workspace, file: string, stampOf: (line: string) => string | undefined) {
  const size = fileStamp(ws, file)?.size;
  if (!size) return undefined;
  // End lines are short: a small tail read holds the whole of the last one.
  const lines = readLinesBackward(ws, file, 0, size, 4_096);
  if (lines.next().value?.text !== '') return undefined; // torn: no newline at the end
  const last = lines.next().value;
  return last === undefined ? undefined : stampOf(last.text);
}

/** A task a mutation wrote: as it was before (undefined: new) and as written. */
export interface TaskWrite {
  before: QueueEntry | undefined;
  task: Task;
}

/**
 * Called under the lock before a mutation replaces task files: whether the queue journal is current
 * at `stampBefore` (the folder's stamp before the writes), in which case an intent line naming the
 * tasks starts the batch that recordTaskWrites then completes. Should this process die in between,
 * the journal ends with a batch cut short and the next reader stamps every file (see INTENT).
 */
export function announceTaskWrites(
  ws: Workspace,
  ids: readonly string[],
  stampBefore: string,
  queueLoaded: boolean,
): boolean {
  if (ids.length === 0) return false;
  const current = queueLoaded || queueJournalStamp(ws) === stampBefore;
  if (current) appendText(ws, ws.taskQueueFile, intentLine(ids));
  return current;
}

/**
 * Called under the lock after a mutation's task writes: `stampBefore` is the folder's stamp before
 * them, `summary` the one the mutation read (if any). Each cache current at `stampBefore` is extended
 * by the writes; one that was not is dropped, to be refreshed from the files by the next reader.
 */
export function recordTaskWrites(
  ws: Workspace,
  writes: readonly TaskWrite[],
  stampBefore: string,
  options: {
    /** What announceTaskWrites said: the queue journal was current, and its batch is started. */
    queueCurrent: boolean;
    summary?: TaskSummary;
    statusOf: (id: string) => TaskStatus | 'missing';
  },
): void {
  if (writes.length === 0) return;
  const stamp = tasksDirStamp(ws);
  const files = stampsIn(
    ws,
    ws.tasksDir,
    writes.map((w) => `${w.task.id}.json`),
  );
  // A writer killed mid-append leaves a batch without its end line: the next reader refreshes.
  const tasks = writes.map((w) => w.task);
  if (options.queueCurrent)
    appendText(
      ws,
      ws.taskQueueFile,
      queueBatch(tasks, [], stamp, (id) => files.get(`${id}.json`) ?? ''),
    );
  else removeFile(ws, ws.taskQueueFile);
  if (fullJournalStamp(ws) === stampBefore) appendText(ws, ws.taskIndexFile, fullBatch(tasks, [], stamp));
  else removeFile(ws, ws.taskIndexFile);
  // A summary the mutation read has its writes applied already; one read here gets them now.
  let summary = options.summary;
  if (!summary) {
    summary = readSummaryLog(ws);
    if (summary?.stamp === stampBefore)
      for (const w of writes) applyChange(summary, w.before, toQueueEntry(w.task), options.statusOf);
  }
  if (summary?.stamp !== stampBefore) {
    removeFile(ws, ws.taskSummaryFile);
    forgetSummaryLog();
    return;
  }
  summary.stamp = stamp;
  const change = { from: stampBefore, changed: writes.map((w) => w.task.id) };
  saveSummaryLog(ws, summary, writes.length <= DELTA_TASKS ? change : undefined);
}
