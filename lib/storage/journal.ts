import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { OrcError, newId, quote } from '../shared/index.js';
import { type OrcEvent, appendEvents, makeEvent, parseEventLines } from './events.js';
import {
  fileStamp,
  createFile,
  readRange,
  readText,
  removeFile,
  workspaceRelative,
  writeText,
} from './files.js';
import { forgetReflogPosition } from './git-changes.js';
import { pauseForTest } from './test-pause.js';
import type { Workspace } from './workspace.js';

/*
 * A commit is all or nothing, even when its process is killed (SIGKILL, or power loss with
 * ORC_FSYNC=1). Before touching anything, the commit writes its journal: every file it writes (the
 * whole new text) or removes, and its event lines. Then it applies the files, appends the events and
 * empties the journal. Writing the journal is the commit point: a journal that is there in full means
 * the commit happens, and the next holder of the workspace lock (or `orc doctor --fix`) rolls it
 * forward; one that is not there in full (cut short: its digest does not match) means nothing was
 * applied yet, and it is discarded. Rolling forward is idempotent: whole-file writes can be repeated,
 * and events the log already ends with are not appended again. No commit can come in between, because
 * recovery is the first thing every critical section does.
 *
 * The journal is one file, `.orc/journal/commit.journal`, created for each commit (files.ts
 * createFile: no temp file, no rename) and removed when it is done. Replacing a file, by rename or by
 * truncation, makes ext4 flush it at once; a file created and removed within the commit costs tens of
 * microseconds instead of most of a millisecond.
 */

const FORMAT = 1;

/** One file of a commit: its whole new text, or its removal. `path` is relative to the workspace root. */
export type JournalWrite = { path: string; text: string } | { path: string; remove: true };

/** Everything a commit does, written down before it does any of it. */
export interface CommitJournal {
  v: typeof FORMAT;
  id: string;
  ts: string;
  actor: string;
  writes: JournalWrite[];
  events: OrcEvent[];
}

/** The journal of a commit about to be applied (not written yet). */
export function newJournal(
  actor: string,
  now: Date,
  writes: JournalWrite[],
  events: OrcEvent[],
): CommitJournal {
  return { v: FORMAT, id: newId('c'), ts: now.toISOString(), actor, writes, events };
}

/**
 * A commit needs a journal only when it changes more than one thing: a single file write (an atomic
 * rename) or a single append of event lines (one write call) is all or nothing by itself.
 */
