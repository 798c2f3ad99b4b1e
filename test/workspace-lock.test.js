import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  existsSync,
  lutimesSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addTask, findWorkspace, registerAgent } from '../dist/lib/index.js';
import { mutate } from '../dist/lib/storage/mutation.js';
import { isStopped } from '../dist/lib/storage/lock-owner.js';
import { lockPath, tryWithWorkspaceLock } from '../dist/lib/storage/workspace-lock.js';
import { orcJson, orcPausedAt, readEventsFile, tempWorkspace } from './helpers.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'lock-child.js');

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

/** Ages the lock as if its holder had not refreshed it for a minute (past the 10 s stale time). */
function ageLock(ws) {
  const old = new Date(Date.now() - 60_000);
  for (const name of readdirSync(lockPath(ws)))
    if (name.startsWith('owner-')) lutimesSync(join(lockPath(ws), name), old, old);
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
  assert.deepEqual(readdirSync(lockPath(ws)), ['kept'], 'released: the folder stays, marked, without a link');
});

test('the lock folder stays between holders: taking and giving back is a link made and removed', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  const seen = await tryWithWorkspaceLock(ws, () => readdirSync(lockPath(ws)).sort());
  assert.equal(seen.length, 2);
  assert.equal(seen[0], 'kept');
  assert.match(seen[1], /^owner-/);
  const folder = statSync(lockPath(ws)).ino;
  assert.equal(await tryWithWorkspaceLock(ws, () => 'again'), 'again');
  assert.equal(statSync(lockPath(ws)).ino, folder, 'the same folder');
  assert.deepEqual(readdirSync(lockPath(ws)), ['kept']);
});

test("an older orc's lock folder (no mark) whose holder is dead is taken at once, and kept from then on", async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  mkdirSync(lockPath(ws), { recursive: true });
  // A dead holder: a pid that cannot be running (above the kernel's limit), on this host and boot.
  const { ownerText, selfOwner } = await import('../dist/lib/storage/lock-owner.js');
  symlinkSync(ownerText({ ...selfOwner(), pid: 2 ** 22 + 1 }), join(lockPath(ws), 'owner-dead'));
  assert.equal(await tryWithWorkspaceLock(ws, () => 'taken'), 'taken');
  assert.deepEqual(readdirSync(lockPath(ws)), ['kept']);
});

async function board(t) {
  const { dir, ws } = await twoTasks(t);
  return { dir, ws };
}

/** A lock-child.js process (see there): its outcome, and a promise of its first line on stdout. */
function lockChild(spec, env = {}) {
  const child = spawn(process.execPath, [CHILD, JSON.stringify(spec)], {
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  const firstLine = new Promise((resolve) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) resolve(JSON.parse(stdout.split('\n')[0]));
    });
  });
  // False when the process ends without pausing: the test then fails saying so instead of hanging.
  const paused = new Promise((resolve) => {
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/orc-test-paused /.test(stderr)) resolve(true);
    });
    child.on('close', () => resolve(false));
  });
  const done = new Promise((resolve) => {
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n');
      resolve({ code, stderr, result: JSON.parse(lines.at(-1) || 'null') });
    });
  });
  return { child, firstLine, paused, done };
}

/**
 * Resumes a process that stopped itself at a pause point. Its line on stderr comes just before its
 * SIGSTOP: a SIGCONT sent in between would be lost, so wait until it is stopped.
 */
async function resume(child) {
  while (!isStopped(child.pid)) await new Promise(setImmediate);
  child.kill('SIGCONT');
}

const eventsOf = (dir, prefix) => readEventsFile(dir).filter((e) => e.type.startsWith(prefix));

test('waiters take the lock in the order they came, whatever order they run in', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const names = ['ada', 'w1', 'w2', 'w3', 'w4'];
  for (const name of names) {
    orcJson(dir, ['t', 'add', 'build', `for ${name}`]);
    orcJson(dir, ['a', 'register', name]);
  }
  const ws = findWorkspace({ dir });
  const holder = await pausedAt(dir, ['t', 'next', 'ada'], 'lock:acquired');
  // Each waiter joins the line and stops there before the next one starts: a known order of arrival.
  const waiters = [];
  for (const name of names.slice(1)) waiters.push(await pausedAt(dir, ['t', 'next', name], 'lock:queued'));
  const tickets = readdirSync(`${lockPath(ws)}.queue`).sort();
  assert.deepEqual(
    tickets.map((ticket) => Number(ticket.split('-')[1])),
    waiters.map((w) => w.child.pid),
    'the tickets’ sequence numbers follow the order of arrival',
  );
  // Resumed last-first: the late ones run first, and find the earlier ones back in line ahead of them.
  for (const waiter of [...waiters].reverse()) await resume(waiter.child);
  await resume(holder.child);
  for (const run of [holder, ...waiters]) {
    const outcome = await run.done;
    assert.equal(outcome.code, 0, outcome.stderr);
  }
  assert.deepEqual(
    eventsOf(dir, 'task.claimed').map((e) => e.data.agent),
    names,
    'the lock went to the waiters in the order of their tickets',
  );
  assert.deepEqual(readdirSync(`${lockPath(ws)}.queue`), [], 'every ticket was removed');
});

