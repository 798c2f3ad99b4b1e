import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  createWorkstream,
  findWorkspace,
  heartbeatAgent,
  listTasks,
  nextTask,
  primeAgent,
  registerAgent,
  statusSummary,
  updateTask,
} from '../dist/lib/index.js';
import { countTaskFilesRead, countTaskFolderStamps } from '../dist/lib/storage/index.js';
import { commitAll, git, merge, repoWorkspace } from './git-helpers.js';
import { orc, orcPausedAt, tempWorkspace } from './helpers.js';

/*
 * The task index follows changes made behind orc's back (a pull, a checkout, a person) by re-reading
 * only the task files whose stamps changed: asserted by the number of files the index read, never by
 * time.
 */

const taskFile = (dir, id) => join(dir, 'state/tasks', `${id}.json`);
const readTask = (dir, id) => JSON.parse(readFileSync(taskFile(dir, id), 'utf8'));
const writeTask = (dir, task) => writeFileSync(taskFile(dir, task.id), `${JSON.stringify(task, null, 2)}\n`);

/** Files the index reads while `fn` runs. */
async function reads(fn) {
  const before = countTaskFilesRead();
  const result = await fn();
  return { result, read: countTaskFilesRead() - before };
}

async function board(t, dir = tempWorkspace(t), count = 30, fresh = true) {
  const ws = findWorkspace({ dir });
  if (fresh) {
    await createWorkstream(ws, { name: 'build' });
    await registerAgent(ws, { id: 'a1' });
  }
  const tasks = [];
  for (let i = 0; i < count; i++) tasks.push(await addTask(ws, { workstream: 'build', title: `task ${i}` }));
  await listTasks(ws); // builds every cache
  return { dir, ws, tasks };
}

test('10 tasks changed, 2 added and 1 removed behind orc: the next reader re-reads those 12 files only', async (t) => {
  const { dir, ws, tasks } = await board(t);
  for (const task of tasks.slice(0, 10))
    writeTask(dir, { ...readTask(dir, task.id), title: `${task.title}!` });
  const extra = ['t-00000000000a', 't-00000000000b'].map((id) => ({
    ...readTask(dir, tasks[0].id),
    id,
    title: id,
  }));
  for (const task of extra) writeTask(dir, task);
  rmSync(taskFile(dir, tasks[29].id));
  const { result, read } = await reads(() => listTasks(ws));
  assert.equal(read, 12);
  const titles = new Map(result.map((x) => [x.id, x.title]));
  assert.equal(result.length, 31);
  assert.equal(titles.get(tasks[3].id), 'task 3!');
  assert.equal(titles.get(tasks[12].id), 'task 12');
  assert.equal(titles.get('t-00000000000a'), 't-00000000000a');
  assert.equal(titles.has(tasks[29].id), false);
  // Every other reader agrees, and nothing more is read.
  const again = await reads(async () => (await statusSummary(ws)).workstreams[0].counts);
  assert.equal(again.read, 0);
  assert.equal(again.result.open, 31);
  assert.equal(again.result.ready, 31);
});

test('a git checkout and merge: the next command re-reads the files git changed', async (t) => {
  const dir = repoWorkspace(t);
  const { ws, tasks } = await board(t, dir, 20, false);
  commitAll(dir, 'tasks');
  git(dir, 'checkout', '-q', '-b', 'side');
  for (const task of tasks.slice(0, 3)) await updateTask(ws, task.id, { title: `${task.title} (side)` });
  await addTask(ws, { workstream: 'build', title: 'only on side' });
  commitAll(dir, 'side work');
  git(dir, 'checkout', '-q', 'main');
  const back = await reads(() => listTasks(ws));
  assert.equal(back.read, 3, 'the three files git rewrote; the removed one is not read');
  assert.equal(back.result.length, 20);
  assert.equal(back.result.find((x) => x.id === tasks[0].id).title, 'task 0');
  assert.equal(merge(dir, 'side'), 0);
  const merged = await reads(() => listTasks(ws));
  assert.equal(merged.read, 4);
  assert.equal(merged.result.length, 21);
  assert.equal(merged.result.find((x) => x.id === tasks[1].id).title, 'task 1 (side)');
  const status = await reads(() => statusSummary(ws));
  assert.equal(status.read, 0);
  assert.equal(status.result.workstreams[0].counts.open, 21);
});

