import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { commitAll, eventIds, git, merge, repoWorkspace } from './git-helpers.js';
import { orc, orcJson, readEventsFile } from './helpers.js';

test('branches that add tasks, finish different tasks, register agents and log events merge cleanly', (t) => {
  const dir = repoWorkspace(t);
  const t1 = orcJson(dir, ['t', 'add', 'build', 'one']);
  const t2 = orcJson(dir, ['t', 'add', 'build', 'two']);
  commitAll(dir, 'two tasks');
  git(dir, 'checkout', '-q', '-b', 'side');
  orcJson(dir, ['t', 'complete', t1.id, 'side did one']);
  orcJson(dir, ['t', 'add', 'build', 'side task']);
  orcJson(dir, ['a', 'register', 'side-agent']);
  orcJson(dir, ['lock', 'acquire', 'side-res', 'a1']);
  commitAll(dir, 'side');
  const sideEvents = eventIds(dir);
  git(dir, 'checkout', '-q', 'main');
  orcJson(dir, ['t', 'complete', t2.id, 'main did two']);
  orcJson(dir, ['t', 'add', 'build', 'main task']);
  orcJson(dir, ['lock', 'acquire', 'main-res', 'b1']);
  commitAll(dir, 'main');
  const mainEvents = eventIds(dir);
  assert.equal(merge(dir, 'side'), 0);
  assert.equal(git(dir, 'status', '--porcelain'), '');
  const tasks = orcJson(dir, ['t', 'list']);
  assert.deepEqual(tasks.map((x) => x.title).sort(), ['main task', 'one', 'side task', 'two']);
  assert.equal(tasks.filter((x) => x.status === 'done').length, 2);
  const ids = eventIds(dir);
  assert.equal(ids.length, new Set(ids).size, 'every event once');
  assert.deepEqual(new Set(ids), new Set([...sideEvents, ...mainEvents]));
  const ts = readEventsFile(dir).map((e) => e.ts);
  assert.deepEqual(ts, [...ts].sort(), 'in timestamp order');
  assert.equal(orcJson(dir, ['lock', 'list']).length, 2);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
});

test('the same task changed on both branches merges by the documented rules', (t) => {
  const dir = repoWorkspace(t);
  const raced = orcJson(dir, ['t', 'add', 'build', 'raced']);
  const edited = orcJson(dir, ['t', 'add', 'build', 'edited']);
  const finished = orcJson(dir, ['t', 'add', 'build', 'finished']);
  commitAll(dir, 'tasks');
  git(dir, 'checkout', '-q', '-b', 'side');
  orcJson(dir, ['t', 'claim', raced.id, 'b1']); // the earlier claim
  orcJson(dir, ['t', 'update', edited.id, '--title', 'side title', '--tags', 'x']);
  orcJson(dir, ['t', 'update', finished.id, '--priority', '1']);
  commitAll(dir, 'side');
  git(dir, 'checkout', '-q', 'main');
  orcJson(dir, ['t', 'claim', raced.id, 'a1']);
  orcJson(dir, ['t', 'update', edited.id, '--title', 'main title (later)', '--tags', 'y']);
  orcJson(dir, ['t', 'complete', finished.id, 'done on main']);
  commitAll(dir, 'main');
  assert.equal(merge(dir, 'side'), 0);
  const r = orcJson(dir, ['t', 'show', raced.id]);
  assert.equal(r.claim.agent, 'b1', 'of two claims the earlier wins');
  assert.deepEqual(
    r.lost.map((l) => [l.agent, l.lostTo]),
    [['a1', 'b1']],
  );
  const e = orcJson(dir, ['t', 'show', edited.id]);
  assert.equal(e.title, 'main title (later)', 'the later text edit wins');
  assert.deepEqual(
    e.tags.sort(),
    ['x', 'y'].sort().filter((tag) => e.tags.includes(tag)),
  );
  const f = orcJson(dir, ['t', 'show', finished.id]);
  assert.deepEqual(
    [f.status, f.priority],
    ['done', 1],
    'a finished status wins; the other side’s priority edit stays',
  );
  // The loser learns on its next command, with exit code 8, once.
  const beat = orc(['--dir', dir, 'a', 'heartbeat', 'a1']);
  assert.equal(beat.code, 8);
  assert.match(beat.stderr, /a1 lost its claim on t-\w+ \(now b1\)/);
  assert.equal(orc(['--dir', dir, 'a', 'heartbeat', 'a1']).code, 0);
  assert.equal(orc(['--dir', dir, 't', 'complete', raced.id, 'x', '--agent', 'a1']).code, 8);
});

