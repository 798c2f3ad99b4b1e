import { appendText, fileIdentity, readRange, writeText } from './files.js';
import { readLinesBackward } from './line-reader.js';
import {
  type QueueEntry,
  type TaskSummary,
  type TopKey,
  formatSummary,
  parseSummary,
} from './task-summary.js';
import type { TaskStatus } from '../records/index.js';
import type { Workspace } from './workspace.js';

/*
 * The task summary's file (`.orc/tasks.summary.json`), a log: a snapshot line (the whole summary, as
 * task-summary.ts formats it), then delta lines, each what one mutation changed. A mutation appends a
 * delta of a few kilobytes instead of writing the summary whole: at 1,000 live claims the summary is
 * 270 kB, and formatting, parsing and replacing it cost milliseconds inside the workspace lock at every
 * claim (a replaced file also makes ext4 flush it and free the old one's block). A process that read or
 * wrote the file keeps what it found and, next time, reads only the lines appended since.
 * - A delta names the stamp it applies to and the one it gives, and the offset of its snapshot, so a
 *   reader starting from nothing reads the last line, then from that snapshot on.
 * - A delta carries state, not operations: the counts, the changed tasks' entries in the claimed,
 *   lost and waiting sets, the changed dependency statuses, and the top list as ids plus the entries
 *   new to it or changed. Replaying it needs no knowledge of how the writer got there.
 * - A snapshot is written every SNAPSHOT_EVERY deltas (so a fresh reader replays few), and the file is
 *   rewritten with a snapshot alone past SUMMARY_LOG_BYTES.
 * - A line cut short by a kill is skipped (appends first end it); a delta whose stamp does not follow
 *   breaks the chain, and the reader reports no summary (the caller rebuilds it).
 */

const SUMMARY_LOG_BYTES = 1 << 20;
const SNAPSHOT_EVERY = 64;
const DELTA_VERSION = 1;

interface SummaryDelta {
  d: number;
  from: string;
  s: string;
  /** Byte offset of the snapshot line this delta's chain starts from. */
  at: number;
  counts: Record<string, Record<TaskStatus, number>>;
  claimed: Record<string, QueueEntry | null>;
  lost: Record<string, QueueEntry | null>;
  waiting: Record<string, QueueEntry | null>;
  deps: Record<string, TaskStatus | 'missing'>;
  top: string[];
  add: QueueEntry[];
  complete: boolean;
  bound: TopKey | null;
}

/** Where the file's last state is, as this process last read or wrote it, and that state if not lent out. */
interface Known {
  file: string;
  ino: bigint;
  size: number;
  stamp: string;
  snapshotAt: number;
  deltas: number;
  /** The ids of the top list of the state lent out: a delta names the entries new to it. */
  topIds: Set<string>;
  summary: TaskSummary | undefined;
}

let known: Known | undefined;

/** Whether the summary lent out by the last read is the file's last state (then a delta may follow it). */
const follows = (file: string, ino: bigint, size: number, stamp: string) =>
  known !== undefined &&
  known.file === file &&
  known.ino === ino &&
  known.size === size &&
  known.stamp === stamp &&
  known.deltas < SNAPSHOT_EVERY;

/**
 * The summary the file holds now, or undefined (none, torn beyond use, or a broken chain). The object is
 * the caller's to change: this process forgets it until the next save.
 */
export function readSummaryLog(ws: Workspace): TaskSummary | undefined {
  const file = ws.taskSummaryFile;
  const identity = fileIdentity(ws, file);
  if (!identity || identity.size === 0) {
    known = undefined;
    return undefined;
  }
  let state: Replay | undefined;
  if (known?.summary && known.file === file && known.ino === identity.ino && identity.size >= known.size) {
    state = { summary: known.summary, snapshotAt: known.snapshotAt, deltas: known.deltas, end: known.size };
    if (identity.size > known.size) state = replay(ws, file, known.size, identity.size, state);
  } else {
    const last = lastCompleteLine(ws, file, identity.size);
    if (last) {
      const at = last.line.startsWith('{"d":') ? deltaStart(last.line) : last.offset;
      if (at !== undefined && at <= last.offset) state = replay(ws, file, at, identity.size, undefined);
    }
  }
  if (!state?.summary) {
    known = undefined;
    return undefined;
  }
  const { summary } = state;
  known = {
    file,
    ino: identity.ino,
    size: state.end,
    stamp: summary.stamp,
    snapshotAt: state.snapshotAt,
    deltas: state.deltas,
    topIds: new Set(summary.top.map((e) => e.id)),
    summary: undefined,
  };
  return summary;
}

