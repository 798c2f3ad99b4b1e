import { join } from 'node:path';
import { OrcError } from '../shared/index.js';
import { ensureFolder } from './files.js';
import { recoverCommits } from './journal.js';
import { LockOwnership, lockTestHooks } from './lock-owner.js';
import { LockQueue } from './lock-queue.js';
import { pauseForTest } from './test-pause.js';
import type { Workspace } from './workspace.js';

// A lock whose holder is alive on this host is never stale, and one whose holder is dead is taken over
// at once (lock-owner.ts). The age rule is left for a lock folder without a readable owner (an older
// orc, a holder killed before writing it) or held from another host: after STALE_MS it may be taken.
const STALE_MS = 10_000;
const staleMs = () => lockTestHooks.staleMs ?? STALE_MS;
// Waiters queue (lock-queue.ts) and are woken by the releasing holder; these polls only catch what
// sends no wake-up (a killed holder, one on another host). The head of the line polls often, since it
// is the one to take a dead holder's lock; the others only look for dead waiters ahead of them.
const HEAD_POLL_MS = [20, 50] as const;
const LINE_POLL_MS = [100, 300] as const;
// A waiter gives up (BUSY) only when the line has not moved for this long: the lock is stuck, not busy.
const STUCK_MS = 25_000;

const between = ([low, high]: readonly [number, number]) => low + Math.random() * (high - low);

// Locks this process holds, given back if it exits while holding them (an error thrown past them).
const heldLocks = new Set<LockOwnership>();
let exitHookSet = false;
function releaseOnExit(ownership: LockOwnership): void {
  heldLocks.add(ownership);
  if (exitHookSet) return;
  exitHookSet = true;
  process.once('exit', () => {
    for (const held of heldLocks) {
      try {
        held.release();
      } catch {
        // Exiting anyway: the next acquirer finds this holder dead and takes the lock over.
      }
    }
  });
}

export function lockPath(ws: Workspace): string {
  return join(ws.localDir, 'workspace.lock');
}

/** Handed to a critical section: call `assertHeld()` right before writing. */
export interface LockGuard {
  /**
   * Throws BUSY if the lock was taken over (only a holder judged by age can be: on another host), and
   * refreshes the lock's mtime when due. A long synchronous section (its event loop blocked, so the
   * keep-alive timer cannot run) calls it between steps, and before each write.
   */
  assertHeld(): void;
}

export interface WorkspaceLockOptions {
  /** Wait (with retries) for the lock to be free; false gives up at once. Default true. */
  patient?: boolean;
  /**
   * Roll forward a commit left half-done by a killed process before `fn` runs (see journal.ts).
   * Default true; only `orc doctor` turns it off, to report such a commit before repairing it.
   */
  recover?: boolean;
}

/**
 * Runs `fn` while holding the workspace lock, the one lock every mutation takes, so each
 * read–validate–write sees the writes of all that came before it. A commit that a killed process left
 * half-done is completed first, so `fn` never sees one.
 */
export function withWorkspaceLock<T>(
  ws: Workspace,
  fn: (guard: LockGuard) => T | Promise<T>,
  options: WorkspaceLockOptions = {},
): Promise<T> {
  return withLockFile(ws, lockPath(ws), 'the workspace', options.patient ?? true, (guard) => {
    if (options.recover ?? true) recoverCommits(ws);
    return fn(guard);
  });
}

/**
 * The same discipline for a machine-local derived file (the knowledge index): `name` gives
 * `.orc/<name>.lock`, so rebuilding a cache never holds up the mutations of the board.
 */
export function withLocalLock<T>(ws: Workspace, name: string, fn: (guard: LockGuard) => T | Promise<T>) {
  return withLockFile(ws, join(ws.localDir, `${name}.lock`), `the ${name} index`, true, fn);
}

