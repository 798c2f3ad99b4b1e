import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { OrcError } from '../shared/index.js';
import {
  GITATTRIBUTES_LINES,
  type Workspace,
  ensureLines,
  entryKind,
  mergeSetupMissing,
  writeLocalMergeAttributes,
} from '../storage/index.js';
import { withWorkspaceLock } from '../storage/index.js';
import { sleep } from '../shared/index.js';
import { type FoldedRenewal, foldPresence } from '../board/index.js';

/** The paths orc owns inside a workspace: the only ones `orc sync` ever stages or commits. */
export const ORC_PATHS = [
  'state',
  'events.jsonl',
  'events',
  'knowledge',
  'orchestrator.yaml',
  '.gitattributes',
  '.gitignore',
];

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs git asynchronously, so that the workspace lock's keep-alive timer runs meanwhile. */
export function runGit(cwd: string, args: string[]): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 127) : 0;
      resolve({ code, stdout, stderr: stderr || (error && code === 127 ? error.message : '') });
    });
  });
}

async function git(cwd: string, args: string[], what: string): Promise<string> {
  const result = await runGit(cwd, args);
  if (result.code !== 0) {
    const detail =
      (result.stderr || result.stdout).trim().split('\n').filter(Boolean).pop() ?? `exit ${result.code}`;
    throw new OrcError('GIT_FAILED', `${what} failed: ${detail}`, { details: { args } });
  }
  return result.stdout.trim();
}

const foldedNote = (folded: readonly FoldedRenewal[]) =>
  folded.length > 0 ? ` (${folded.length} lease renewal(s) were written into their tasks meanwhile)` : '';

async function repoTop(ws: Workspace): Promise<string> {
  const result = await runGit(ws.root, ['rev-parse', '--show-toplevel']);
  if (result.code !== 0) throw new OrcError('INVALID_INPUT', `${ws.root} is not inside a git repository`);
  return result.stdout.trim();
}

export interface GitSetupResult {
  repo: string;
  driver: string;
  changed: string[];
}

/**
 * The driver's command, run by git through the shell from the top of the work tree: orc from the PATH,
 * else the project's own dependency, so that moving or upgrading orc never breaks it. When neither is
 * there it fails, which leaves git's conflict in place for the user, with a line saying what to do.
 */
export const MERGE_DRIVER_COMMAND = [
  'if command -v orc >/dev/null 2>&1; then orc merge-driver %O %A %B %P;',
  'elif [ -x node_modules/.bin/orc ]; then node_modules/.bin/orc merge-driver %O %A %B %P;',
  'else echo "orc merge driver: orc is neither on the PATH nor in node_modules/.bin: install it',
  '(npm install -g orc-agents) and merge again; git left this file in conflict" >&2; exit 1; fi',
].join(' ');

/**
 * Defines the `orc` merge driver in the repo's own git config (git never clones it), marks orc's files
 * in `.gitattributes`, and gives the event log orc's driver in this clone (`.git/info/attributes`).
 * `invocation` is kept for the caller's messages only: the driver finds orc where it is when git runs it.
 */
export async function setupGit(ws: Workspace, _invocation?: string): Promise<GitSetupResult> {
  const repo = await repoTop(ws);
  const driver = MERGE_DRIVER_COMMAND;
  await git(
    repo,
    ['config', 'merge.orc.name', 'orc: field-by-field merge of orc state and events'],
    'git config',
  );
  await git(repo, ['config', 'merge.orc.driver', driver], 'git config');
  const changed = ensureLines(ws, ws.gitattributesFile, GITATTRIBUTES_LINES) ? ['.gitattributes'] : [];
  if (writeLocalMergeAttributes(ws)) changed.push('.git/info/attributes');
  return { repo, driver, changed };
}

/**
 * Sets orc's merge driver up in a clone that lacks it (git clones neither `.git/config` nor
 * `.git/info/attributes`), quietly: every command calls it, and only a clone that lacks something
 * spawns git. Outside git, or when git fails, it does nothing: merges then fall back to git's own.
 */
