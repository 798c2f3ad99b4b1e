import { join } from 'node:path';
import { createRequire } from 'node:module';
import { OrcError } from '../shared/index.js';
import { ensureFolder } from './files.js';
import { recoverCommits } from './journal.js';
import { LockOwnership } from './lock-owner.js';
import { pauseForTest } from './test-pause.js';
import type { Workspace } from './workspace.js';

// Loaded with require, on the first lock: importing a CommonJS package from ESM makes Node lex its
// source, and read-only commands (t list, status) need no lock at all unless a cache is rebuilt.
let lockfileModule: typeof import('proper-lockfile') | undefined;
const lockfile = () => {
  lockfileModule ??= createRequire(import.meta.url)('proper-lockfile') as typeof import('proper-lockfile');
  return lockfileModule;
};

// A lock whose holder is alive on this host is never stale, and one whose holder is dead is taken over
// at once (lock-owner.ts). The age rule is left for a lock folder without a readable owner (an older
// orc, a holder killed before writing it) or held from another host: after STALE_MS it may be taken.
const STALE_MS = 10_000;
// Short, randomised retries: the library's 1 s default backoff cuts throughput about ninefold under
// contention. 500 tries of at most 50 ms wait out a stale holder with room to spare.
const RETRIES = { retries: 500, minTimeout: 5, maxTimeout: 50, factor: 1.3, randomize: true };

export function lockPath(ws: Workspace): string {
  return join(ws.localDir, 'workspace.lock');
}

/** Handed to a critical section: call `assertHeld()` right before writing. */
export interface LockGuard {
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
  const ownership = new LockOwnership(lockFilePath, STALE_MS);
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    // The lock folder itself is the "file" locked: proper-lockfile keys its held locks by it, so the
    // workspace lock and a local lock held at once by one process stay apart.
    release = await lockfile().lock(lockFilePath, {
      lockfilePath: lockFilePath,
      stale: STALE_MS,
      retries: patient ? RETRIES : 0,
      realpath: false,
      fs: ownership.fs(),
      onCompromised: (error) => {
        // The default throws from a timer and kills the process; record it and refuse to commit instead.
        compromised = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      const holder = ownership.holder();
      // A live holder is never overtaken, however long it holds the lock: name it, so a hung one can be ended.
      const message = holder
        ? `${what} is locked by orc process ${holder.pid} (since ${holder.since}), which is still running: try again, or end that process if it hangs`
        : `${what} is locked by another orc process for too long: try again`;
      throw new OrcError('BUSY', message, {
        cause: error,
        ...(holder ? { details: { pid: holder.pid, since: holder.since } } : {}),
      });
    }
    throw error;
  }
  pauseForTest('lock:acquired');
  const guard: LockGuard = {
    assertHeld() {
      // Only a holder on another host (whose liveness cannot be asked) can lose the lock to age; a
      // lock folder removed by hand loses it too. Either way its owner file is gone.
      if (compromised || !ownership.holds()) {
        throw new OrcError(
          'BUSY',
          `the lock of ${what} was taken over by another process before writing: try again`,
        );
      }
    },
  };
  try {
    const result = await fn(guard);
    if (compromised) {
      throw new OrcError(
        'BUSY',
        `the lock of ${what} was lost while writing (${compromised.message}): try again`,
      );
    }
    return result;
  } finally {
    ownership.releasing = true;
    await release().catch(() => undefined);
  }
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