test('a journal cut short by a crash mid-append keeps its complete batches and re-reads what changed', async (t) => {
  const { dir, ws, tasks } = await board(t, undefined, 10);
  const queue = join(dir, '.orc', 'tasks.queue.tsv');
  const full = join(dir, '.orc', 'tasks.index.jsonl');
  // A writer killed after its task file and part of its batch: a line cut short, no end line.
  writeTask(dir, { ...readTask(dir, tasks[4].id), status: 'cancelled' });
  rmSync(taskFile(dir, tasks[5].id));
  appendFileSync(queue, 'x\tt-0000');
  appendFileSync(full, '{"s":"x","t":{"id":');
  const { result, read } = await reads(() => listTasks(ws));
  assert.equal(read, 1, 'only the file that changed');
  assert.equal(result.length, 9);
  assert.equal(result.find((x) => x.id === tasks[4].id).status, 'cancelled');
  // The next writer and the readers after it see the repaired journals.
  const taken = await nextTask(ws, { agent: 'a1' });
  assert.equal(taken.id, tasks[0].id);
  const hb = await reads(() => heartbeatAgent(ws, 'a1'));
  assert.equal(hb.read, 0);
  assert.deepEqual(
    hb.result.renewed.map((r) => r.id),
    [tasks[0].id],
  );
  assert.ok(!readFileSync(queue, 'utf8').includes('x\tt-0000\n'), 'the torn line was not kept');
  assert.equal(readdirSync(join(dir, 'state/tasks')).length, 9);
});

test('t next hands out the most urgent task also when the summary lists only some open tasks', async (t) => {
  const { ws } = await board(t, undefined, 0);
  await registerAgent(ws, { id: 'b1', capabilities: ['gpu'] });
  await createWorkstream(ws, { name: 'later', priority: 5 });
  const made = [];
  for (let i = 0; i < 230; i++)
    made.push(await addTask(ws, { workstream: 'build', title: `t${i}`, priority: i < 220 ? 3 : 1 }));
  // Past the summary's 200: one tagged for b1's capability, one more urgent.
  const gpu = await addTask(ws, { workstream: 'build', title: 'gpu', priority: 3, tags: ['gpu'] });
  const urgent = await addTask(ws, { workstream: 'build', title: 'urgent', priority: 0 });
  assert.equal((await nextTask(ws, { agent: 'a1' })).id, urgent.id);
  assert.equal((await nextTask(ws, { agent: 'b1' })).id, made[220].id);
  for (let i = 221; i < 230; i++) await nextTask(ws, { agent: 'a1', another: true });
  assert.equal((await nextTask(ws, { agent: 'b1', another: true })).id, gpu.id);
  assert.equal((await nextTask(ws, { agent: 'a1', another: true })).id, made[0].id);
});

test('t list --json, read one task at a time, prints the same array as listTasks', async (t) => {
  const { dir, ws, tasks } = await board(t, undefined, 6);
  await updateTask(ws, tasks[4].id, { priority: 0, tags: ['x'] });
  await nextTask(ws, { agent: 'a1' });
  writeTask(dir, { ...readTask(dir, tasks[2].id), title: 'edited \u0085 by hand' }); // a control character
  writeTask(dir, { ...readTask(dir, tasks[0].id), id: 't-00000000000c' }); // the folder changes
  const cases = [[], ['--status', 'open'], ['--tag', 'x'], ['--search', 'EDITED'], ['--ws', 'build']];
  for (const args of cases) {
    const filter = Object.fromEntries(
      [[args[0]?.slice(2).replace('ws', 'workstream'), args[1]]].filter(([k]) => k),
    );
    const run = orc(['--dir', dir, 't', 'list', '--json', ...args]);
    assert.equal(run.code, 0, run.stderr);
    const expected = JSON.stringify(await listTasks(ws, filter)).replace('\u0085', '\\u0085');
    assert.equal(run.stdout, `${expected}\n`, args.join(' '));
  }
  assert.equal(orc(['--dir', dir, 't', 'list', '--json', '--field', 'id']).stdout.split('\n').length, 8);
});

