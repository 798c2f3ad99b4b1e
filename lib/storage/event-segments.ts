import { join } from 'node:path';
import { envValue, newId } from '../shared/index.js';
import { SEGMENT_ATTRIBUTE_LINES, ensureLines } from './workspace.js';
import { fileStamp, listFolder, moveEntry, readRange, writeText } from './files.js';
import { pauseForTest } from './test-pause.js';
import type { Workspace } from './workspace.js';

/*
 * The event log is the live `events.jsonl` plus closed segments, `events/<time>-<id>.jsonl`, named after
 * their first event. Once the live file passes a size, the next commit closes it: one rename (atomic, so
 * a crash leaves either the old log or the rotated one, never a mix) under the workspace lock, after its
 * journal is cleared. A closed segment is never written again but by a merge or `orc doctor --fix`.
 *
 * Why the name comes from the first event and not from a random id: two branches that rotated the same
 * history each close a segment beginning with the same event, so both name the same path; git then
 * merges the two versions of that one file (the union of their lines, by the driver or by git's
 * `union`), and every event is kept once. Random names would keep each shared event twice, once in each
 * branch's segment. Segments that begin differently hold different events and never collide.
 *
 * A position in the log (what followers keep) counts the bytes of the closed segments, in name order,
 * then the live file: rotation moves bytes from the live file to the newest segment without moving any
 * position, so a follower reads on across it.
 */

/** The live file's size at which a commit closes it, unless ORC_EVENT_SEGMENT_BYTES says otherwise. */
export const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024;

/** A closed segment's file name: the first event's time (`:` and `.` made `-`) and id, or a made-up id. */
const SEGMENT_NAME = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-[0-9a-z-]{1,64}\.jsonl$/;

export const isSegmentName = (name: string) => SEGMENT_NAME.test(name);

/** One file of the log: workspace-relative `name`, absolute `path`, `size`, and `start`, its first byte's position. */
export interface LogFile {
  name: string;
  path: string;
  size: number;
  start: number;
  live: boolean;
}

/** The size at which the live file is closed (ORC_EVENT_SEGMENT_BYTES, at least 1 KiB). */
export function segmentThreshold(env: NodeJS.ProcessEnv = process.env): number {
  const text = envValue(env, 'EVENT_SEGMENT_BYTES');
  const value = text === undefined ? Number.NaN : Number(text);
  return Number.isInteger(value) && value >= 1024 ? value : DEFAULT_SEGMENT_BYTES;
}

/** The closed segments, oldest first (by name), then the live file: the whole log in order. */
export function eventLogFiles(ws: Workspace): LogFile[] {
  const files: LogFile[] = [];
  let start = 0;
  // Only segment names are read: whatever else lies in events/ (a temp file) is doctor's to report.
  for (const entry of listFolder(ws, ws.eventSegmentsDir)) {
    if (entry.kind !== 'file' || !isSegmentName(entry.name)) continue;
    const path = join(ws.eventSegmentsDir, entry.name);
    const size = fileStamp(ws, path)?.size ?? 0;
    files.push({ name: `events/${entry.name}`, path, size, start, live: false });
    start += size;
  }
  const size = fileStamp(ws, ws.eventsFile)?.size ?? 0;
  files.push({ name: 'events.jsonl', path: ws.eventsFile, size, start, live: true });
  return files;
}

