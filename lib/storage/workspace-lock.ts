import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { OrcError } from '../shared/index.js';
import { recoverCommits } from './journal.js';
import type { Workspace } from './workspace.js';

// Loaded with require, on the first lock: importing a CommonJS package from ESM makes Node lex its
// source, and read-only commands (t list, status) need no lock at all unless a cache is rebuilt.
let lockfileModule: typeof import('proper-lockfile') | undefined;
const lockfile = () => {
  lockfileModule ??= createRequire(import.meta.url)('proper-lockfile') as typeof import('proper-lockfile');
  return lockfileModule;
};

// A holder killed with SIGKILL leaves its lock folder behind; after STALE_MS others may take it over.
// Critical sections last milliseconds, but on a saturated machine a live holder can be descheduled for
// seconds: proper-lockfile's own default of 10 s leaves a wide margin.
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
  return withLockFile(
    ws,
    lockPath(ws),
    'the workspace',
    (guard) => {
      if (options.recover ?? true) recoverCommits(ws);
      return fn(guard);
    },
    options.patient ?? true,
  );
}

/**
 * The same discipline for a machine-local derived file (the knowledge index): `name` gives
 * `.orc/<name>.lock`, so rebuilding a cache never holds up the mutations of the board.
 */
export function withLocalLock<T>(ws: Workspace, name: string, fn: (guard: LockGuard) => T | Promise<T>) {
  return withLockFile(ws, join(ws.localDir, `${name}.lock`), `the ${name} index`, fn, true);
}

async function withLockFile<T>(
  ws: Workspace,
  lockFilePath: string,
  what: string,
  fn: (guard: LockGuard) => T | Promise<T>,
  patient: boolean,
): Promise<T> {
  mkdirSync(ws.localDir, { recursive: true });
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile().lock(ws.root, {
      lockfilePath: lockFilePath,
      stale: STALE_MS,
      retries: patient ? RETRIES : 0,
      realpath: false,
      onCompromised: (error) => {
        // The default throws from a timer and kills the process; record it and refuse to commit instead.
        compromised = error;
      },
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new OrcError('BUSY', `${what} is locked by another orc process for too long: try again`, {
        cause: error,
      });
    }
    throw error;
  }
  // A takeover (after the lock was judged stale) removes and re-creates the lock folder. A synchronous
  // critical section runs no timers, so proper-lockfile's keep-alive cannot touch the folder during it:
  // a different inode or mtime means another process holds the lock now.
  const identity = (): string | undefined => {
    try {
      const stat = statSync(lockFilePath, { bigint: true });
      return `${stat.ino}:${stat.mtimeNs}`;
    } catch {
      return undefined;
    }
  };
  const ours = identity();
  const guard: LockGuard = {
    assertHeld() {
      if (compromised || identity() !== ours) {
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
