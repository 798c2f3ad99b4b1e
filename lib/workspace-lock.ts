import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { OrcError } from './errors.js';
import type { Workspace } from './workspace.js';

// Loaded with require: importing a CommonJS package from ESM makes Node lex its source, which doubles
// its ~9 ms load on every command.
const lockfile = createRequire(import.meta.url)('proper-lockfile') as typeof import('proper-lockfile');

// A holder killed with SIGKILL leaves its lock folder behind; after STALE_MS others may take it over.
// Critical sections last milliseconds, so a few seconds is ample and keeps recovery quick.
const STALE_MS = 5_000;
// Short, randomised retries: the library's 1 s default backoff cuts throughput about ninefold under
// contention. 500 tries of at most 50 ms wait out a stale holder with room to spare.
const RETRIES = { retries: 500, minTimeout: 5, maxTimeout: 50, factor: 1.3, randomize: true };

export function lockPath(ws: Workspace): string {
  return join(ws.localDir, 'workspace.lock');
}

/**
 * Runs `fn` while holding the workspace lock, the one lock every mutation takes, so each
 * read–validate–write sees the writes of all that came before it.
 */
export async function withWorkspaceLock<T>(
  ws: Workspace,
  fn: () => T | Promise<T>,
  patient = true,
): Promise<T> {
  mkdirSync(ws.localDir, { recursive: true });
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(ws.root, {
      lockfilePath: lockPath(ws),
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
      throw new OrcError('BUSY', 'the workspace is locked by another orc process for too long: try again', {
        cause: error,
      });
    }
    throw error;
  }
  try {
    const result = await fn();
    if (compromised) {
      throw new OrcError(
        'BUSY',
        `the workspace lock was lost while writing (${compromised.message}): try again`,
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
    return await withWorkspaceLock(ws, fn, false);
  } catch (error) {
    if (error instanceof OrcError && error.code === 'BUSY') return undefined;
    throw error;
  }
}