/** The name of the segment that `firstLine` begins: from its event's time and id when it is one. */
export function segmentNameOf(firstLine: string, now = new Date()): string {
  let ts: unknown;
  let id: unknown;
  try {
    ({ ts, id } = JSON.parse(firstLine) ?? {});
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  const time = typeof ts === 'string' && !Number.isNaN(Date.parse(ts)) ? new Date(ts) : now;
  const stamp = time.toISOString().replace(/[:.]/g, '-');
  const key = typeof id === 'string' && /^[0-9a-z-]{1,64}$/.test(id) ? id : newId('x');
  return `${stamp}-${key}.jsonl`;
}

/** The live file's first line (up to 64 KiB of it: enough for any name). */
function firstLineOf(ws: Workspace): string {
  const head = readRange(ws, ws.eventsFile, 0, 64 * 1024).toString('utf8');
  const end = head.indexOf('\n');
  return end === -1 ? head : head.slice(0, end);
}

/**
 * Closes the live file into a segment when it has reached `threshold` bytes; the caller holds the
 * workspace lock and has no commit in flight. Returns the new segments' workspace-relative names (none
 * when the live file is smaller). `.gitattributes` first gets the segments' merge rule (a crash after
 * it changes nothing else); the rename is the one step that moves events.
 */
export function rotateEventLog(ws: Workspace, threshold = segmentThreshold()): string[] {
  const size = fileStamp(ws, ws.eventsFile)?.size ?? 0;
  if (size < threshold || size === 0) return [];
  ensureLines(ws, ws.gitattributesFile, SEGMENT_ATTRIBUTE_LINES);
  if (size >= 2 * threshold) return splitEventLog(ws, size, threshold);
  let name = segmentNameOf(firstLineOf(ws));
  // The same first event twice on one branch (a log rewritten by hand): a fresh name, not an overwrite.
  if (fileStamp(ws, join(ws.eventSegmentsDir, name)) !== undefined) name = segmentNameOf('');
  moveEntry(ws, ws.eventsFile, join(ws.eventSegmentsDir, name));
  pauseForTest('rotate:moved');
  // Kept as a (now empty) file: a branch that deleted it would meet another's appends as a conflict.
  writeText(ws, ws.eventsFile, '');
  return [`events/${name}`];
}

/**
 * A live file of many times the threshold (a log from before segments, or one a merge grew) is closed
 * into segments of about the threshold each, so that no segment is more than a merge driver reads
 * whole. Each is a byte range of the live file, cut just after the first line end at or past the
 * threshold, copied as it is (never decoded: a split of 5 million events costs their bytes' copy) and
 * written whole (atomically); then the live file is replaced by what is left. A crash in between
 * leaves those events in a segment and in the live file too: the next rotation cuts the same ranges
 * (same names, same bytes) and writes them again before it replaces the live file, and
 * `orc doctor --fix` drops the copies from the later file.
 */
function splitEventLog(ws: Workspace, size: number, threshold: number): string[] {
  const names: string[] = [];
  let start = 0;
  for (;;) {
    const end = lineEndPast(ws, start + threshold - 1, size);
    if (end === undefined) break;
    const piece = readRange(ws, ws.eventsFile, start, end - start);
    let name = segmentNameOf(firstEventLine(piece));
    const there = fileStamp(ws, join(ws.eventSegmentsDir, name));
    // Written by an earlier, interrupted split (the same bytes): written again. Else another file: a fresh name.
    if (there !== undefined && there.size !== piece.length) name = segmentNameOf('');
    writeText(ws, join(ws.eventSegmentsDir, name), piece);
    names.push(`events/${name}`);
    start = end;
  }
  pauseForTest('rotate:split');
  writeText(ws, ws.eventsFile, readRange(ws, ws.eventsFile, start, size - start));
  return names;
}

/** Just past the first `\n` at or after `from` (before `size`) in the live file; undefined when none. */
function lineEndPast(ws: Workspace, from: number, size: number): number | undefined {
  for (let at = from; at < size; at += LINE_END_WINDOW) {
    const window = readRange(ws, ws.eventsFile, at, Math.min(LINE_END_WINDOW, size - at));
    const newline = window.indexOf(10);
    if (newline !== -1) return at + newline + 1;
  }
  return undefined;
}

const LINE_END_WINDOW = 64 * 1024;

/** The first line of `piece` that is not blank (up to 64 KiB of it), which names its segment. */
function firstEventLine(piece: Buffer): string {
  for (let at = 0; at < piece.length; ) {
    const newline = piece.indexOf(10, at);
    const end = newline === -1 ? piece.length : newline;
    const line = piece.toString('utf8', at, Math.min(end, at + 64 * 1024));
    if (line.trim() !== '') return line;
    at = end + 1;
  }
  return '';
}
