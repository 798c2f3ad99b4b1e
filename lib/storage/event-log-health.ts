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

const lineId = (line: string) => /^\{"id":"([^"]+)"/.exec(line)?.[1];

/** Reads the lines once, and a second time only when an id's hash repeats (to count true copies). */
function scanEventLines(lines: () => Iterable<string>): EventLogProblems {
  let conflictMarkers = false;
  const seen = new Set<number>();
  const repeated = new Set<number>();
  for (const line of lines()) {
    if (/^(<{7}|>{7}) /.test(line) || line === '=======') conflictMarkers = true;
    const id = lineId(line);
    if (id === undefined) continue;
    const hash = eventIdHash(id);
    if (seen.has(hash)) repeated.add(hash);
    else seen.add(hash);
  }
  seen.clear();
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
  const problems = scanEventLines(() => readLinesForward(ws, ws.eventsFile, 0, size));
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