/** Makes the clone one where orc never ran: no driver in its config, no local attributes. */
function withoutDriver(dir) {
  git(dir, 'config', '--remove-section', 'merge.orc');
  rmSync(join(dir, '.git', 'info', 'attributes'), { force: true });
}

test('without the driver, the log merges by union; a task changed on both sides is named by every command and doctor --fix repairs it', (t) => {
  const dir = repoWorkspace(t);
  const task = orcJson(dir, ['t', 'add', 'build', 'shared']);
  commitAll(dir, 'task');
  git(dir, 'checkout', '-q', '-b', 'side');
  orcJson(dir, ['t', 'update', task.id, '--description', 'side text']);
  orcJson(dir, ['t', 'add', 'build', 'side only']);
  commitAll(dir, 'side');
  const sideEvents = eventIds(dir);
  git(dir, 'checkout', '-q', 'main');
  orcJson(dir, ['t', 'update', task.id, '--priority', '0']);
  orcJson(dir, ['t', 'add', 'build', 'main only']);
  commitAll(dir, 'main');
  const mainEvents = eventIds(dir);
  withoutDriver(dir); // a fresh clone (every orc command above would have set it up again)
  assert.equal(merge(dir, 'side'), 1, 'plain git leaves a conflict in the task both sides changed');
  assert.doesNotMatch(readFileSync(join(dir, 'events.jsonl'), 'utf8'), /^<{7}/m, 'the log merged by union');
  assert.match(readFileSync(join(dir, 'state/tasks', `${task.id}.json`), 'utf8'), /^<{7}/m);
  // What reads the conflicted task stops (a task added meanwhile touches no other file, so it may).
  for (const args of [['t', 'list'], ['status'], ['t', 'show', task.id]]) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, 6, args.join(' '));
    assert.match(run.stderr, /conflict markers.*orc doctor --fix/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
  const check = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(check.code, 9);
  const codes = JSON.parse(check.stdout).problems.map((p) => `${p.code} ${p.file}`);
  assert.ok(codes.includes(`CONFLICT_MARKERS state/tasks/${task.id}.json`), codes.join());
  const fixed = orc(['--dir', dir, '--json', 'doctor', '--fix']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  const merged = orcJson(dir, ['t', 'show', task.id]);
  assert.deepEqual([merged.description, merged.priority], ['side text', 0], 'both sides kept');
  assert.deepEqual(
    orcJson(dir, ['t', 'list'])
      .map((x) => x.title)
      .sort(),
    ['main only', 'shared', 'side only'],
  );
  const ids = eventIds(dir);
  for (const id of [...sideEvents, ...mainEvents]) assert.ok(ids.includes(id), `event ${id} kept`);
  assert.equal(ids.length, new Set(ids).size);
  assert.equal(orc(['--dir', dir, 'doctor']).code, 0);
  commitAll(dir, 'resolved');
});

test('doctor finds dangling deps, cycles, expired claims and locks, orphans; --fix quarantines, never deletes', async (t) => {
  const dir = repoWorkspace(t);
  const a = orcJson(dir, ['t', 'add', 'build', 'a']);
  const b = orcJson(dir, ['t', 'add', 'build', 'b', '--dep', a.id]);
  orcJson(dir, ['t', 'claim', a.id, 'a1', '--ttl', '1s']);
  orcJson(dir, ['lock', 'acquire', 'res', 'a1', '--ttl', '1s']);
  const { readdirSync, writeFileSync } = await import('node:fs');
  // The lease and the lock ran out a minute ago: dated in the past rather than waited for.
  const past = new Date(Date.now() - 60_000).toISOString();
  const taskA = JSON.parse(readFileSync(join(dir, 'state/tasks', `${a.id}.json`), 'utf8'));
  writeFileSync(
    join(dir, 'state/tasks', `${a.id}.json`),
    JSON.stringify(
      { ...taskA, deps: [b.id, 't-000000000000'], claim: { ...taskA.claim, expiresAt: past } },
      null,
      2,
    ),
  );
  const [lockName] = readdirSync(join(dir, 'state/locks'));
  const lockPath = join(dir, 'state/locks', lockName);
  writeFileSync(
    lockPath,
    JSON.stringify({ ...JSON.parse(readFileSync(lockPath, 'utf8')), expiresAt: past }, null, 2),
  );
  writeFileSync(join(dir, 'state/tasks/t-broken000000.json'), '{ not json');
  writeFileSync(join(dir, 'state/tasks/.t-x.json.tmp-1-abc'), '{"half');
  const run = orc(['--dir', dir, '--json', 'doctor']);
  assert.equal(run.code, 9);
  const codes = JSON.parse(run.stdout)
    .problems.map((p) => p.code)
    .sort();
  for (const code of [
    'DANGLING_DEP',
    'DEPENDENCY_CYCLE',
    'EXPIRED_CLAIM',
    'EXPIRED_LOCK',
    'ORPHAN_FILE',
    'UNREADABLE',
  ]) {
    assert.ok(codes.includes(code), `${code} in ${codes}`);
  }
  const fix = JSON.parse(orc(['--dir', dir, '--json', 'doctor', '--fix']).stdout);
  assert.equal(fix.quarantine.length, 2);
  assert.equal(
    readFileSync(
      join(
        dir,
        fix.quarantine.find((p) => p.includes('broken')),
      ),
      'utf8',
    ),
    '{ not json',
  );
  const left = fix.problems
    .filter((p) => !p.fixed)
    .map((p) => p.code)
    .sort();
  assert.deepEqual(left, ['DANGLING_DEP', 'DEPENDENCY_CYCLE'], 'what needs a person stays reported');
  assert.equal(orcJson(dir, ['t', 'show', a.id]).status, 'open');
  assert.ok(readEventsFile(dir).some((e) => e.type === 'doctor.fixed'));
});

test('all worktrees of a repo share one board', (t) => {
  const dir = repoWorkspace(t);
  const task = orcJson(dir, ['t', 'add', 'build', 'shared across worktrees']);
  commitAll(dir, 'task');
  const wt = `${dir}-wt`;
  git(dir, 'worktree', 'add', '-q', '-b', 'feature', wt);
  // An agent in the linked worktree claims; the main worktree sees it at once, and vice versa.
  const claimed = orc(['--json', 't', 'next', 'b1'], { cwd: join(wt, 'state') });
  assert.equal(claimed.code, 0, claimed.stderr);
  assert.equal(claimed.json().id, task.id);
  assert.equal(orcJson(dir, ['t', 'show', task.id]).claim.agent, 'b1');
  assert.equal(
    orc(['--json', 't', 'next', 'a1'], { cwd: wt }).json(),
    null,
    'no second claim from another worktree',
  );
  assert.equal(orc(['--json', 'status'], { cwd: wt }).json().root, dir);
  assert.equal(git(wt, 'status', '--porcelain'), '', "the linked worktree's own copy is untouched");
  assert.equal(orc(['--json', 'status'], { cwd: wt, env: { ORC_WORKTREE_BOARD: 'own' } }).json().root, wt);
});
