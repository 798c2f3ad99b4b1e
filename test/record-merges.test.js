// Hostile merges through real git: a branch that carries invalid records. The merge driver must keep
// git's conflict rather than write a record that loses data, and doctor must see the unresolved merge.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitAll, git, repoWorkspace } from './git-helpers.js';
import { PATH_WITH_ORC, orc, orcJson } from './helpers.js';

/** `git merge`, with what git printed: the driver's stderr is among it. */
function mergeBranch(dir, branch) {
  try {
    execFileSync('git', ['merge', '--no-edit', '-q', branch], {
      cwd: dir,
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, PATH: PATH_WITH_ORC }, // the driver runs orc from the PATH
    });
    return { status: 0, stderr: '' };
  } catch (error) {
    return { status: error.status, stderr: `${error.stderr}${error.stdout}` };
  }
}

/** main holds a live claim on a task; `side` replaces that task's file with `hostile(task)`. */
function claimAgainstHostileBranch(t, hostile) {
  const dir = repoWorkspace(t);
  const task = orcJson(dir, ['t', 'add', 'build', 'contested']);
  const other = orcJson(dir, ['t', 'add', 'build', 'other']);
  commitAll(dir, 'tasks');
  git(dir, 'checkout', '-q', '-b', 'side');
  const file = join(dir, 'state/tasks', `${task.id}.json`);
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, hostile(stored, other));
  commitAll(dir, 'hostile');
  git(dir, 'checkout', '-q', 'main');
  const claimed = orcJson(dir, ['t', 'claim', task.id, 'a1', '--ttl', '1h']);
  commitAll(dir, 'claim');
  return { dir, task, file, ours: readFileSync(file, 'utf8'), token: claimed.claim.token };
}

const HOSTILE = {
  'a list': () => '[]\n',
  'wrong types': (t) =>
    `${JSON.stringify({ ...t, status: 'done', claim: 'none', priority: 'high' }, null, 2)}\n`,
  'an id that is not its file name': (t, other) =>
    `${JSON.stringify({ ...t, id: other.id, status: 'done', updatedAt: new Date().toISOString() }, null, 2)}\n`,
};

for (const [name, hostile] of Object.entries(HOSTILE)) {
  test(`a branch whose task file holds ${name}: git keeps the conflict, the live claim stays`, (t) => {
    const { dir, task, file, ours, token } = claimAgainstHostileBranch(t, hostile);
    const merged = mergeBranch(dir, 'side');
    assert.equal(merged.status, 1, 'git reports a conflict');
    const driverLines = merged.stderr.split('\n').filter((line) => line.startsWith('orc: '));
    assert.equal(driverLines.length, 1, merged.stderr);
    assert.match(driverLines[0], new RegExp(`state/tasks/${task.id}\\.json \\(theirs\\) is not (a )?valid`));
    assert.doesNotMatch(merged.stderr, /internal error|\n\s+at /);
    assert.equal(readFileSync(file, 'utf8'), ours, 'the work tree keeps our version, untouched');
    assert.match(git(dir, 'ls-files', '-u', '--', `state/tasks/${task.id}.json`), / 3\t/);
    const shown = orcJson(dir, ['t', 'show', task.id]);
    assert.deepEqual([shown.status, shown.claim.agent, shown.claim.token], ['claimed', 'a1', token]);
    const check = orc(['--dir', dir, '--json', 'doctor', '--fix']);
    assert.equal(check.code, 9, 'an invalid side is for a person to resolve');
    const [problem] = check.json().problems.filter((p) => p.code === 'UNMERGED');
    assert.equal(problem.file, `state/tasks/${task.id}.json`);
    assert.equal(problem.fixed, false);
    assert.match(problem.action, /resolve it by hand, then `git add state\/tasks\//);
    assert.equal(readFileSync(file, 'utf8'), ours, 'doctor --fix writes no invalid record either');
  });
}

test('an unresolved merge without conflict markers: doctor reports it; --fix merges the index’s versions and stages nothing', (t) => {
  const dir = repoWorkspace(t);
  const task = orcJson(dir, ['t', 'add', 'build', 'shared']);
  commitAll(dir, 'task');
  git(dir, 'checkout', '-q', '-b', 'side');
  orcJson(dir, ['t', 'update', task.id, '--description', 'side text']);
  commitAll(dir, 'side');
  git(dir, 'checkout', '-q', 'main');
  orcJson(dir, ['t', 'update', task.id, '--priority', '0']);
  commitAll(dir, 'main');
  // A driver that fails (a broken install, a killed process) leaves our version, without markers.
  git(dir, 'config', 'merge.orc.driver', 'false');
  assert.equal(mergeBranch(dir, 'side').status, 1);
  const path = `state/tasks/${task.id}.json`;
  assert.doesNotMatch(readFileSync(join(dir, path), 'utf8'), /^<{7}/m);
  assert.equal(orcJson(dir, ['t', 'show', task.id]).description, '', 'commands see our side only');
  const check = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(check.code, 9);
  const onlyOurs = (file) =>
    `${file} is an unresolved merge in git's index: the file holds our version only, without conflict markers`;
  assert.deepEqual(
    check
      .json()
      .problems.filter((p) => p.code === 'UNMERGED')
      .map((p) => [p.file, p.message]),
    [
      ['events.jsonl', onlyOurs('events.jsonl')],
      [path, onlyOurs(path)],
    ],
  );
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout);
  const repair = fixed.json().problems.find((p) => p.file === path);
  assert.match(
    repair.action,
    /merged git's three versions .*`git add state\/tasks\/.*` marks it resolved \(doctor stages nothing\)/,
  );
  const shown = orcJson(dir, ['t', 'show', task.id]);
  assert.deepEqual([shown.description, shown.priority], ['side text', 0], 'both sides kept');
  const updates = orcJson(dir, ['events', '--type', 'task.updated']).map((e) => e.data);
  assert.equal(updates.length, 2, 'the events of both sides');
  assert.match(git(dir, 'status', '--porcelain', '--', path), /^UU /, 'still for the user to stage');
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0, 'resolved in the work tree: nothing left to report');
  commitAll(dir, 'resolved');
});
