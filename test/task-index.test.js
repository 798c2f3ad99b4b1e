import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  createWorkstream,
  findWorkspace,
  listTasks,
  nextTask,
  registerAgent,
  statusSummary,
} from '../dist/lib/index.js';
import { tempWorkspace } from './helpers.js';

async function board(t) {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  await registerAgent(ws, { id: 'a1' });
  const first = await addTask(ws, { workstream: 'build', title: 'first' });
  await listTasks(ws); // builds the cache
  return { dir, ws, first };
}

const taskFile = (dir, id) => join(dir, 'state/tasks', `${id}.json`);

test('a task file that arrives from outside orc (git, a person) is picked up', async (t) => {
  const { dir, ws, first } = await board(t);
  const copy = JSON.parse(readFileSync(taskFile(dir, first.id), 'utf8'));
  const arrived = { ...copy, id: 't-0000000000aa', title: 'from a merge' };
  writeFileSync(taskFile(dir, arrived.id), `${JSON.stringify(arrived, null, 2)}\n`);
  assert.deepEqual((await listTasks(ws)).map((x) => x.title).sort(), ['first', 'from a merge']);
  rmSync(taskFile(dir, arrived.id));
  assert.deepEqual(
    (await listTasks(ws)).map((x) => x.title),
    ['first'],
  );
});

test('the cache is derived: deleting it or tearing it loses nothing', async (t) => {
  const { dir, ws } = await board(t);
  await addTask(ws, { workstream: 'build', title: 'second' });
  rmSync(join(dir, '.orc'), { recursive: true, force: true });
  assert.equal((await listTasks(ws)).length, 2);
  appendFileSync(join(dir, '.orc/tasks.index.jsonl'), '{"s":"1","t":{"id":');
  assert.equal((await listTasks(ws)).length, 2);
});

test('t next trusts the file over the cache after an in-place edit', async (t) => {
  const { dir, ws, first } = await board(t);
  const second = await addTask(ws, { workstream: 'build', title: 'second' });
  // An editor that rewrites the file in place leaves the folder's mtime alone.
  const edited = { ...JSON.parse(readFileSync(taskFile(dir, first.id), 'utf8')), status: 'cancelled' };
  writeFileSync(taskFile(dir, first.id), `${JSON.stringify(edited, null, 2)}\n`);
  const taken = await nextTask(ws, { agent: 'a1' });
  assert.equal(taken.id, second.id);
  assert.equal(await nextTask(ws, { agent: 'a1', another: true }), null);
});

test('once built, the caches are extended by each write, not rebuilt', async (t) => {
  const { dir, ws } = await board(t);
  for (let i = 0; i < 3; i++) await addTask(ws, { workstream: 'build', title: `more ${i}`, tags: ['x'] });
  await nextTask(ws, { agent: 'a1' }); // builds the queue journal
  const { statSync } = await import('node:fs');
  const files = ['tasks.queue.tsv', 'tasks.index.jsonl', 'tasks.summary.json'].map((name) =>
    join(dir, '.orc', name),
  );
  const before = files.map((f) => statSync(f));
  await nextTask(ws, { agent: 'a1', another: true });
  await addTask(ws, { workstream: 'build', title: 'last', tags: ['x', 'y'] });
  await nextTask(ws, { agent: 'a1', another: true });
  files.forEach((f, i) => {
    const after = statSync(f);
    assert.equal(after.ino, before[i].ino, `${f} was appended to, not rewritten`);
    assert.ok(after.size > before[i].size);
  });
  assert.equal((await listTasks(ws, { status: 'claimed' })).length, 3);
});

test('the summary is a log of summaries: the last whole line counts, a torn one is skipped', async (t) => {
  const { dir, ws } = await board(t);
  const file = join(dir, '.orc', 'tasks.summary.json');
  for (let i = 0; i < 3; i++) await addTask(ws, { workstream: 'build', title: `more ${i}` });
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.ok(lines.length >= 3, 'each write appended a summary');
  // A writer killed mid-append: half a line, no newline. Readers skip it; the next append starts afresh.
  appendFileSync(file, lines.at(-1).slice(0, 40));
  const counts = async () => (await statusSummary(ws)).workstreams[0].counts.open;
  assert.equal(await counts(), 4);
  await nextTask(ws, { agent: 'a1' });
  assert.equal(await counts(), 3);
  const last = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1);
  assert.equal(JSON.parse(last).counts.build.claimed, 1);
});