export function needsJournal(journal: Pick<CommitJournal, 'writes' | 'events'>): boolean {
  return journal.writes.length + (journal.events.length > 0 ? 1 : 0) > 1;
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex');

const journalFile = (ws: Workspace) => join(ws.journalDir, 'commit.journal');

/** Writes the journal (flushed with ORC_FSYNC=1): the commit point. Returns its path. */
export function writeJournal(ws: Workspace, journal: CommitJournal): string {
  const body = JSON.stringify(journal);
  // The digest line tells a journal written in full from one cut short (a kill inside a large
  // write, power loss).
  createFile(ws, journalFile(ws), `${body}\n${digest(body)}\n`);
  return journalFile(ws);
}

/** Removes the journal: its commit is complete (or was never applied). */
export function clearJournal(ws: Workspace, path: string): void {
  removeFile(ws, path);
}

/** A journal read from its text, or undefined when it is torn (then nothing of it was applied). */
function parseJournal(text: string, label: string): CommitJournal | undefined {
  const [body, sum, rest] = text.split('\n');
  if (body === undefined || sum !== digest(body) || rest !== '') return undefined;
  const journal = JSON.parse(body) as CommitJournal;
  // Written in full by another version: neither apply what is not understood nor drop a commit.
  if (journal.v !== FORMAT || !Array.isArray(journal.writes) || !Array.isArray(journal.events)) {
    throw new OrcError(
      'CORRUPT',
      `${label} holds a commit in journal format ${quote(journal.v)}, which this orc does not know (it knows ${FORMAT}): finish it with the orc that wrote it`,
      { details: { path: label } },
    );
  }
  return journal;
}

/** Applies a commit's files in order. `point` names the test pauses (see test-pause.ts). */
export function applyWrites(ws: Workspace, writes: readonly JournalWrite[], point: string): void {
  for (let i = 0; i < writes.length; i++) {
    const write = writes[i]!;
    if ('remove' in write) removeFile(ws, write.path);
    else writeText(ws, write.path, write.text);
    pauseForTest(`${point}:wrote-${i + 1}`);
  }
}

/** What recovery did with one left-over journal. */
export interface Recovery {
  /** The journal, relative to the workspace. */
  journal: string;
  /** `rolled-forward`: applied in full now; `discarded`: torn, so nothing of it had been applied. */
  outcome: 'rolled-forward' | 'discarded';
  files: number;
  /** Events appended now (those the log did not end with yet). */
  appended: number;
  /** The actor of the interrupted commit. */
  actor?: string;
}

/** A left-over journal as found: `journal` is undefined when it was not written in full. */
export interface PendingJournal {
  path: string;
  journal: CommitJournal | undefined;
}

/** The journal an interrupted commit left, if any: one attempt to open it, as a rule of a missing file. */
export function pendingJournals(ws: Workspace): PendingJournal[] {
  const path = journalFile(ws);
  const text = readText(ws, path);
  // An empty one was created by a process killed before it wrote a byte: torn, like one cut short.
  return text === undefined ? [] : [{ path, journal: parseJournal(text, workspaceRelative(ws, path)) }];
}

/**
 * Completes every commit a killed process left half-done, and records each in the log
 * (`storage.recovered`). Called under the workspace lock, before anything else reads or writes.
 */
export function recoverCommits(ws: Workspace): Recovery[] {
  return pendingJournals(ws).map((pending) => rollForward(ws, pending));
}

/** Rolls one left-over journal forward (or discards it when torn), then removes it. */
export function rollForward(ws: Workspace, pending: PendingJournal): Recovery {
  const rel = workspaceRelative(ws, pending.path);
  const { journal } = pending;
  if (!journal) {
    clearJournal(ws, pending.path);
    return { journal: rel, outcome: 'discarded', files: 0, appended: 0 };
  }
  let appended: number;
  try {
    // Rewriting task files changes the tasks folder's mtime, the stamp of the task index: whatever
    // the killed commit had added to the index is then rebuilt from the files, never trusted; and
    // not from a git diff, which would not name them.
    forgetReflogPosition(ws);
    applyWrites(ws, journal.writes, 'recover');
    // Its id derives from the journal's, so a recovery killed after its append is not recorded twice.
    const recovered: OrcEvent = {
      ...makeEvent('orc', 'storage.recovered', journal.id, {}, new Date()),
      id: `e-${journal.id.slice(2)}`,
    };
    const missing = notYetLogged(ws, [...journal.events, recovered]);
    appended = missing.filter((event) => event !== recovered).length;
    recovered.data = { actor: journal.actor, at: journal.ts, files: journal.writes.length, appended };
    appendEvents(ws, missing);
    pauseForTest('recover:logged');
  } catch (error) {
    if (!(error instanceof OrcError)) throw error; // a system error (ENOSPC, EACCES) names itself
    throw new OrcError(
      'CORRUPT',
      `a commit interrupted by a killed process (${rel}) cannot be completed: ${error.message}; fix that, or run \`orc doctor --fix\``,
      { cause: error, details: { path: rel } },
    );
  }
  removeFile(ws, pending.path);
  return {
    journal: rel,
    outcome: 'rolled-forward',
    files: journal.writes.length,
    appended,
    actor: journal.actor,
  };
}

/**
 * Those of `events` that the log does not hold yet. Only its tail is read: nothing can be appended
 * between an interrupted commit and its recovery, so what it did append is at the very end.
 */
function notYetLogged(ws: Workspace, events: OrcEvent[]): OrcEvent[] {
  const size = fileStamp(ws, ws.eventsFile)?.size ?? 0;
  if (size === 0) return events;
  const want = events.reduce((sum, event) => sum + Buffer.byteLength(JSON.stringify(event)) + 1, 4096);
  const start = Math.max(0, size - want);
  let text = readRange(ws, ws.eventsFile, start, size - start).toString('utf8');
  if (start > 0) text = text.slice(text.indexOf('\n') + 1); // it began mid-line
  // Only lines that parse count: a torn last line does not hold its event.
  const logged = new Set(parseEventLines(text).events.map((event) => event.id));
  return events.filter((event) => !logged.has(event.id));
}
