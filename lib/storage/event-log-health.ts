import { OrcError } from '../shared/index.js';
import { fileStamp, overwriteStart, readText } from './files.js';
import { readLinesForward } from './line-reader.js';
import type { Workspace } from './workspace.js';

/*
 * A merge made without orc's driver (a fresh clone) can leave conflict markers or duplicated lines in
 * events.jsonl. Scanning the log on every command would cost time at scale, so the scan runs only when
 * the file changed since orc last wrote or checked it (size and mtime, remembered in .orc/).
 */

// fileStamp refuses an events.jsonl that is a symbolic link. A mutation checks the log before it
// writes anything, so such a link refuses the whole mutation, not only its event.
const STAMP_WIDTH = 64;

function currentStamp(ws: Workspace): string | undefined {
  const stat = fileStamp(ws, ws.eventsFile);
  return stat && `${stat.size}:${stat.mtimeMs}`;
}

export interface EventLogProblems {
  conflictMarkers: boolean;
  duplicates: number;
}

export function scanEventLog(text: string): EventLogProblems {
  return scanEventLines(() => text.split('\n'));
}

/**
 * A 52-bit hash of an event id (two FNV-1a style hashes): a million ids as numbers take a fraction of
 * the memory of a million strings in a set. Two ids with one hash are told apart by a second pass.
 */
export function eventIdHash(id: string): number {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return (a >>> 0) * 0x100000 + (b >>> 12);
}

/**
 * The `eventIdHash` of every event of a log, to find those that occur more than once: kept in one
 * typed array outside V8's heap (8 bytes an event, grown by half when full), then sorted, so that
 * repeats sit side by side. A `Set<number>` of a million hashes (each a heap number, plus the set's
 * tables and the ones it outgrew) took over 60 MiB of heap, a typed hash set 16 to 24 MiB.
 */
export class EventIdHashes {
  private hashes: Float64Array;
  private count = 0;

  /** `expected`: about how many hashes will come (from the log's size), so that the array need not grow. */
  constructor(expected = 0) {
    this.hashes = new Float64Array(Math.max(1024, Math.ceil(expected)));
  }

  add(hash: number): void {
    if (this.count === this.hashes.length) {
      const larger = new Float64Array(Math.ceil(this.hashes.length * 1.5));
      larger.set(this.hashes);
      this.hashes = larger;
    }
    this.hashes[this.count++] = hash;
  }

  /** The hashes added more than once (sorts what was added: call it once, at the end). */
  repeats(): Set<number> {
    // Sorted as the doubles' bits, which is twice as fast as sorting them as numbers: for these
    // (non-negative whole numbers) equal bits are equal values, so repeats still sit side by side.
    new BigUint64Array(this.hashes.buffer, 0, this.count).sort();
    const sorted = this.hashes.subarray(0, this.count);
    const repeated = new Set<number>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
    return repeated;
  }
}

/** Bytes per event line below which a log holds more events than `expectedEvents` says: few are shorter. */
const SHORT_EVENT_LINE = 120;

/** About how many events `bytes` of log hold, for sizing an `EventIdHashes`. */
export const expectedEvents = (bytes: number) => bytes / SHORT_EVENT_LINE;

const lineId = (line: string) => /^\{"id":"([^"]+)"/.exec(line)?.[1];

/** Reads the lines once, and a second time only when an id's hash repeats (to count true copies). */
function scanEventLines(lines: () => Iterable<string>, expected = 0): EventLogProblems {
  let conflictMarkers = false;
  const seen = new EventIdHashes(expected);
  for (const line of lines()) {
    if (/^(<{7}|>{7}) /.test(line) || line === '=======') conflictMarkers = true;
    const id = lineId(line);
    if (id === undefined) continue;
    seen.add(eventIdHash(id));
  }
  const repeated = seen.repeats();
  let duplicates = 0;
  if (repeated.size > 0) {
    const exact = new Set<string>();
    for (const line of lines()) {
      const id = lineId(line);
      if (id === undefined || !repeated.has(eventIdHash(id))) continue;
      if (exact.has(id)) duplicates++;
      else exact.add(id);
    }
  }
  return { conflictMarkers, duplicates };
}

/** Refuses to add to a log that a merge left broken; cheap when the log is as orc left it. */
export function assertEventLogHealthy(ws: Workspace): void {
  const stamp = currentStamp(ws);
  if (stamp === undefined) return;
  if (readText(ws, ws.eventsStampFile)?.trimEnd() === stamp) return;
  // Streamed line by line: a log of millions of events is more than one string can hold.
  const size = fileStamp(ws, ws.eventsFile)?.size ?? 0;
  const problems = scanEventLines(() => readLinesForward(ws, ws.eventsFile, 0, size), expectedEvents(size));
  if (problems.conflictMarkers) {
    throw new OrcError(
      'CORRUPT',
      'events.jsonl holds git conflict markers from a merge: run `orc doctor --fix`',
    );
  }
  if (problems.duplicates > 0) {
    throw new OrcError(
      'CORRUPT',
      `events.jsonl holds ${problems.duplicates} duplicated event(s) from a merge: run \`orc doctor --fix\``,
    );
  }
  rememberEventLog(ws);
}

/** Records the log as checked (after orc's own append). */
export function rememberEventLog(ws: Workspace): void {
  const stamp = currentStamp(ws);
  if (stamp === undefined) return;
  // Rewritten in place at a fixed width, never truncated (see overwriteStart). A torn stamp only means
  // a rescan.
  overwriteStart(ws, ws.eventsStampFile, stamp.padEnd(STAMP_WIDTH));
}
