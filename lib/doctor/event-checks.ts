import { join } from 'node:path';
import { OrcError, newId } from '../shared/index.js';
import {
  type LogFile,
  type Workspace,
  appendText,
  EventIdHashes,
  eventIdHash,
  eventLogFiles,
  expectedEvents,
  fileStamp,
  isSegmentName,
  listFolder,
  moveEntry,
  readLinesForward,
  workspaceRelative,
} from '../storage/index.js';
import type { DoctorContext } from './doctor-types.js';
import { moveIfAllowed } from './record-checks.js';

/*
 * The event log's checks, file by file (closed segments oldest first, then events.jsonl), each streamed
 * line by line: memory holds the event ids seen (to find copies across files), never a file's text.
 * The scan is read-only and runs outside the workspace lock; a repair rewrites only the files with a
 * problem, under the lock, after checking that they are still as the scan saw them.
 */

/** What the scan found in one file of the log. */
export interface LogFileScan {
  file: LogFile;
  /** Size and mtime when scanned: a repair applies only to the file as scanned (or, live, grown since). */
  stamp: { size: number; mtimeMs: number };
  markers: number;
  unreadable: number;
  /** Ids repeated here: `earlier` when a file before this one holds the event, `here` when this one does twice. */
  repeats: Map<string, 'earlier' | 'here'>;
  duplicates: number;
}

export interface EventLogScan {
  files: LogFileScan[];
}

const isMarker = (line: string) => /^(<{7}|={7}|>{7}|\|{7})( |$)/.test(line);

/** The event's id and time when `line` is one (the merge driver's test), else undefined. */
function eventKey(line: string): { id: string; ts: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { id?: unknown; ts?: unknown };
    if (typeof value?.id === 'string' && typeof value.ts === 'string') return { id: value.id, ts: value.ts };
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return undefined;
}

/**
 * Streams every file of the log: lines that are not events, conflict markers, and the hash of every
 * id. Only when a hash repeats (a copied event, or rarely two ids with one hash) is the log read a
 * second time, to find the copies by their exact ids: memory never holds the ids of the whole log.
 */
export function scanEventLogFiles(ws: Workspace): EventLogScan {
  const logFiles = eventLogFiles(ws);
  const last = logFiles[logFiles.length - 1]!;
  let seen: EventIdHashes | undefined = new EventIdHashes(expectedEvents(last.start + last.size));
  const files: LogFileScan[] = [];
  for (const file of logFiles) {
    const stamp = fileStamp(ws, file.path) ?? { size: 0, mtimeMs: 0 };
    const scan: LogFileScan = { file, stamp, markers: 0, unreadable: 0, repeats: new Map(), duplicates: 0 };
    files.push(scan);
    for (const line of linesOf(ws, scan)) {
      const key = eventKey(line);
      if (!key) {
        if (isMarker(line)) scan.markers++;
        else scan.unreadable++;
        continue;
      }
      seen.add(eventIdHash(key.id));
    }
  }
  const repeated = seen.repeats();
  seen = undefined; // freed before a second pass
  if (repeated.size > 0) findRepeats(ws, files, repeated);
  return { files };
}

/** The non-blank lines of a file as scanned (trailing blanks trimmed). */
function* linesOf(ws: Workspace, scan: LogFileScan): Generator<string> {
  if (scan.stamp.size === 0) return;
  for (const raw of readLinesForward(ws, scan.file.path, 0, scan.stamp.size)) {
    const line = raw.trimEnd();
    if (line !== '') yield line;
  }
}

/** The second pass: among the ids with a repeated hash, which events are copies, and of which file's. */
function findRepeats(ws: Workspace, files: LogFileScan[], repeated: ReadonlySet<number>): void {
  const first = new Map<string, number>();
  for (const [index, scan] of files.entries()) {
    for (const line of linesOf(ws, scan)) {
      // Parsed only when its id's hash repeats; a line orc did not write is parsed to find its id.
      const id = /^\{"id":"([^"\\]+)"/.exec(line)?.[1] ?? eventKey(line)?.id;
      if (id === undefined || !repeated.has(eventIdHash(id))) continue;
      const key = eventKey(line);
      if (!key) continue;
      const at = first.get(key.id);
      if (at === undefined) first.set(key.id, index);
      else {
        scan.duplicates++;
        scan.repeats.set(key.id, at === index ? 'here' : 'earlier');
      }
    }
  }
}

const hasProblem = (scan: LogFileScan) => scan.markers + scan.unreadable + scan.duplicates > 0;

/** Whether the scan found anything to report in the log. */
export const eventLogHasProblems = (scan: EventLogScan) => scan.files.some(hasProblem);

/**
 * Whether `scan` still describes the log: every file there, unchanged, and the live file at most grown
 * by appends. Otherwise the repair scans again (under the lock) rather than act on what it saw before.
 */
export function stillCurrent(ws: Workspace, scan: EventLogScan): boolean {
  const now = eventLogFiles(ws);
  if (now.length !== scan.files.length) return false;
  return scan.files.every((s, i) => {
    const stamp = fileStamp(ws, s.file.path);
    if (now[i]!.name !== s.file.name || !stamp) return s.stamp.size === 0 && !stamp;
    if (s.file.live) return stamp.size >= s.stamp.size;
    return stamp.size === s.stamp.size && stamp.mtimeMs === s.stamp.mtimeMs;
  });
}

/** Files up to this size are also put back in time order when rewritten; larger ones keep their order. */
const SORTED_REWRITE_BYTES = 32 * 1024 * 1024;
const WRITE_BATCH = 1024 * 1024;

