import { writeSync } from 'node:fs';
import { envValue } from '../shared/index.js';

/*
 * TEST ONLY. `ORC_TEST_PAUSE_AT=<point>` makes the process stop itself (SIGSTOP) when it reaches the
 * named point of a commit or of the lock, after saying so on stderr, so that crash and stall tests can
 * kill it (SIGKILL) or hold it (SIGCONT later) at an exact moment instead of guessing with timers.
 * The points: `lock:acquired` (holding the lock, before anything), `lock:queued` (a waiter has put
 * its ticket in the lock's line), `lock:spared-stalled-holder` (a waiter found the lock past its stale
 * time but its holder alive), `commit:journaled` (the commit
 * point passed, nothing applied), `commit:wrote-<n>` (after its n-th file), `commit:applied` (files
 * written, events not), `commit:logged` (events appended, journal not removed), `rotate:moved` (the live event log
 * renamed into a closed segment, no new live file yet), `rotate:split` (a large live log's
 * segments written, the live file not yet cut to what is left), and
 * `recover:wrote-<n>`, `recover:logged` while a left-over journal is rolled forward. Nothing happens
 * unless the variable names one. Never set it outside tests.
 */

/** The line written to stderr right before the process stops itself at `point`. */
export function pauseLine(point: string): string {
  return `orc-test-paused ${point} ${process.pid}`;
}

/** Stops this process at `point` when ORC_TEST_PAUSE_AT names it (test only; see above). */
export function pauseForTest(point: string): void {
  if (envValue(process.env, 'TEST_PAUSE_AT') !== point) return;
  // A synchronous write, so the line is out before the process stops.
  writeSync(2, `${pauseLine(point)}\n`);
  process.kill(process.pid, 'SIGSTOP');
}
