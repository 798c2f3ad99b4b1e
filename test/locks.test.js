import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acquireLock, findWorkspace, listLocks, releaseLock } from '../dist/lib/index.js';
import { readEventsFile, rejects, tempWorkspace } from './helpers.js';

test('a lock has one owner; it is re-entrant for that owner and counted', async (t) => {
  const ws = findWorkspace({ dir: tempWorkspace(t) });
  const lock = await acquireLock(ws, 'src/app.ts', 'a1');
  assert.deepEqual([lock.owner, lock.count], ['a1', 1]);
  await rejects(acquireLock(ws, 'src/app.ts', 'a2'), 'CONFLICT', /held by a1/);
  assert.equal((await acquireLock(ws, 'src/app.ts', 'a1')).count, 2);
  await rejects(releaseLock(ws, 'src/app.ts', 'a2'), 'CONFLICT', /only its owner/);
  assert.equal((await releaseLock(ws, 'src/app.ts', 'a1')).count, 1);
  assert.equal(await releaseLock(ws, 'src/app.ts', 'a1'), null);
  assert.deepEqual(await listLocks(ws), []);
  await rejects(releaseLock(ws, 'src/app.ts', 'a1'), 'NOT_FOUND', /not held/);
});

test('an expired lock is free: the next owner takes it and the expiry is logged', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  const t0 = Date.now();
  const at = (ms) => new Date(t0 + ms);
  await acquireLock(ws, 'git', 'a1', { ttlMs: 200, now: at(0) });
  assert.equal((await listLocks(ws, { now: at(199) })).length, 1, 'held until its last millisecond');
  await rejects(acquireLock(ws, 'git', 'a2', { now: at(199) }), 'CONFLICT', /held by a1/);
  assert.deepEqual(await listLocks(ws, { now: at(200) }), [], 'expired locks are not listed as held');
  assert.equal((await listLocks(ws, { all: true, now: at(200) })).length, 1);
  assert.equal((await acquireLock(ws, 'git', 'a2', { now: at(200) })).owner, 'a2');
  const events = readEventsFile(dir);
  assert.deepEqual(
    events.slice(-2).map((e) => [e.type, e.ts]),
    [
      ['lock.expired', at(200).toISOString()],
      ['lock.acquired', at(200).toISOString()],
    ],
  );
});

test('waiting for a lock succeeds when it is released, and fails with the holder named when not', async (t) => {
  const ws = findWorkspace({ dir: tempWorkspace(t) });
  await acquireLock(ws, 'db', 'a1');
  setTimeout(() => releaseLock(ws, 'db', 'a1'), 300);
  const started = Date.now();
  const lock = await acquireLock(ws, 'db', 'a2', { waitMs: 5000 });
  assert.equal(lock.owner, 'a2');
  assert.ok(Date.now() - started >= 250);
  await rejects(acquireLock(ws, 'db', 'a3', { waitMs: 300 }), 'CONFLICT', /held by a2 .*waited/);
});

test('force release is allowed and recorded with who did it', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await acquireLock(ws, 'deploy', 'a1');
  assert.equal(await releaseLock(ws, 'deploy', 'admin', { force: true }), null);
  const event = readEventsFile(dir).at(-1);
  assert.deepEqual([event.type, event.data.owner, event.data.by], ['lock.force_released', 'a1', 'admin']);
});

test('resource names of any shape stay inside state/locks', async (t) => {
  const ws = findWorkspace({ dir: tempWorkspace(t) });
  const lock = await acquireLock(ws, '../../etc/passwd', 'a1');
  assert.equal(lock.resource, '../../etc/passwd');
  const { readdirSync } = await import('node:fs');
  assert.equal(readdirSync(ws.locksDir).length, 1);
  await rejects(acquireLock(ws, 'bad\nname', 'a1'), 'INVALID_INPUT', /printable/);
  await rejects(acquireLock(ws, 'x', '../a1'), 'INVALID_INPUT', /not a valid name/);
});