/**
 * Rewrites one file of the log: each event once (a copy that an earlier file holds is dropped),
 * without conflict markers, the lines that are not events moved to `unreadableTo`. Written to a temp
 * file beside it, then renamed over it: a crash leaves the file as it was, and the temp file, which
 * doctor reports next time.
 */
function rewriteLogFile(ws: Workspace, scan: LogFileScan, unreadableTo: string): void {
  const { file } = scan;
  const size = fileStamp(ws, file.path)?.size ?? 0;
  const temp = join(file.path, '..', `.${file.path.split('/').pop()}.tmp-${newId('d')}`);
  const keptHere = new Set<string>();
  const sortable = size <= SORTED_REWRITE_BYTES;
  const kept: Array<{ ts: string; line: string }> = [];
  let batch: string[] = [];
  let batchBytes = 0;
  const flush = () => {
    if (batch.length > 0) appendText(ws, temp, `${batch.join('\n')}\n`);
    batch = [];
    batchBytes = 0;
  };
  let bad: string[] = [];
  for (const raw of readLinesForward(ws, file.path, 0, size)) {
    const line = raw.trimEnd();
    if (line === '' || isMarker(line)) continue;
    const key = eventKey(line);
    if (!key) {
      bad.push(line);
      continue;
    }
    const repeat = scan.repeats.get(key.id);
    if (repeat === 'earlier' || keptHere.has(key.id)) continue;
    if (repeat === 'here') keptHere.add(key.id);
    if (sortable) kept.push({ ts: key.ts, line });
    else {
      batch.push(line);
      batchBytes += line.length + 1;
      if (batchBytes >= WRITE_BATCH) flush();
    }
    if (bad.length >= 1000) {
      appendText(ws, unreadableTo, `${bad.join('\n')}\n`);
      bad = [];
    }
  }
  if (bad.length > 0) appendText(ws, unreadableTo, `${bad.join('\n')}\n`);
  if (sortable) {
    kept.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    for (const { line } of kept) {
      batch.push(line);
      batchBytes += line.length + 1;
      if (batchBytes >= WRITE_BATCH) flush();
    }
  }
  flush();
  if (fileStamp(ws, temp) === undefined) appendText(ws, temp, '');
  moveEntry(ws, temp, file.path);
}

/** Reports the problems of `scan` (from outside the lock); with --fix, repairs them (under it). */
export function reportEventLog(ctx: DoctorContext, scan: EventLogScan): void {
  for (const fileScan of scan.files) {
    if (!hasProblem(fileScan)) continue;
    const name = fileScan.file.name;
    let done: string | undefined;
    const rewrite = () => {
      const unreadableTo = join(
        ctx.ws.quarantineDir,
        ctx.stamp,
        `${name.replace('/', '-')}.unreadable.jsonl`,
      );
      rewriteLogFile(ctx.ws, fileScan, unreadableTo);
      if (fileScan.unreadable === 0) return `rewrote ${name}: each event once, without conflict markers`;
      ctx.quarantined(workspaceRelative(ctx.ws, unreadableTo));
      return `rewrote ${name}: each event once, without conflict markers; ${fileScan.unreadable} unreadable line(s) moved to ${workspaceRelative(ctx.ws, unreadableTo)}`;
    };
    const repair = () => {
      if (done !== undefined) return 'rewritten above';
      done = rewrite();
      return done;
    };
    if (fileScan.markers > 0)
      ctx.report(
        { code: 'CONFLICT_MARKERS', file: name, message: `${name} holds git conflict markers` },
        repair,
      );
    if (fileScan.duplicates > 0) {
      const earlier = [...fileScan.repeats.values()].some((r) => r === 'earlier');
      ctx.report(
        {
          code: 'DUPLICATE_EVENTS',
          file: name,
          message: `${name} repeats ${fileScan.duplicates} event(s)${earlier ? ' (some already in an older segment)' : ''}`,
        },
        repair,
      );
    }
    if (fileScan.unreadable > 0)
      ctx.report(
        {
          code: 'CORRUPT_EVENT_LINES',
          file: name,
          message: `${name} has ${fileScan.unreadable} line(s) that are not events`,
        },
        repair,
      );
  }
}

/**
 * What lies in `events/` besides closed segments: a temp file left by a killed rewrite, a stray file, a
 * folder or a link. Each is reported, and moved to quarantine with --fix. A file where the folder
 * should be is one such entry too.
 */
export function checkSegmentFolder(ctx: DoctorContext): void {
  const folder = ctx.ws.eventSegmentsDir;
  let entries: ReturnType<typeof listFolder>;
  try {
    entries = listFolder(ctx.ws, folder);
  } catch (error) {
    if (!(error instanceof OrcError)) throw error;
    ctx.report(
      { code: 'WRONG_TYPE', file: 'events', message: error.message, action: 'move it away by hand' },
      () => moveIfAllowed(ctx, folder),
    );
    return;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    const file = `events/${entry.name}`;
    if (entry.kind === 'file' && isSegmentName(entry.name)) continue;
    const what =
      entry.kind === 'link'
        ? 'a symbolic link: orc reads no segment through a link'
        : entry.name.includes('.tmp-')
          ? 'an unfinished write left by a killed process'
          : entry.kind === 'file'
            ? 'not a segment of the event log'
            : `a ${entry.kind}, not a segment file`;
    ctx.report(
      { code: entry.kind === 'file' ? 'ORPHAN_FILE' : 'WRONG_TYPE', file, message: `${file} is ${what}` },
      () => moveIfAllowed(ctx, path),
    );
  }
}
