import { OrcError } from '../shared/index.js';
import { fileStamp, overwriteStart, readText } from './files.js';
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
  const conflictMarkers = /^(<{7}|>{7}) /m.test(text) || /^={7}$/m.test(text);
  const seen = new Set<string>();
  let duplicates = 0;
  for (const line of text.split('\n')) {
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
  const problems = scanEventLog(readText(ws, ws.eventsFile) ?? '');
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
