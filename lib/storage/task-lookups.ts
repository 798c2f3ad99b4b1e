import { readBytes, readText } from './files.js';
import { fileTaskId } from './task-files.js';
import {
  type QueueLine,
  type SearchedJournal,
  endsAt,
  entryAt,
  lastQueueLines,
  parseQueueStamps,
  sameFileStamp,
  searchedJournal,
} from './task-journals.js';
import type { QueueEntry } from './task-summary.js';
import type { Workspace } from './workspace.js';

/*
 * The queue journal's lines looked up by task id, for following the summary after an outside change
 * (task-index.ts): parsed for line positions when every file was stamped, or searched for the few
 * tasks git named, without parsing 100,000 lines.
 */

/** What following the summary needs of the queue journal: its end, and the tasks' lines by id. */
export interface JournalLookup {
  end: string | undefined;
  /** Recorded tasks (every one when parsed; those named by git when searched). */
  recorded: ReadonlyMap<string, unknown>;
  same: (id: string, stamp: string) => boolean | undefined;
  entryOf: (id: string) => QueueEntry | undefined;
}

/** The queue journal parsed for line positions and file stamps only (parseQueueStamps). */
export function parsedLookup(ws: Workspace): JournalLookup | undefined {
  const text = readText(ws, ws.taskQueueFile);
  const q = text === undefined ? undefined : parseQueueStamps(text);
  if (!q || q.lines > 2 * q.at.size + 1000) return undefined; // due for compaction: a full refresh does it
  return {
    end: q.end,
    recorded: q.at,
    same: (id, stamp) => sameFileStamp(q, id, stamp),
    entryOf: (id) => {
      const at = q.at.get(id);
      return at === undefined ? undefined : entryAt(q.text, at);
    },
  };
}

/** The queue journal read for searching (lastQueueLines), or undefined when there is none. */
export function readSearched(ws: Workspace): SearchedJournal | undefined {
  const bytes = readBytes(ws, ws.taskQueueFile);
  return bytes === undefined ? undefined : searchedJournal(bytes);
}

/**
 * The queue journal searched for the lines of the tasks git named (and, through `prefetch`, of the
 * tasks their new versions depend on): no parse of 100,000 lines. Undefined unless the journal ends
 * with a whole batch at `end` and every line found is whole; `prefetch` says false for one that is not.
 */
export function searchedLookup(
  read: SearchedJournal | undefined,
  end: string,
  names: readonly string[],
): (JournalLookup & { prefetch(ids: readonly string[]): boolean }) | undefined {
  if (!read || !endsAt(read, end)) return undefined;
  const lines = new Map<string, QueueLine | undefined | null>();
  const prefetch = (ids: readonly string[]) => {
    const missing = [...new Set(ids)].filter((id) => !lines.has(id));
    for (const [id, line] of lastQueueLines(read, missing)) lines.set(id, line);
    return ids.every((id) => lines.get(id) !== null);
  };
  // A line not whole reads as none; callers prefetch first and give up on one (see prefetch).
  const find = (id: string) => {
    if (!lines.has(id)) prefetch([id]);
    return lines.get(id) ?? undefined;
  };
  if (!prefetch(names.map(fileTaskId))) return undefined;
  const recorded = new Map([...lines].filter(([, line]) => line !== undefined));
  return {
    end,
    recorded,
    same: (id, stamp) => {
      const line = find(id);
      return line === undefined ? undefined : line.file === stamp;
    },
    entryOf: (id) => find(id)?.entry,
    prefetch,
  };
}
