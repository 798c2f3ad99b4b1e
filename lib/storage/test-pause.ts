import { writeSync } from 'node:fs';

/*
 * TEST ONLY. `ORC_TEST_PAUSE_AT=<point>` makes the process stop itself (SIGSTOP) when it reaches the
 * named point of a commit or of the lock, after saying so on stderr, so that crash and stall tests can
 * kill it (SIGKILL) or hold it (SIGCONT later) at an exact moment instead of guessing with timers.
 * The points are the calls of pauseForTest below and in the storage layer; nothing happens unless the
 * variable names one. Never set it outside tests.
 */

/** The line written to stderr right before the process stops itself at `point`. */
export function pauseLine(point: string): string {
  return `orc-test-paused ${point} ${process.pid}`;
}

/** Stops this process at `point` when ORC_TEST_PAUSE_AT names it (test only; see above). */
export function pauseForTest(point: string): void {
  if (process.env.ORC_TEST_PAUSE_AT !== point) return;
  // A synchronous write, so the line is out before the process stops.
  writeSync(2, `${pauseLine(point)}\n`);
  process.kill(process.pid, 'SIGSTOP');
}