export async function ensureMergeSetup(ws: Workspace): Promise<boolean> {
  const missing = mergeSetupMissing(ws);
  if (!missing || (!missing.driver && !missing.attributes)) return false;
  try {
    await setupGit(ws);
    return true;
  } catch (error) {
    if (error instanceof OrcError) return false;
    throw error;
  }
}

export interface SyncOptions {
  message?: string;
  /** Pushes retried after a rejection (default 5), with exponential backoff. */
  retries?: number;
  invocation: string;
  /** Who to record in the events of the fold. */
  actor?: string;
}

export interface SyncResult {
  /** Lease renewals of this machine written into their tasks before the commit (see foldPresence). */
  folded: FoldedRenewal[];
  committed: string | null;
  pulled: boolean;
  pushed: boolean;
  attempts: number;
}

/**
 * Makes this workspace meet its remote: first folds this machine's lease renewals into their tasks
 * (done even where there is no repository or upstream to sync with, so that a plain `orc sync`
 * before a manual commit carries them too), then commits orc's own paths only (an explicit pathspec; other
 * staged or unstaged changes are left exactly as they are), merges the upstream with orc's driver, and
 * pushes, retrying with backoff when the push is rejected. Never forces. Holds the workspace lock
 * throughout so that no orc write interleaves with git's.
 */
export async function syncWorkspace(ws: Workspace, options: SyncOptions): Promise<SyncResult> {
  const folded = await foldPresence(ws, { actor: options.actor });
  const repo = await repoTop(ws);
  const retries = options.retries ?? 5;
  if (!Number.isInteger(retries) || retries < 0 || retries > 50) {
    throw new OrcError('INVALID_INPUT', 'retries must be a whole number from 0 to 50', {
      details: { field: 'retries' },
    });
  }
  const upstream = await runGit(repo, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
  if (upstream.code !== 0) {
    throw new OrcError(
      'GIT_FAILED',
      `the current branch has no upstream: push it once with \`git push -u <remote> <branch>\`${foldedNote(folded)}`,
      { details: { folded } },
    );
  }
  await setupGit(ws, options.invocation);
  return withWorkspaceLock(ws, async () => {
    const paths = ORC_PATHS.filter((p) => entryKind(ws, p) !== undefined).map(
      (p) => relative(repo, join(ws.root, p)) || '.',
    );
    await git(repo, ['add', '-A', '--', ...paths], 'git add');
    // Only paths git knows can be named to `git commit` (an empty knowledge/ folder is not one).
    const known = (await git(repo, ['ls-files', '--', ...paths], 'git ls-files')).split('\n').filter(Boolean);
    const tracked = paths.filter((p) => known.some((f) => f === p || f.startsWith(`${p}/`) || p === '.'));
    const staged = await runGit(repo, ['diff', '--cached', '--quiet', '--', ...tracked]);
    let committed: string | null = null;
    if (tracked.length > 0 && staged.code === 1) {
      const message = options.message ?? `orc sync from ${hostname()}`;
      await git(repo, ['commit', '--quiet', '-m', message, '--', ...tracked], 'git commit');
      committed = await git(repo, ['rev-parse', 'HEAD'], 'git rev-parse');
    }
    let pulled = false;
    for (let attempt = 1; ; attempt++) {
      const before = await git(repo, ['rev-parse', 'HEAD'], 'git rev-parse');
      await git(repo, ['pull', '--quiet', '--no-rebase', '--no-edit'], 'git pull');
      pulled ||= (await git(repo, ['rev-parse', 'HEAD'], 'git rev-parse')) !== before;
      const push = await runGit(repo, ['push', '--quiet']);
      if (push.code === 0) return { folded, committed, pulled, pushed: true, attempts: attempt };
      const rejected = /rejected|fetch first|non-fast-forward/i.test(push.stderr);
      if (!rejected || attempt > retries) {
        const detail = push.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${push.code}`;
        throw new OrcError(
          'GIT_FAILED',
          `git push failed${rejected ? ` after ${attempt} attempts` : ''}: ${detail} (your changes are committed locally; run orc sync again)`,
        );
      }
      await sleep(100 * 2 ** (attempt - 1) + Math.random() * 100);
    }
  });
}