test('status counts from the summary agree with a count over every task as tasks wait, finish and expire', async (t) => {
  const { ws, tasks } = await board(t, undefined, 4);
  const clock = (minutes) => new Date(Date.now() + minutes * 60_000);
  const waiting = await addTask(ws, {
    workstream: 'build',
    title: 'waits',
    deps: [tasks[0].id, tasks[1].id],
  });
  const counts = async (now) => (await statusSummary(ws, { now })).workstreams[0].counts;
  const truth = async (now) => {
    const all = await listTasks(ws);
    return {
      open: all.filter((x) => x.status === 'open').length,
      ready: (await listTasks(ws, { ready: true }, { now })).length,
    };
  };
  const check = async (now = new Date()) => {
    const [c, expected] = [await counts(now), await truth(now)];
    assert.deepEqual({ open: c.open, ready: c.ready }, expected);
  };
  await check();
  await nextTask(ws, { agent: 'a1', ttlMs: 60_000 }); // tasks[0], claimed for a minute
  await check();
  await check(clock(5)); // its lease ran out: ready again
  const { completeTask } = await import('../dist/lib/index.js');
  await completeTask(ws, tasks[0].id, 'ok', { agent: 'a1' });
  await completeTask(ws, tasks[1].id, 'ok', { force: true });
  await check();
  assert.equal((await counts(new Date())).done, 2);
  // The oldest open task, by the queue's order: tasks added in the same millisecond go by id.
  const oldest = [tasks[2], tasks[3], waiting].sort((a, b) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1,
  )[0];
  assert.equal((await nextTask(ws, { agent: 'a1' })).id, oldest.id);
  assert.ok(waiting.deps.length === 2);
});

/** Resolves once a waiter has put its ticket in the workspace lock's line. */
async function lineJoined(dir) {
  const line = join(dir, '.orc/workspace.lock.queue');
  for (;;) {
    const tickets = readdirSafe(line);
    if (tickets.length > 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const readdirSafe = (dir) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

test('readers behind a mutation wait in the lock line for its commit instead of reading the board again', async (t) => {
  const { dir, ws } = await board(t);
  // ada's claim stops after writing the task's file, before its journal lines and summary.
  const ada = orcPausedAt(['--dir', dir, '--json', 't', 'next', 'a1'], 'commit:wrote-1');
  t.after(() => ada.child.kill('SIGKILL'));
  assert.equal(await ada.paused, true);
  const before = [countTaskFilesRead(), countTaskFolderStamps()];
  // The summary (status, a heartbeat), the full journal (t list --ready) and the queue view (prime).
  const status = statusSummary(ws);
  const beat = heartbeatAgent(ws, 'a1');
  const ready = listTasks(ws, { ready: true });
  const primer = primeAgent(ws, { agent: 'a1' });
  const all = Promise.all([status, beat, ready, primer]);
  const waited = await Promise.race([lineJoined(dir), all.then(() => false)]);
  assert.equal(waited, true, 'the readers wait for the commit: they returned with it half done');
  ada.child.kill('SIGCONT');
  const claimed = JSON.parse((await ada.done).stdout);
  await all;
  assert.deepEqual(
    (await status).claims.map((c) => c.task),
    [claimed.id],
  );
  assert.deepEqual(
    (await beat).renewed.map((r) => r.id),
    [claimed.id],
  );
  assert.equal((await ready).length, 29, 'the claimed task is no longer ready');
  assert.deepEqual(
    (await primer).claims.map((c) => c.id),
    [claimed.id],
  );
  assert.equal((await primer).readyCount, 29);
  assert.deepEqual(
    [countTaskFilesRead() - before[0], countTaskFolderStamps() - before[1]],
    [0, 0],
    'no task file read again, the folder not stamped: the commit left the caches current',
  );
});

test('a reader whose lock line is stuck answers from the files as they are and saves nothing', async (t) => {
  const { dir, ws, tasks } = await board(t);
  const { lockTestHooks } = await import('../dist/lib/storage/lock-owner.js');
  // A holder stopped with the lock (alive, so never stale), and a task edited by hand meanwhile.
  const holder = orcPausedAt(['--dir', dir, 't', 'add', 'build', 'late'], 'lock:acquired');
  t.after(() => holder.child.kill('SIGKILL'));
  assert.equal(await holder.paused, true);
  // Replaced the way an editor or a sync tool does (a new file renamed over it): the folder changes.
  const tmp = join(dir, 'state', 'edit.tmp');
  writeFileSync(tmp, `${JSON.stringify({ ...readTask(dir, tasks[0].id), status: 'done' }, null, 2)}\n`);
  renameSync(tmp, taskFile(dir, tasks[0].id));
  const summaryBefore = readFileSync(join(dir, '.orc/tasks.summary.json'), 'utf8');
  lockTestHooks.stuckMs = 300;
  t.after(() => {
    lockTestHooks.stuckMs = undefined;
  });
  const status = await statusSummary(ws);
  assert.equal(status.workstreams[0].counts.done, 1, 'the hand edit is seen');
  assert.equal(
    readFileSync(join(dir, '.orc/tasks.summary.json'), 'utf8'),
    summaryBefore,
    'nothing saved without the lock',
  );
});