/**
 * The summary `readSummaryLog` last lent out, given back unchanged by its caller: returned as it is
 * while the file is as that read left it (the same file, size and stamp), else the file is read again.
 * A reader that must look again under the lock does not parse a snapshot of thousands of claims twice.
 */
export function rereadSummaryLog(ws: Workspace, lent: TaskSummary | undefined): TaskSummary | undefined {
  const file = ws.taskSummaryFile;
  const identity = fileIdentity(ws, file);
  const unchanged =
    lent !== undefined &&
    known !== undefined &&
    identity !== undefined &&
    known.summary === undefined &&
    known.file === file &&
    known.ino === identity.ino &&
    known.size === identity.size &&
    known.stamp === lent.stamp;
  return unchanged ? lent : readSummaryLog(ws);
}

/**
 * Saves `summary`: as a delta after the state the last read lent out when it still is the file's last
 * one and `changed` names every task changed since (their entries and dependency statuses are what a
 * delta carries besides counts and the top list), else as a snapshot.
 */
export function saveSummaryLog(
  ws: Workspace,
  summary: TaskSummary,
  change?: { from: string; changed: Iterable<string> },
): void {
  const file = ws.taskSummaryFile;
  const identity = fileIdentity(ws, file);
  const size = identity?.size ?? 0;
  let snapshotAt: number;
  let deltas: number;
  if (change && identity && known && follows(file, identity.ino, size, change.from)) {
    const line = formatDelta(summary, change.from, known.snapshotAt, change.changed, known.topIds);
    appendText(ws, file, line, { separate: true });
    snapshotAt = known.snapshotAt;
    deltas = known.deltas + 1;
  } else {
    const line = formatSummary(summary);
    if (size === 0 || size + Buffer.byteLength(line) > SUMMARY_LOG_BYTES) writeText(ws, file, line);
    else appendText(ws, file, line, { separate: true });
    snapshotAt = -Buffer.byteLength(line); // from the end, known once the file is measured below
    deltas = 0;
  }
  const after = fileIdentity(ws, file);
  if (!after) {
    known = undefined;
    return;
  }
  known = {
    file,
    ino: after.ino,
    size: after.size,
    stamp: summary.stamp,
    snapshotAt: snapshotAt < 0 ? after.size + snapshotAt : snapshotAt,
    deltas,
    topIds: new Set(summary.top.map((e) => e.id)),
    // Kept for this process's next read only when a mutation saved it at its end: a summary saved by
    // a rebuild goes on to the caller, which may change it.
    summary: change ? summary : undefined,
  };
}

/** Forgets what this process knew of the file (it was removed). */
export function forgetSummaryLog(): void {
  known = undefined;
}

function formatDelta(
  summary: TaskSummary,
  from: string,
  at: number,
  changed: Iterable<string>,
  baseTop: Set<string>,
): string {
  const pick = (map: Map<string, QueueEntry>, ids: Set<string>) =>
    Object.fromEntries([...ids].map((id) => [id, map.get(id) ?? null]));
  const ids = new Set(changed);
  const deps: Record<string, TaskStatus | 'missing'> = {};
  const noteDep = (id: string) => {
    const status = summary.depStatus.get(id);
    if (status !== undefined) deps[id] = status;
  };
  for (const id of ids) {
    noteDep(id);
    for (const dep of summary.waiting.get(id)?.deps ?? []) noteDep(dep);
  }
  const delta: SummaryDelta = {
    d: DELTA_VERSION,
    from,
    s: summary.stamp,
    at,
    counts: Object.fromEntries(summary.counts),
    claimed: pick(summary.claimed, ids),
    lost: pick(summary.lost, ids),
    waiting: pick(summary.waiting, ids),
    deps,
    top: summary.top.map((e) => e.id),
    // Entries new to the list, and the changed tasks' (the same id with a new priority or tags).
    add: summary.top.filter((e) => !baseTop.has(e.id) || ids.has(e.id)),
    complete: summary.complete,
    bound: summary.bound,
  };
  return `${JSON.stringify(delta)}\n`;
}

