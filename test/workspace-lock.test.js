import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findWorkspace } from '../dist/lib/index.js';
import { mutate } from '../dist/lib/storage/mutation.js';
import { lockPath } from '../dist/lib/storage/workspace-lock.js';
import { tempWorkspace } from './helpers.js';

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
