// Scripted git scenarios in temp repos.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PATH_WITH_ORC, orc, orcJson, tempDir } from './helpers.js';

export function git(cwd, ...args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PATH: PATH_WITH_ORC,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

/** A git repo that is an orc workspace, with the merge driver, a workstream and two agents, committed. */
export function repoWorkspace(t, dir = join(tempDir(t), 'repo')) {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const run = orc(['init', dir]);
  if (run.code !== 0) throw new Error(run.stderr);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'a1']);
  orcJson(dir, ['a', 'register', 'b1']);
  commitAll(dir, 'base');
  return dir;
}

export function commitAll(dir, message) {
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', message);
}

/** Merges `branch` into the current branch; returns git's exit status (0 clean, 1 conflict). */
export function merge(dir, branch) {
  try {
    git(dir, 'merge', '--no-edit', '-q', branch);
    return 0;
  } catch (error) {
    return error.status;
  }
}

export function eventIds(dir) {
  return orcJson(dir, ['events']).map((e) => e.id);
}

/** A seeded generator (a linear congruential one), so that a failing fuzz round can be replayed. */
export function seededRandom(seed) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}
