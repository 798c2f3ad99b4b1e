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
  return scanEventLines(text.split('\n'));
}

function scanEventLines(lines: Iterable<string>): EventLogProblems {
  let conflictMarkers = false;
  const seen = new Set<string>();
  let duplicates = 0;
  for (const line of lines) {
    if (/^(<{7}|>{7}) /.test(line) || line === '=======') conflictMarkers = true;
    const id = /^\{"id":"([^"]+)"/.exec(line)?.[1];
    if (id === undefined) continue;
    if (seen.has(id)) duplicates++;
    else seen.add(id);
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
  const problems = scanEventLines(readLinesForward(ws, ws.eventsFile, 0, size));
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
