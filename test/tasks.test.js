import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  cancelTask,
  createWorkstream,
  findWorkspace,
  getTask,
  listTasks,
  reopenTask,
  updateTask,
} from '../dist/lib/index.js';
import { readEventsFile, rejects, tempWorkspace } from './helpers.js';

async function board(t) {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build', priority: 1 });
  return { dir, ws };
}

test('addTask writes one pretty, key-ordered file per task and a task.added event', async (t) => {
  const { dir, ws } = await board(t);
  const task = await addTask(
    ws,
    { workstream: 'build', title: 'Ship v1', priority: 1, tags: ['ts'] },
    { actor: 'ann' },
  );
  assert.match(task.id, /^t-[0-9a-z]{12}$/);
  const text = readFileSync(join(dir, 'state/tasks', `${task.id}.json`), 'utf8');
  assert.ok(text.endsWith('}\n'));
  assert.deepEqual(Object.keys(JSON.parse(text)).slice(0, 4), ['v', 'id', 'workstream', 'title']);
  assert.equal(text, `${JSON.stringify(task, null, 2)}\n`);
  const event = readEventsFile(dir).at(-1);
  assert.deepEqual(
    { type: event.type, subject: event.subject, actor: event.actor },
    { type: 'task.added', subject: task.id, actor: 'ann' },
  );
  assert.match(event.id, /^e-/);
  assert.ok(!Number.isNaN(Date.parse(event.ts)));
});

test('ids are random, never sequential', async (t) => {
  const { ws } = await board(t);
  const ids = new Set();
  for (let i = 0; i < 20; i++) ids.add((await addTask(ws, { workstream: 'build', title: `t${i}` })).id);
  assert.equal(ids.size, 20);
});

test('listTasks sorts by priority then age and filters', async (t) => {
  const { ws } = await board(t);
  const low = await addTask(ws, { workstream: 'build', title: 'low', priority: 5 });
  const urgent = await addTask(ws, { workstream: 'build', title: 'urgent', priority: 0, tags: ['ops'] });
  const dep = await addTask(ws, { workstream: 'build', title: 'after', priority: 0, deps: [low.id] });
  assert.deepEqual(
    (await listTasks(ws)).map((x) => x.title),
    ['urgent', 'after', 'low'],
  );
  assert.deepEqual(
    (await listTasks(ws, { ready: true })).map((x) => x.id),
    [urgent.id, low.id],
  );
  assert.deepEqual(
    (await listTasks(ws, { tag: 'ops' })).map((x) => x.id),
    [urgent.id],
  );
  assert.equal((await listTasks(ws, { status: 'done' })).length, 0);
  assert.deepEqual((await getTask(ws, dep.id)).deps, [low.id]);
});

test('tasks are found by a unique id prefix; an ambiguous or unknown one is refused', async (t) => {
  const { ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  assert.equal((await getTask(ws, task.id.slice(0, 8))).id, task.id);
  assert.equal((await getTask(ws, task.id.slice(2))).id, task.id);
  await rejects(getTask(ws, 't-zzzzzzzzzzzz'), 'NOT_FOUND', /not found/);
  await rejects(getTask(ws, '../etc'), 'INVALID_INPUT', /not a task id/);
});

test('bad input is refused with INVALID_INPUT and writes nothing', async (t) => {
  const { dir, ws } = await board(t);
  const before = readFileSync(join(dir, 'events.jsonl'), 'utf8');
  await rejects(addTask(ws, { workstream: 'build', title: '' }), 'INVALID_INPUT', /title must not be empty/);
  await rejects(addTask(ws, { workstream: 'build', title: 'x', priority: 10 }), 'INVALID_INPUT', /priority/);
  await rejects(
    addTask(ws, { workstream: 'build', title: 'x', priority: '1.5' }),
    'INVALID_INPUT',
    /priority/,
  );
  await rejects(addTask(ws, { workstream: 'build', title: 'a\nb' }), 'INVALID_INPUT', /one line/);
  await rejects(addTask(ws, { workstream: 'build', title: 'x', tags: ['bad tag'] }), 'INVALID_INPUT', /tag/);
  await rejects(addTask(ws, { workstream: '../x', title: 'x' }), 'INVALID_INPUT', /not a valid name/);
  await rejects(addTask(ws, { workstream: 'nope', title: 'x' }), 'NOT_FOUND', /workstream "nope" not found/);
  await rejects(
    addTask(ws, { workstream: 'build', title: 'x', deps: ['t-zzzzzzzzzzzz'] }),
    'NOT_FOUND',
    /not found/,
  );
  assert.equal(readFileSync(join(dir, 'events.jsonl'), 'utf8'), before);
  assert.equal((await listTasks(ws)).length, 0);
});

test('updateTask refuses dependency cycles and self-dependencies', async (t) => {
  const { ws } = await board(t);
  const a = await addTask(ws, { workstream: 'build', title: 'a' });
  const b = await addTask(ws, { workstream: 'build', title: 'b', deps: [a.id] });
  const c = await addTask(ws, { workstream: 'build', title: 'c', deps: [b.id] });
  await rejects(updateTask(ws, a.id, { addDeps: [c.id] }), 'INVALID_INPUT', /dependency cycle/);
  await rejects(updateTask(ws, a.id, { addDeps: [a.id] }), 'INVALID_INPUT', /itself/);
  assert.deepEqual((await getTask(ws, a.id)).deps, []);
  const updated = await updateTask(ws, c.id, {
    removeDeps: [b.id],
    addDeps: [a.id],
    title: 'c2',
    priority: 0,
  });
  assert.deepEqual([updated.deps, updated.title, updated.priority], [[a.id], 'c2', 0]);
  await rejects(updateTask(ws, c.id, {}), 'INVALID_INPUT', /nothing to update/);
});

test('cancel and reopen move a task out of and back into the queue', async (t) => {
  const { ws } = await board(t);
  const task = await addTask(ws, { workstream: 'build', title: 'x' });
  assert.equal((await cancelTask(ws, task.id, { reason: 'dup' })).status, 'cancelled');
  await rejects(cancelTask(ws, task.id), 'CONFLICT', /cancelled/);
  assert.equal((await listTasks(ws, { ready: true })).length, 0);
  assert.equal((await reopenTask(ws, task.id)).status, 'open');
  assert.equal((await listTasks(ws, { ready: true })).length, 1);
});

test('an archived workstream takes no tasks and hands none out', async (t) => {
  const { ws } = await board(t);
  const { archiveWorkstream } = await import('../dist/lib/index.js');
  await addTask(ws, { workstream: 'build', title: 'x' });
  await archiveWorkstream(ws, 'build');
  await rejects(addTask(ws, { workstream: 'build', title: 'y' }), 'CONFLICT', /archived/);
  assert.equal((await listTasks(ws, { ready: true })).length, 0);
});
