import { closeSync, constants, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { OrcError } from '../shared/index.js';
import type { Workspace } from './workspace.js';

/*
 * A merge made without orc's driver (a fresh clone) can leave conflict markers or duplicated lines in
 * events.jsonl. Scanning the log on every command would cost time at scale, so the scan runs only when
 * the file changed since orc last wrote or checked it (size and mtime, remembered in .orc/).
 */

const stampFile = (ws: Workspace) => join(ws.localDir, 'events.stamp');
const STAMP_WIDTH = 64;

function currentStamp(ws: Workspace): string | undefined {
  try {
    const stat = statSync(ws.eventsFile);
    return `${stat.size}:${stat.mtimeMs}`;
  } catch {
    return undefined;
  }
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
  let known: string | undefined;
  try {
    known = readFileSync(stampFile(ws), 'utf8');
  } catch {
    known = undefined;
  }
  if (known?.trimEnd() === stamp) return;
  const problems = scanEventLog(readFileSync(ws.eventsFile, 'utf8'));
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
  // Rewritten in place at a fixed width, never truncated: ext4 flushes a file truncated and written
  // again at once, which cost most of a millisecond per mutation. A torn stamp only means a rescan.
  const text = stamp.padEnd(STAMP_WIDTH);
  let fd: number;
  try {
    fd = openSync(stampFile(ws), constants.O_WRONLY | constants.O_CREAT, 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === undefined) throw error;
    return; // without the stamp the next command only rescans
  }
  try {
    writeSync(fd, text, 0);
  } finally {
    closeSync(fd);
  }
}