test('a section longer than the stale time keeps the lock: no one gets in, nothing is lost', async (t) => {
  const dir = tempWorkspace(t);
  const go = join(dir, 'go');
  const staleMs = 200;
  const holder = lockChild({ role: 'hold', dir, go, staleMs });
  assert.deepEqual(await holder.firstLine, { holding: true });
  // Each mutator stops itself when it finds the lock past its stale time with its holder alive and
  // spares it; the holder spins on meanwhile, its lock never refreshed.
  const mutators = ['m1', 'm2', 'm3'].map((name) =>
    lockChild({ role: 'mutate', dir, name, staleMs }, { ORC_TEST_PAUSE_AT: 'lock:spared-stalled-holder' }),
  );
  for (const m of mutators) assert.equal(await m.paused, true, 'a mutator found the lock stale-looking');
  writeFileSync(go, '');
  assert.deepEqual((await holder.done).result, { ok: true }, 'the holder kept its lock and wrote');
  for (const m of mutators) await resume(m.child);
  for (const m of mutators) assert.deepEqual((await m.done).result, { ok: true });
  const events = eventsOf(dir, 'test.');
  assert.equal(events[0].type, 'test.held', 'no mutation got in while the holder held the lock');
  assert.deepEqual(
    events
      .slice(1)
      .map((e) => e.subject)
      .sort(),
    ['m1', 'm2', 'm3'],
    'none lost',
  );
  assert.equal(existsSync(join(dir, 'state/workstreams/held.json')), true);
});

test('a holder judged by age (another host) that is overtaken fails loudly and writes nothing', async (t) => {
  const dir = tempWorkspace(t);
  const go = join(dir, 'go');
  const staleMs = 200;
  const holder = lockChild({ role: 'hold', dir, go, staleMs, host: 'elsewhere' });
  assert.deepEqual(await holder.firstLine, { holding: true });
  // Its liveness cannot be asked from here: once its lock is older than the stale time, it is taken.
  const taker = lockChild({ role: 'mutate', dir, name: 'taker', staleMs });
  assert.deepEqual((await taker.done).result, { ok: true });
  writeFileSync(go, '');
  const { result } = await holder.done;
  assert.equal(result.error, 'BUSY');
  assert.match(result.message, /taken over by another process before writing/);
  assert.equal(
    existsSync(join(dir, 'state/workstreams/held.json')),
    false,
    'the overtaken holder wrote nothing',
  );
  assert.deepEqual(
    eventsOf(dir, 'test.').map((e) => e.type),
    ['test.mutated'],
  );
});

test('8 claimers and 16 heartbeating agents at once: every claim made once, no BUSY', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const claimers = Array.from({ length: 8 }, (_, i) => `c${i}`);
  const beaters = Array.from({ length: 16 }, (_, i) => `h${i}`);
  const ws = findWorkspace({ dir });
  for (const id of [...claimers, ...beaters]) await registerAgent(ws, { id });
  for (let i = 0; i < 16; i++) await addTask(ws, { workstream: 'build', title: `task ${i}` });
  const runs = [
    ...claimers.map((agent) => lockChild({ role: 'claim', dir, agent, count: 2 })),
    ...beaters.map((agent) => lockChild({ role: 'beat', dir, agent, count: 3 })),
  ];
  const outcomes = await Promise.all(runs.map((r) => r.done));
  for (const o of outcomes) assert.equal(o.code, 0, o.stderr);
  assert.deepEqual(
    outcomes.map((o) => o.result.busy),
    new Array(24).fill(0),
    'no process got BUSY',
  );
  const claimed = outcomes.slice(0, 8).flatMap((o) => o.result.done);
  assert.equal(claimed.length, 16);
  assert.equal(new Set(claimed).size, 16, 'no task claimed twice');
  assert.equal(eventsOf(dir, 'task.claimed').length, 16);
  assert.equal(outcomes.slice(8).flatMap((o) => o.result.done).length, 48, 'every heartbeat done');
});