async function withLockFile<T>(
  ws: Workspace,
  lockFilePath: string,
  what: string,
  patient: boolean,
  fn: (guard: LockGuard) => T | Promise<T>,
): Promise<T> {
  ensureFolder(ws, ws.localDir);
  const ownership = new LockOwnership(lockFilePath, staleMs());
  const queue = new LockQueue(`${lockFilePath}.queue`, staleMs());
  await acquire(ownership, queue, patient, what, () => ensureFolder(ws, queue.dir));
  releaseOnExit(ownership);
  // A timer keeps the folder's mtime fresh for judges on another host while the event loop turns; a
  // synchronous section refreshes it each time it calls `assertHeld` (see lock-owner.ts).
  let lost = false;
  const keepAlive = setInterval(() => {
    if (!ownership.refresh()) lost = true;
  }, staleMs() / 4);
  keepAlive.unref();
  pauseForTest('lock:acquired');
  const guard: LockGuard = {
    assertHeld() {
      // Only a holder judged by age (on another host, with an owner link that cannot be asked) can lose
      // the lock to a taker; a lock folder removed by hand loses it too. Either way its owner link is gone.
      if (lost || !ownership.refreshIfDue()) {
        lost = true;
        throw new OrcError(
          'BUSY',
          `the lock of ${what} was taken over by another process before writing: try again`,
        );
      }
    },
  };
  try {
    const result = await fn(guard);
    // Lost while an asynchronous section awaited (the keep-alive found the owner link gone).
    if (lost) throw new OrcError('BUSY', `the lock of ${what} was lost while writing: try again`);
    return result;
  } finally {
    clearInterval(keepAlive);
    heldLocks.delete(ownership);
    if (!lost) ownership.release();
    queue.wakeHead();
  }
}

/**
 * Takes the lock for `ownership`: at once if no one waits and it is free, else in turn behind the
 * waiters already in line. Throws BUSY when impatient and it is taken, or when the line is stuck.
 */
async function acquire(
  ownership: LockOwnership,
  queue: LockQueue,
  patient: boolean,
  what: string,
  makeQueueFolder: () => void,
) {
  // An impatient try does not join the line: it wants the lock only if it is free right now.
  if ((!patient || queue.isEmpty()) && ownership.tryAcquire()) return;
  if (!patient) throw busy(ownership, what);
  // Made as every folder of the workspace is (confined, no links), not by the queue's own mkdir.
  makeQueueFolder();
  queue.join();
  try {
    pauseForTest('lock:queued');
    let progressAt = Date.now();
    let seen = '';
    for (;;) {
      const head = queue.head();
      if (head.mine && ownership.tryAcquire()) return;
      // Progress: the line moved up, or the lock changed hands (each holding has its own link time).
      const holder = ownership.holder();
      const now = `${head.name}|${holder?.pid}|${holder?.since}`;
      if (now !== seen) {
        seen = now;
        progressAt = Date.now();
      } else if (Date.now() - progressAt > (lockTestHooks.stuckMs ?? STUCK_MS)) {
        throw busy(ownership, what);
      }
      await queue.wait(between(head.mine ? HEAD_POLL_MS : LINE_POLL_MS));
    }
  } finally {
    queue.leave();
  }
}

function busy(ownership: LockOwnership, what: string): OrcError {
  const holder = ownership.holder();
  // A live holder is never overtaken, however long it holds the lock: name it, so a hung one can be ended.
  const message = holder
    ? `${what} is locked by orc process ${holder.pid} (since ${holder.since}), which is still running: try again, or end that process if it hangs`
    : `${what} is locked by another orc process for too long: try again`;
  return new OrcError('BUSY', message, holder ? { details: { pid: holder.pid, since: holder.since } } : {});
}

/** Takes the lock only if it is free right now; returns undefined instead of waiting. */
export async function tryWithWorkspaceLock<T>(ws: Workspace, fn: () => T): Promise<T | undefined> {
  try {
    return await withWorkspaceLock(ws, fn, { patient: false });
  } catch (error) {
    if (error instanceof OrcError && error.code === 'BUSY') return undefined;
    throw error;
  }
}
