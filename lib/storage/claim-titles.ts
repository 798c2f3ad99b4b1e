import { fileStamp, readRange, readText, writeText } from './files.js';
import { readRecords } from './record-kinds.js';
import { DELETED, END } from './task-journals.js';
import type { TaskSummary } from './task-summary.js';
import { queueJournalStamp, tasksDirStamp } from './task-index.js';
import type { Workspace } from './workspace.js';

/*
 * The titles of the claimed tasks, for `status`, which shows every claim with its title: at thousands
 * of claims, reading each task file cost status most of its time. A derived, git-ignored cache
 * (`.orc/tasks.titles.json`) names the tasks folder's stamp it describes and where the queue journal
 * (task-index.ts) ended at that stamp. When the folder has changed since, the journal's lines after
 * that point name every task written since (by orc, or found by a refresh after a pull), and only
 * those are read again; a journal rewritten, removed or not at that stamp means every title is read.
 */

// 1: the first format.
const TITLES_VERSION = 1;

let titlesRead = 0;

/** How many task files this process read for claimed titles (tests assert only what changed is read). */
export function countTitleReads(): number {
  return titlesRead;
}

interface TitlesFile {
  v: number;
  stamp: string;
  /** The queue journal's size when its last end line named `stamp`; -1 when it did not. */
  offset: number;
  titles: Record<string, string>;
}

function readTitlesFile(ws: Workspace): TitlesFile | undefined {
  const text = readText(ws, ws.claimTitlesFile);
  if (text === undefined) return undefined;
  try {
    const file = JSON.parse(text) as TitlesFile;
    const ok =
      file?.v === TITLES_VERSION &&
      typeof file.stamp === 'string' &&
      Number.isInteger(file.offset) &&
      typeof file.titles === 'object' &&
      file.titles !== null;
    return ok ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Where the queue journal ends if its last line is the end line of `stamp`, else -1. */
function journalEndAt(ws: Workspace, stamp: string): number {
  return queueJournalStamp(ws) === stamp ? (fileStamp(ws, ws.taskQueueFile)?.size ?? -1) : -1;
}

/** The ids of the tasks the queue journal says were written after `offset` (where `stamp` ended), or undefined. */
function writtenSince(ws: Workspace, offset: number, stamp: string): Set<string> | undefined {
  if (offset < 0) return undefined;
  const size = fileStamp(ws, ws.taskQueueFile)?.size ?? 0;
  const line = `${END}\t${stamp}\n`;
  if (offset < line.length || size < offset) return undefined;
  const text = readRange(ws, ws.taskQueueFile, offset - line.length, size - offset + line.length).toString(
    'utf8',
  );
  if (!text.startsWith(line)) return undefined;
  const ids = new Set<string>();
  for (const entry of text.slice(line.length).split('\n')) {
    const fields = entry.split('\t');
    // A task's line is its batch, then its id; a deletion names the id; end lines name a stamp.
    if (fields[0] === DELETED && fields.length === 2) ids.add(fields[1]!);
    else if (fields.length > 2) ids.add(fields[1]!);
  }
  return ids;
}

/**
 * The title of each task the summary says is claimed ('' for one whose file is gone), from the cache
 * where its task was not written since, else from its file (read with readRecord's checks); the cache
 * is saved again when anything had to be read.
 */
export function claimedTitles(ws: Workspace, summary: TaskSummary): Map<string, string> {
  const ids = [...summary.claimed.keys()];
  const cached = readTitlesFile(ws);
  const known = new Map<string, string>();
  if (cached) {
    // What was written since is known only from a journal that reaches the summary's stamp (a refresh
    // that could not save its batch leaves it behind): otherwise every title is read.
    let since: Set<string> | undefined;
    if (cached.stamp === summary.stamp) since = new Set();
    else if (journalEndAt(ws, summary.stamp) !== -1) since = writtenSince(ws, cached.offset, cached.stamp);
    if (since)
      for (const [id, title] of Object.entries(cached.titles)) if (!since.has(id)) known.set(id, title);
  }
  const missing = ids.filter((id) => !known.has(id));
  titlesRead += missing.length;
  const read = readRecords(ws, 'task', missing);
  const titles = new Map<string, string>();
  for (const id of ids) titles.set(id, known.get(id) ?? read.get(id)?.title ?? '');
  const stale =
    !cached ||
    cached.stamp !== summary.stamp ||
    missing.length > 0 ||
    Object.keys(cached.titles).length !== ids.length;
  // Saved without the workspace lock: the file is replaced whole (temp file and rename), and whichever
  // save lands last pairs its titles with the stamp and journal position they were read at.
  if (stale && summary.stamp === tasksDirStamp(ws)) {
    const file: TitlesFile = {
      v: TITLES_VERSION,
      stamp: summary.stamp,
      offset: journalEndAt(ws, summary.stamp),
      titles: Object.fromEntries(titles),
    };
    try {
      writeText(ws, ws.claimTitlesFile, `${JSON.stringify(file)}\n`);
    } catch (error) {
      // A cache that cannot be saved (a read-only checkout) is read again next time, not an error.
      if (typeof (error as NodeJS.ErrnoException).code !== 'string') throw error;
    }
  }
  return titles;
}
