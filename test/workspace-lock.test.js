import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findWorkspace } from '../dist/lib/index.js';
import { mutate } from '../dist/lib/storage/mutation.js';
import { lockPath, tryWithWorkspaceLock } from '../dist/lib/storage/workspace-lock.js';
import { orcJson, orcPausedAt, readEventsFile, tempWorkspace } from './helpers.js';

test('a mutation whose lock was taken over (judged stale) writes nothing and says so', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  const target = join(dir, 'state/workstreams/x.json');
  await assert.rejects(
    mutate(ws, 'tester', (m) => {
      // This holder stalls (descheduled on a busy machine), and another process, judging the lock
      // stale, removes and re-creates it.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30);
      rmSync(lockPath(ws), { recursive: true });
      mkdirSync(lockPath(ws));
      m.writeJson(target, { v: 1 });
      m.emit('test.event', 'x');
    }),
    (error) => error.code === 'BUSY' && /taken over/.test(error.message),
  );
  assert.equal(existsSync(target), false);
  rmSync(lockPath(ws), { recursive: true, force: true });
  await mutate(ws, 'tester', (m) => m.writeJson(target, { v: 1 }));
  assert.equal(existsSync(target), true, 'an undisturbed mutation writes');
});

/** `orc --dir <dir> --json …` stopping itself inside the lock at `point` (see orcPausedAt). */
async function pausedAt(dir, args, point) {
  const run = orcPausedAt(['--dir', dir, '--json', ...args], point);
  assert.equal(await run.paused, true, `orc ${args.join(' ')} stops at ${point}`);
  return run;
}

/** Ages the lock folder as if its holder had not refreshed it for a minute (past the 10 s stale time). */
function ageLock(ws) {
  const old = new Date(Date.now() - 60_000);
  utimesSync(lockPath(ws), old, old);
}

async function twoTasks(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const tasks = [orcJson(dir, ['t', 'add', 'build', 'one']), orcJson(dir, ['t', 'add', 'build', 'two'])];
  orcJson(dir, ['a', 'register', 'ada']);
  orcJson(dir, ['a', 'register', 'bob']);
  return { dir, ws: findWorkspace({ dir }), tasks };
}

test('a holder stalled past the stale time keeps the lock: never two processes told they hold one claim', async (t) => {
  const { dir, ws, tasks } = await twoTasks(t);
  // ada's `t next` stops inside its commit, after the commit point (SIGSTOP: a GC pause, a paused VM).
  const ada = await pausedAt(dir, ['t', 'next', 'ada'], 'commit:journaled');
  ageLock(ws);
  // The lock looks a minute old, but its holder is alive: not stale, in process either.
  assert.equal(await tryWithWorkspaceLock(ws, () => 'taken'), undefined);
  // bob's `t next` finds it past its stale time and spares it (it stops there, to prove it got there).
  const bob = await pausedAt(dir, ['t', 'next', 'bob'], 'lock:spared-stalled-holder');
  ada.child.kill('SIGCONT');
  const adaDone = await ada.done;
  bob.child.kill('SIGCONT');
  const bobDone = await bob.done;
  assert.equal(adaDone.code, 0, adaDone.stderr);
  assert.equal(bobDone.code, 0, bobDone.stderr);
  const [adaTask, bobTask] = [JSON.parse(adaDone.stdout), JSON.parse(bobDone.stdout)];
  assert.notEqual(adaTask.id, bobTask.id, 'each got a task of its own');
  assert.deepEqual([adaTask.id, bobTask.id].sort(), tasks.map((x) => x.id).sort());
  const claims = readEventsFile(dir).filter((e) => e.type === 'task.claimed');
  assert.deepEqual(
    claims.map((e) => [e.subject, e.data.agent]),
    [
      [adaTask.id, 'ada'],
      [bobTask.id, 'bob'],
    ],
  );
  for (const task of [adaTask, bobTask]) {
    const onDisk = JSON.parse(readFileSync(join(dir, 'state/tasks', `${task.id}.json`), 'utf8'));
    assert.equal(onDisk.claim.token, task.claim.token, 'the token printed is the one on disk');
  }
});

test('a holder killed inside its commit: its lock is taken at once and its commit completed', async (t) => {
  const { dir, ws } = await board(t);
  const ada = await pausedAt(dir, ['t', 'next', 'ada'], 'commit:wrote-1');
  ada.child.kill('SIGKILL');
  await ada.done;
  // No waiting for the stale time: its owner is dead, so even a try without retries takes the lock.
  assert.equal(await tryWithWorkspaceLock(ws, () => 'taken'), 'taken');
  const events = readEventsFile(dir);
  assert.deepEqual(
    events.slice(-2).map((e) => e.type),
    ['task.claimed', 'storage.recovered'],
  );
  const claimed = events.at(-2);
  const onDisk = JSON.parse(readFileSync(join(dir, 'state/tasks', `${claimed.subject}.json`), 'utf8'));
  assert.equal(onDisk.status, 'claimed');
  assert.equal(onDisk.claim.agent, 'ada');
});

test('a lock folder without an owner (an older orc) is judged by its age, as before', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  mkdirSync(lockPath(ws), { recursive: true });
  assert.equal(await tryWithWorkspaceLock(ws, () => 'taken'), undefined, 'fresh: held');
  ageLock(ws);
  assert.equal(await tryWithWorkspaceLock(ws, () => 'taken'), 'taken', 'past the stale time: taken over');
  assert.equal(existsSync(lockPath(ws)), false, 'released');
});

async function board(t) {
  const { dir, ws } = await twoTasks(t);
  return { dir, ws };
}
