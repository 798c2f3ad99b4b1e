import assert from 'node:assert/strict';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { git, repoWorkspace } from '../git-helpers.js';
import { orc, orcJson, tempDir } from '../helpers.js';

/** A bare remote and two clones of one workspace, A (which created it) and B (a fresh clone). */
function twoMachines(t) {
  const root = tempDir(t);
  const remote = join(root, 'remote.git');
  git(root, 'init', '-q', '--bare', '-b', 'main', remote);
  const a = repoWorkspace(t, join(root, 'a'));
  git(a, 'remote', 'add', 'origin', remote);
  git(a, 'push', '-q', '-u', 'origin', 'main');
  const b = join(root, 'b');
  git(root, 'clone', '-q', remote, b);
  for (const dir of [a, b]) {
    git(dir, 'config', 'user.name', 'orc test');
    git(dir, 'config', 'user.email', 'orc@test');
  }
  return { root, remote, a, b };
}

test('two machines racing for one task: after both sync exactly one holds it, the other learns at once', (t) => {
  const { a, b } = twoMachines(t);
  assert.equal(orc(['--dir', b, 'git', 'setup']).code, 0);
  const task = orcJson(a, ['t', 'add', 'build', 'the contested task']);
  assert.equal(orc(['--dir', a, 'sync']).code, 0);
  assert.equal(orc(['--dir', b, 'sync']).code, 0);
  assert.equal(orcJson(b, ['t', 'list']).length, 1, 'B got the task');
  assert.equal(orcJson(a, ['t', 'next', 'a1']).id, task.id);
  assert.equal(orcJson(b, ['t', 'next', 'b1']).id, task.id, 'offline, both machines claim it');
  assert.equal(orc(['--dir', a, 'sync']).code, 0);
  const sync = orc(['--dir', b, '--json', 'sync']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(sync.json().pulled, true);
  assert.equal(orc(['--dir', a, 'sync']).code, 0);
  for (const dir of [a, b])
    assert.equal(orcJson(dir, ['t', 'show', task.id]).claim.agent, 'a1', 'the earlier claim holds');
  const lost = orc(['--dir', b, 'a', 'heartbeat', 'b1']);
  assert.equal(lost.code, 8);
  assert.match(lost.stderr, /b1 lost its claim on .* \(now a1\)/);
  assert.equal(orc(['--dir', b, 't', 'complete', task.id, 'mine', '--agent', 'b1']).code, 8);
  assert.equal(orc(['--dir', a, 't', 'complete', task.id, 'done', '--agent', 'a1']).code, 0);
});

test("sync commits orc's own paths only and leaves the user's other changes exactly as they were", (t) => {
  const { a } = twoMachines(t);
  writeFileSync(join(a, 'app.js'), 'v1\n');
  writeFileSync(join(a, 'staged.js'), 'staged\n');
  git(a, 'add', 'app.js', 'staged.js');
  git(a, 'commit', '-q', '-m', 'app');
  writeFileSync(join(a, 'app.js'), 'v2 (unstaged edit)\n');
  writeFileSync(join(a, 'staged.js'), 'staged edit\n');
  git(a, 'add', 'staged.js');
  writeFileSync(join(a, 'notes.txt'), 'untracked\n');
  const statusBefore = git(a, 'status', '--porcelain');
  orcJson(a, ['t', 'add', 'build', 'a task']);
  const result = orc(['--dir', a, '--json', 'sync', '-m', 'orc: board']);
  assert.equal(result.code, 0, result.stderr);
  const files = git(a, 'show', '--name-only', '--format=', result.json().committed).split('\n');
  assert.ok(files.length > 0 && files.every((f) => /^(state\/|events\.jsonl)/.test(f)), files.join());
  assert.equal(git(a, 'status', '--porcelain'), statusBefore);
  assert.equal(readFileSync(join(a, 'app.js'), 'utf8'), 'v2 (unstaged edit)\n');
  assert.equal(git(a, 'log', '-1', '--format=%s'), 'orc: board');
  assert.equal(orc(['--dir', a, 't', 'list']).code, 0);
  assert.equal(git(a, 'log', '-1', '--format=%s'), 'orc: board', 'read-only commands never commit');
});

test('a rejected push is retried with backoff; a vanished remote fails clearly and keeps the local commit', (t) => {
  const { remote, a, b } = twoMachines(t);
  // The remote rejects the first two pushes, as when others keep pushing first.
  const hook = join(remote, 'hooks', 'pre-receive');
  writeFileSync(
    hook,
    `#!/bin/sh\nn=$(cat "${remote}/tries" 2>/dev/null || echo 0)\necho $((n+1)) > "${remote}/tries"\n[ "$n" -ge 2 ]\n`,
  );
  chmodSync(hook, 0o755);
  orcJson(a, ['t', 'add', 'build', 'pushed at last']);
  const sync = orc(['--dir', a, '--json', 'sync']);
  assert.equal(sync.code, 0, sync.stderr);
  assert.equal(sync.json().attempts, 3);
  const pulled = orc(['--dir', b, 'sync']);
  assert.equal(pulled.code, 0, pulled.stderr);
  assert.equal(orcJson(b, ['t', 'list'])[0].title, 'pushed at last');
  renameSync(remote, `${remote}.gone`);
  orcJson(a, ['t', 'add', 'build', 'offline work']);
  const gone = orc(['--dir', a, 'sync']);
  assert.equal(gone.code, 10);
  assert.match(gone.stderr, /git pull failed/);
  assert.equal(gone.stderr.trim().split('\n').length, 1);
  assert.match(git(a, 'log', '-1', '--format=%s'), /orc sync/, 'the local commit stays');
  renameSync(`${remote}.gone`, remote);
  assert.equal(orc(['--dir', a, 'sync']).code, 0);
  assert.ok(existsSync(join(remote, 'HEAD')));
});

test('sync without an upstream says how to set one', (t) => {
  const dir = repoWorkspace(t);
  const run = orc(['--dir', dir, 'sync']);
  assert.equal(run.code, 10);
  assert.match(run.stderr, /no upstream/);
});
