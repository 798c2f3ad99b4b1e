import { execFile, execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { sep } from 'node:path';
import { confine, readText, removeFile, writeText } from './files.js';
import type { Workspace } from './workspace.js';

/*
 * The task files a git operation changed, asked of git instead of stamping every file of the folder:
 * the first command after a pull at 100,000 tasks would otherwise lstat 100,000 files and parse the
 * whole queue journal (0.7 s) to find the ten that changed.
 *
 * The task index records where HEAD's reflog stood when it last caught up with the folder (its newest
 * entry: time and commit, in `.orc/tasks.head`). When the folder has changed since and HEAD has moved,
 * the moves after that entry are diffed one by one (each move's old and new commit), and the task
 * files those diffs name are the ones to read again. Every move's diff, not the first commit's against
 * the last: a file changed by one move and changed back by a later one differs from what the index
 * recorded although the two ends agree.
 *
 * Git cannot vouch for the rest, so the answer is refused (the caller then stamps every file):
 *   - when HEAD did not move, or the recorded entry is no longer in the reflog;
 *   - when a move is a reset (`git reset`, and `git stash`, which resets): it discards local changes
 *     of files that no diff between commits names;
 *   - when the folder changed after the newest file git wrote there (its mtime is later than every such
 *     file's ctime): someone else added, replaced or removed a file after git did.
 * What it cannot see: a file replaced by hand, or restored by `git checkout -- <file>`, before the
 * same pull. Such a file is read again the next time the folder changes with HEAD where it was, or by
 * `orc doctor`.
 */

/** The newest entry of HEAD's reflog: when it was written (seconds) and the commit it moved to. */
export interface ReflogPosition {
  at: string;
  head: string;
}

/** What git says of the tasks folder since the recorded position. */
export interface GitChanges {
  /** HEAD's reflog now, to record once the caches have caught up (undefined: no git, no reflog). */
  position?: ReflogPosition;
  /** Names of the task files git changed (some may be gone); undefined when git cannot say. */
  names?: string[];
}

interface ReflogEntry extends ReflogPosition {
  subject: string;
}

// A pull reads back at most this many moves; more since the last command means a full stamp.
const MOVES_READ = 64;

let gitAsked = 0;

/** How many times this process asked git what changed (tests assert that a pull takes this path). */
export function countGitChangeQueries(): number {
  return gitAsked;
}

/** Options of every git call: the environment as it is now, and never git's index lock, a pager or a prompt. */
const gitOptions = () => ({
  encoding: 'utf8' as const,
  maxBuffer: 64 * 1024 * 1024,
  timeout: 30_000,
  env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat' },
});

/** git's output; undefined when it fails (no git, not a repository, no reflog): the caller stamps every file. */
function runGit(cwd: string, args: string[], input?: string): string | undefined {
  try {
    return execFileSync('git', args, { ...gitOptions(), cwd, input, stdio: ['pipe', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

/** The same, while this process goes on with other work. */
function runGitAsync(cwd: string, args: string[], input: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = execFile('git', args, { ...gitOptions(), cwd }, (error, stdout) =>
      resolve(error ? undefined : stdout),
    );
    child.stdin?.on('error', () => {}); // git gone before reading its input: the callback says so
    child.stdin?.end(input);
  });
}

/** HEAD's reflog, newest first, as far back as MOVES_READ + 1 entries. */
function readReflog(cwd: string): ReflogEntry[] | undefined {
  const text = runGit(cwd, [
    'log',
    '-g',
    '--no-show-signature',
    '--date=unix',
    '--format=%gd%x09%H%x09%gs',
    '-n',
    String(MOVES_READ + 1),
    'HEAD',
    '--',
  ]);
  if (text === undefined) return undefined;
  const entries: ReflogEntry[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [selector = '', head = '', ...subject] = line.split('\t');
    const at = /^HEAD@\{(\d+)\}$/.exec(selector)?.[1];
    if (at === undefined || !/^[0-9a-f]{40,64}$/.test(head)) return undefined;
    entries.push({ at, head, subject: subject.join('\t') });
  }
  return entries;
}

function parsePosition(text: string | undefined): ReflogPosition | undefined {
  const [at = '', head = ''] = (text ?? '').trim().split('\t');
  return /^\d+$/.test(at) && /^[0-9a-f]{40,64}$/.test(head) ? { at, head } : undefined;
}

/** Records where HEAD's reflog stood when the caches caught up with the folder (derived, git-ignored). */
export function saveReflogPosition(ws: Workspace, position: ReflogPosition | undefined): void {
  if (position === undefined) return;
  const saved = parsePosition(readText(ws, ws.taskHeadFile));
  if (saved?.at === position.at && saved.head === position.head) return;
  writeText(ws, ws.taskHeadFile, `${position.at}\t${position.head}\n`);
}

/** What to ask git: the moves since the recorded position as diff-tree pairs, when git can say. */
interface Question {
  folder: string;
  position?: ReflogPosition;
  pairs?: string;
}

function question(ws: Workspace): Question {
  gitAsked++;
  const folder = confine(ws, ws.tasksDir);
  const reflog = readReflog(folder);
  if (!reflog || reflog.length === 0) return { folder };
  const position: ReflogPosition = { at: reflog[0]!.at, head: reflog[0]!.head };
  const recorded = parsePosition(readText(ws, ws.taskHeadFile));
  if (!recorded) return { folder, position };
  const since = reflog.findIndex((e) => e.at === recorded.at && e.head === recorded.head);
  if (since <= 0) return { folder, position }; // HEAD did not move, or moved further than MOVES_READ back
  const moves = reflog.slice(0, since);
  if (moves.some((m) => m.subject.startsWith('reset:'))) return { folder, position };
  // Each move's old commit is the new one of the entry before it.
  return { folder, position, pairs: moves.map((m, i) => `${reflog[i + 1]!.head} ${m.head}\n`).join('') };
}

const DIFF_ARGS = [
  'diff-tree',
  '-r',
  '--name-only',
  '-z',
  '--no-renames',
  '--relative',
  '--stdin',
  '--',
  '.',
];

function answer(q: Question, diff: string | undefined, isTaskFile: (name: string) => boolean): GitChanges {
  if (diff === undefined) return { position: q.position };
  // --stdin prints each pair's first commit before its names; only task files directly in the folder count.
  const names = [...new Set(diff.split('\0').filter((n) => !n.includes('/') && isTaskFile(n)))];
  return lastChangeWasGits(q.folder, names) ? { position: q.position, names } : { position: q.position };
}

/**
 * Drops the recorded position, so that the next refresh stamps every file: for writes to task files
 * that bypass the task index (a commit rolled forward by recovery, doctor's repairs), which no git
 * diff would name should HEAD move before the next command.
 */
export function forgetReflogPosition(ws: Workspace): void {
  removeFile(ws, ws.taskHeadFile);
}

/**
 * The task files (names accepted by `isTaskFile`, directly in the tasks folder) that the moves of HEAD
 * since the recorded position changed, when git can vouch for every change of the folder (see above).
 */
export function gitChanges(ws: Workspace, isTaskFile: (name: string) => boolean): GitChanges {
  const q = question(ws);
  return answer(q, q.pairs && runGit(q.folder, DIFF_ARGS, q.pairs), isTaskFile);
}

/** Where HEAD's reflog stands now, to record with caches built from every file (no diff asked for). */
export function reflogPosition(ws: Workspace): ReflogPosition | undefined {
  return question(ws).position;
}

/**
 * gitChanges, with `meanwhile` run while git diffs, so that the caller's own reading overlaps git's
 * (run only when there is a diff to wait for: what it reads is for the files git names).
 */
export async function gitChangesMeanwhile<T>(
  ws: Workspace,
  isTaskFile: (name: string) => boolean,
  meanwhile: () => T,
): Promise<{ git: GitChanges; value: T | undefined }> {
  const q = question(ws);
  if (!q.pairs) return { git: { position: q.position }, value: undefined };
  const diffing = runGitAsync(q.folder, DIFF_ARGS, q.pairs);
  const value = meanwhile();
  return { git: answer(q, await diffing, isTaskFile), value };
}

/** Whether the folder's last change is no later than the newest of the named files git wrote. */
function lastChangeWasGits(folder: string, names: readonly string[]): boolean {
  const folderMtime = lstatSync(folder, { bigint: true, throwIfNoEntry: false })?.mtimeNs;
  if (folderMtime === undefined) return false;
  let newest = -1n;
  for (const name of names) {
    const stat = lstatSync(folder + sep + name, { bigint: true, throwIfNoEntry: false });
    if (stat?.isFile() && stat.ctimeNs > newest) newest = stat.ctimeNs;
  }
  return newest >= folderMtime;
}