/** Applies a delta to the state it follows; false when it does not follow it or is not whole. */
function applyDelta(summary: TaskSummary, delta: SummaryDelta): boolean {
  if (delta.d !== DELTA_VERSION || delta.from !== summary.stamp || !Array.isArray(delta.top)) return false;
  const entries = new Map(summary.top.map((e) => [e.id, e]));
  for (const entry of delta.add ?? []) entries.set(entry.id, entry);
  const top = delta.top.map((id) => entries.get(id));
  if (top.some((e) => e === undefined)) return false;
  const setAll = (map: Map<string, QueueEntry>, changes: Record<string, QueueEntry | null>) => {
    for (const [id, entry] of Object.entries(changes ?? {})) {
      if (entry) map.set(id, entry);
      else map.delete(id);
    }
  };
  summary.counts = new Map(Object.entries(delta.counts ?? {}));
  setAll(summary.claimed, delta.claimed);
  setAll(summary.lost, delta.lost);
  setAll(summary.waiting, delta.waiting);
  for (const [id, status] of Object.entries(delta.deps ?? {})) summary.depStatus.set(id, status);
  summary.top = top as QueueEntry[];
  summary.complete = delta.complete;
  summary.bound = delta.bound;
  summary.stamp = delta.s;
  return true;
}

interface Replay {
  summary: TaskSummary | undefined;
  snapshotAt: number;
  deltas: number;
  /** The offset just past the last whole line read. */
  end: number;
}

/** Reads the lines from `start` to `size` and applies them to `state` (or to nothing: then a snapshot starts it). */
function replay(ws: Workspace, file: string, start: number, size: number, state: Replay | undefined): Replay {
  const bytes = readRange(ws, file, start, size - start);
  let current: Replay = state ?? { summary: undefined, snapshotAt: start, deltas: 0, end: start };
  let offset = 0;
  for (;;) {
    const newline = bytes.indexOf(0x0a, offset);
    if (newline < 0) break;
    const line = bytes.subarray(offset, newline).toString('utf8');
    const lineStart = start + offset;
    offset = newline + 1;
    current.end = start + offset;
    if (line.startsWith('{"d":')) {
      let delta: SummaryDelta | undefined;
      try {
        delta = JSON.parse(line);
      } catch {
        delta = undefined; // a line cut short, ended by the next append
      }
      if (!delta) continue;
      if (!current.summary || !applyDelta(current.summary, delta)) current.summary = undefined;
      else current.deltas++;
    } else if (line.length > 0) {
      const snapshot = parseSummary(line);
      if (snapshot) current = { summary: snapshot, snapshotAt: lineStart, deltas: 0, end: current.end };
    }
  }
  return current;
}

function deltaStart(line: string): number | undefined {
  try {
    const at = (JSON.parse(line) as SummaryDelta).at;
    return Number.isSafeInteger(at) && at >= 0 ? at : undefined;
  } catch {
    return undefined;
  }
}

/** The file's last line that ends with a newline, and its offset (what follows it is empty or torn). */
function lastCompleteLine(
  ws: Workspace,
  file: string,
  size: number,
): { line: string; offset: number } | undefined {
  const lines = readLinesBackward(ws, file, 0, size);
  lines.next(); // after the last newline: nothing, or a line cut short
  const last = lines.next().value;
  return last === undefined ? undefined : { line: last.text, offset: last.offset };
}
