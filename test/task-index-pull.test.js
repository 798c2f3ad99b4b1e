import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  completeTask,
  createWorkstream,
  findWorkspace,
  nextTask,
  listTasks,
  registerAgent,
  runDoctor,
  statusSummary,
  updateTask,
} from '../dist/lib/index.js';
import {
  buildSummary,
  countGitChangeQueries,
  countSummaryRebuilds,
  countTaskFilesRead,
  countTaskFolderStamps,
  formatSummary,
  parseSummary,
  toQueueEntry,
} from '../dist/lib/storage/index.js';
import { parseFull, parseQueue } from '../dist/lib/storage/task-journals.js';
import { commitAll, git, merge, repoWorkspace } from './git-helpers.js';
import { orcPausedAt, tempWorkspace } from './helpers.js';
import { forgetSummaryLog, readSummaryLog } from '../dist/lib/storage/summary-log.js';

/*
 * The first command after a pull: the saved summary is moved on by the few tasks that changed
 * (applyChange) instead of rebuilt, and the journals are appended to. After each scenario (a pull
 * over local edits, a checkout, a reset, a merge, files replaced without git, no git at all) every
 * cache must equal what a rebuild from the task files gives, and only the changed files were read.
 */

const tasksDir = (dir) => join(dir, 'state/tasks');
const taskFile = (dir, id) => join(tasksDir(dir), `${id}.json`);
const readTask = (dir, id) => JSON.parse(readFileSync(taskFile(dir, id), 'utf8'));

/** Rewrites a task file the way an editor or a sync tool does: a new file renamed over the old one. */
function replaceTask(dir, task) {
  const tmp = join(dir, 'state', `replace-${task.id}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(task, null, 2)}\n`);
  renameSync(tmp, taskFile(dir, task.id));
}

/** Every task, from the files: the truth the caches are compared with. */
function truth(dir) {
  const tasks = new Map();
  for (const name of readdirSync(tasksDir(dir)).filter((n) => n.startsWith('t-') && n.endsWith('.json')))
    tasks.set(name.slice(0, -5), JSON.parse(readFileSync(join(tasksDir(dir), name), 'utf8')));
  return tasks;
}

const sortedEntries = (map) => [...map].sort(([a], [b]) => (a < b ? -1 : 1));

/** A summary in a form that compares equal whatever the order its maps were filled in. */
function normal(summary) {
  const s = parseSummary(formatSummary(summary)); // formatting prunes unneeded dependency statuses
  return {
    counts: sortedEntries(s.counts),
    claimed: sortedEntries(s.claimed),
    lost: sortedEntries(s.lost),
    waiting: sortedEntries(s.waiting),
    depStatus: sortedEntries(s.depStatus),
    top: s.top,
    complete: s.complete,
    bound: s.bound,
  };
}

/** The saved summary and both journals equal a rebuild from the files. */
function assertCachesMatch(dir, label) {
  const tasks = truth(dir);
  const queue = new Map([...tasks].map(([id, task]) => [id, toQueueEntry(task)]));
  forgetSummaryLog(); // read as a process that knows nothing would: the last snapshot and its deltas
  const saved = readSummaryLog(findWorkspace({ dir }));
  const rebuilt = buildSummary(queue, saved.stamp);
  assert.deepEqual(normal(saved), normal(rebuilt), `${label}: the summary`);
  const journal = parseQueue(readFileSync(join(dir, '.orc/tasks.queue.tsv'), 'utf8'));
  assert.equal(journal.torn, false, `${label}: the queue journal is whole`);
  assert.equal(journal.end, saved.stamp, `${label}: the queue journal ends where the summary is`);
  assert.deepEqual(sortedEntries(journal.entries), sortedEntries(queue), `${label}: the queue journal`);
  const full = parseFull(readFileSync(join(dir, '.orc/tasks.index.jsonl'), 'utf8'));
  assert.equal(full.end, saved.stamp, `${label}: the full journal ends where the summary is`);
  assert.deepEqual(sortedEntries(full.entries), sortedEntries(tasks), `${label}: the full journal`);
}

/**
 * Files the index reads while `fn` runs, how many times it rebuilt the summary from every task, how
 * many times it stamped every file of the folder, and how many times it asked git what changed.
 */
async function reads(fn) {
  const before = [
    countTaskFilesRead(),
    countSummaryRebuilds(),
    countTaskFolderStamps(),
    countGitChangeQueries(),
  ];
  const result = await fn();
  return {
    result,
    read: countTaskFilesRead() - before[0],
    rebuilt: countSummaryRebuilds() - before[1],
    stamped: countTaskFolderStamps() - before[2],
    asked: countGitChangeQueries() - before[3],
  };
}

/**
 * A commit on top of HEAD that replaces the given tasks' files (made with a scratch index, as a
 * fetch would bring it: the working tree untouched), then fast-forwarded into: a `git pull`.
 */
function pullTasks(dir, tasks) {
  const env = { ...process.env, GIT_INDEX_FILE: join(dir, '.git', 'incoming.index') };
  const run = (args, input) =>
    execFileSync('git', args, {
      cwd: dir,
      env,
      input,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    }).trim();
  run(['read-tree', 'HEAD']);
  const lines = tasks.map((task) => {
    const blob = run(['hash-object', '-w', '--stdin'], `${JSON.stringify(task, null, 2)}\n`);
    return `100644 ${blob}\tstate/tasks/${task.id}.json\n`;
  });
  run(['update-index', '--index-info'], lines.join(''));
  const tree = run(['write-tree']);
  const commit = git(dir, 'commit-tree', tree, '-p', 'HEAD', '-m', 'incoming');
  rmSync(env.GIT_INDEX_FILE);
  git(dir, 'merge', '--ff-only', '-q', commit);
}

/** A board with dependencies, a claim and a finished task, every cache built. */
async function board(dir) {
  const ws = findWorkspace({ dir });
  const tasks = [];
  for (let i = 0; i < 12; i++)
    tasks.push(await addTask(ws, { workstream: 'build', title: `task ${i}`, priority: i % 4 }));
  tasks.push(await addTask(ws, { workstream: 'build', title: 'waits', deps: [tasks[0].id, tasks[1].id] }));
  await nextTask(ws, { agent: 'a1' });
  await completeTask(ws, tasks[5].id, 'ok', { force: true });
  await statusSummary(ws);
  return { ws, tasks };
}

test('a pull over local uncommitted edits: the summary is moved on by what changed and equals a rebuild', async (t) => {
  const dir = repoWorkspace(t);
  const { ws, tasks } = await board(dir);
  commitAll(dir, 'tasks');
  // Upstream: a dependency finished, a priority changed, a task added, one removed.
  git(dir, 'checkout', '-q', '-b', 'upstream');
  await completeTask(ws, tasks[0].id, 'done upstream', { force: true });
  await updateTask(ws, tasks[2].id, { priority: 0 });
  await addTask(ws, { workstream: 'build', title: 'new upstream', deps: [tasks[1].id] });
  rmSync(taskFile(dir, tasks[9].id));
  // Only the tasks, so that the local edit's event does not stop the fast-forward.
  git(dir, 'add', '-A', 'state');
  git(dir, 'commit', '-q', '-m', 'upstream work');
  git(dir, 'reset', '-q', '--hard');
  git(dir, 'checkout', '-q', 'main');
  await statusSummary(ws); // after the checkout: every file stamped, and the reflog's place recorded
  assert.ok(existsSync(join(dir, '.orc/tasks.head')));
  assertCachesMatch(dir, 'before the pull');
  // A local edit, not committed, then the fast-forward.
  await updateTask(ws, tasks[3].id, { title: 'edited here' });
  git(dir, 'merge', '--ff-only', '-q', 'upstream');
  const { result, read, rebuilt, stamped, asked } = await reads(() => statusSummary(ws));
  assert.equal(read, 3, 'the two changed files and the added one; the removed one is not read');
  assert.equal(rebuilt, 0, 'the summary was moved on, not rebuilt');
  assert.deepEqual([asked, stamped], [1, 0], 'git named the files: the folder was not stamped');
  assert.equal(result.workstreams[0].counts.done, 2);
  assertCachesMatch(dir, 'after the pull');
  assert.equal(readTask(dir, tasks[3].id).title, 'edited here');
  const again = await reads(() => statusSummary(ws));
  assert.equal(again.read, 0);
});

test('a checkout of another branch, a reset --hard and a merge: each first command leaves caches equal to a rebuild', async (t) => {
  const dir = repoWorkspace(t);
  const { ws, tasks } = await board(dir);
  commitAll(dir, 'tasks');
  git(dir, 'checkout', '-q', '-b', 'side');
  await updateTask(ws, tasks[11].id, { title: 'on side', tags: ['side'] });
  await nextTask(ws, { agent: 'b1' });
  commitAll(dir, 'side work');
  git(dir, 'checkout', '-q', 'main');
  const back = await reads(() => statusSummary(ws));
  assert.equal(back.read, 2, 'the updated task and the one b1 claimed');
  assert.equal(back.rebuilt, 0);
  assertCachesMatch(dir, 'checkout');
  await updateTask(ws, tasks[6].id, { title: 'local, then reset away' });
  await addTask(ws, { workstream: 'build', title: 'local new one' });
  git(dir, 'reset', '-q', '--hard', 'HEAD');
  git(dir, 'clean', '-q', '-f', 'state/tasks');
  const reset = await reads(() => statusSummary(ws));
  assert.equal(reset.read, 1, 'the reset file; the removed new one is not read');
  assert.equal(reset.rebuilt, 0);
  assertCachesMatch(dir, 'reset --hard');
  await completeTask(ws, tasks[7].id, 'on main', { force: true });
  commitAll(dir, 'main work');
  assert.equal(merge(dir, 'side'), 0);
  // The first command after the merge is a mutation: it refreshes under the lock.
  const taken = await reads(() => nextTask(ws, { agent: 'a1', another: true }));
  assert.equal(taken.read, 2);
  assert.equal(taken.rebuilt, 0);
  assertCachesMatch(dir, 'merge, then t next');
  assert.equal(git(dir, 'reset', '-q', '--hard', 'HEAD~1'), '');
  await statusSummary(ws);
  assertCachesMatch(dir, 'reset --hard to before the merge');
});

test('what git cannot vouch for makes the next command stamp every file: a hand edit after the pull, a write cut short by a kill, a reset, a doctor repair', async (t) => {
  const dir = repoWorkspace(t);
  const { ws, tasks } = await board(dir);
  commitAll(dir, 'tasks');
  const edited = (task, change) => ({ ...readTask(dir, task.id), ...change });
  pullTasks(dir, [edited(tasks[4], { title: 'first pull' })]);
  await statusSummary(ws); // records where the reflog stands
  pullTasks(dir, [edited(tasks[4], { title: 'second pull' })]);
  const followed = await reads(() => statusSummary(ws));
  assert.deepEqual([followed.asked, followed.stamped, followed.read], [1, 0, 1]);
  assertCachesMatch(dir, 'a pull followed from git');

  // A file replaced by hand after git's own writes: the folder changed after git last did.
  pullTasks(dir, [edited(tasks[6], { priority: 0 })]);
  replaceTask(dir, edited(tasks[8], { status: 'cancelled' }));
  const byHand = await reads(() => statusSummary(ws));
  assert.deepEqual([byHand.asked, byHand.stamped, byHand.read], [1, 1, 2]);
  assert.equal(byHand.result.workstreams[0].counts.cancelled, 1);
  assertCachesMatch(dir, 'replaced by hand after the pull');

  // orc killed between writing a task's file and its journal line, then a pull of other tasks.
  const killed = orcPausedAt(
    ['--dir', dir, 't', 'complete', tasks[10].id, 'done', '--force'],
    'commit:wrote-1',
  );
  assert.equal(await killed.paused, true);
  killed.child.kill('SIGKILL');
  await killed.done;
  rmSync(join(dir, '.orc/workspace.lock'), { recursive: true, force: true });
  assert.equal(readTask(dir, tasks[10].id).status, 'done', 'the file was written before the kill');
  pullTasks(dir, [edited(tasks[7], { title: 'third pull' })]);
  const afterKill = await reads(() => statusSummary(ws));
  assert.equal(afterKill.stamped, 1, 'the journal ends with a batch cut short: every file is stamped');
  assert.equal(afterKill.result.workstreams[0].counts.done, 2);
  // That reader caught up under the lock, whose first act rolled the killed commit forward (and
  // dropped the reflog place): what it saved is current, so the next command reads nothing again.
  assert.equal(existsSync(join(dir, '.orc/tasks.head')), true, 'recorded again by the catch-up');
  const again = await reads(() => statusSummary(ws));
  assert.deepEqual([again.asked, again.stamped], [0, 0]);
  assertCachesMatch(dir, 'a write cut short, then a pull');

  // A reset in the reflog (git stash is one too): local changes it discarded are named by no diff.
  await updateTask(ws, tasks[11].id, { title: 'local, not committed' });
  commitAll(dir, 'local');
  await updateTask(ws, tasks[12].id, { title: 'discarded by the reset' });
  git(dir, 'reset', '-q', '--hard', 'HEAD~1');
  const reset = await reads(() => statusSummary(ws));
  assert.deepEqual([reset.asked, reset.stamped], [1, 1]);
  assertCachesMatch(dir, 'reset --hard');

  // A doctor repair writes behind the task index: the reflog's place is dropped with the index.
  assert.ok(existsSync(join(dir, '.orc/tasks.head')));
  writeFileSync(taskFile(dir, 't-0000000000zz'), '{ not json');
  const report = await runDoctor(ws, { fix: true });
  assert.ok(report.problems.some((p) => p.fixed));
  assert.equal(existsSync(join(dir, '.orc/tasks.head')), false);
  pullTasks(dir, [edited(tasks[4], { title: 'after the repair' })]);
  assert.equal((await reads(() => statusSummary(ws))).stamped, 1);
  await listTasks(ws); // rebuilds the full journal doctor removed
  assertCachesMatch(dir, 'a pull after a doctor repair');
});

test('files replaced without git, and no git at all: the same', async (t) => {
  const dir = tempWorkspace(t);
  await createWorkstream(findWorkspace({ dir }), { name: 'build' });
  await registerAgent(findWorkspace({ dir }), { id: 'a1' });
  const { ws, tasks } = await board(dir);
  const claimed = [...truth(dir).values()].find((x) => x.status === 'claimed');
  replaceTask(dir, { ...claimed, status: 'open', claim: null });
  replaceTask(dir, { ...readTask(dir, tasks[1].id), status: 'cancelled' });
  replaceTask(dir, { ...readTask(dir, tasks[2].id), id: 't-0000000000aa', title: 'copied' });
  rmSync(taskFile(dir, tasks[10].id));
  const { result, read, rebuilt } = await reads(() => statusSummary(ws));
  assert.equal(read, 3);
  assert.equal(rebuilt, 0);
  assert.equal(result.workstreams[0].counts.claimed, 0);
  assertCachesMatch(dir, 'replaced by hand');
  // A summary that is not at the journal's end (dropped) is rebuilt, not moved on.
  rmSync(join(dir, '.orc/tasks.summary.json'));
  replaceTask(dir, { ...readTask(dir, tasks[3].id), priority: 0 });
  assert.equal((await reads(() => statusSummary(ws))).rebuilt, 1);
  assertCachesMatch(dir, 'summary removed');
});

test('a pull that closes listed tasks of a summary listing only the most urgent 200: counts equal, the list stays a true prefix', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  await registerAgent(ws, { id: 'a1' });
  const model = await addTask(ws, { workstream: 'build', title: 'model', priority: 2 });
  const ids = [];
  for (let i = 0; i < 230; i++) {
    const id = `t-pull${String(i).padStart(4, '0')}`;
    ids.push(id);
    const at = new Date(Date.parse(model.createdAt) + 1000 + i).toISOString();
    replaceTask(dir, { ...model, id, title: `bulk ${i}`, priority: i % 3, createdAt: at, updatedAt: at });
  }
  await statusSummary(ws);
  forgetSummaryLog();
  const before = readSummaryLog(ws);
  assert.equal(before.complete, false);
  // Upstream finished five listed tasks and made an unlisted one the most urgent.
  for (const entry of before.top.slice(0, 5))
    replaceTask(dir, { ...readTask(dir, entry.id), status: 'done' });
  const last = ids.at(-1);
  replaceTask(dir, { ...readTask(dir, last), priority: 0, createdAt: model.createdAt });
  const { read, rebuilt } = await reads(() => statusSummary(ws));
  assert.deepEqual([read, rebuilt], [6, 0]);
  forgetSummaryLog();
  const saved = readSummaryLog(ws);
  const queue = new Map([...truth(dir)].map(([id, task]) => [id, toQueueEntry(task)]));
  const full = normal(buildSummary(queue, saved.stamp));
  const moved = normal(saved);
  for (const key of ['counts', 'claimed', 'lost', 'waiting', 'depStatus'])
    assert.deepEqual(moved[key], full[key], key);
  // What is listed is the start of the whole order: the rebuild's first entries, down to the bound.
  assert.deepEqual(saved.top, full.top.slice(0, saved.top.length));
  assert.equal(saved.top[0].id, last);
  assert.equal((await nextTask(ws, { agent: 'a1' })).id, last);
});

test('a refresh saves the summary as a delta of the few tasks that changed, and as a snapshot after many', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  const model = await addTask(ws, { workstream: 'build', title: 'model' });
  await statusSummary(ws);
  const lastLine = () =>
    JSON.parse(readFileSync(join(dir, '.orc/tasks.summary.json'), 'utf8').trim().split('\n').at(-1));
  // A delta naming every task of a large change would be larger than the summary it describes.
  for (let i = 0; i < 1_001; i++)
    replaceTask(dir, { ...model, id: `t-many${String(i).padStart(4, '0')}`, title: `many ${i}` });
  await statusSummary(ws);
  assert.equal(lastLine().d, undefined, 'a snapshot');
  replaceTask(dir, { ...readTask(dir, 't-many0007'), priority: 0 });
  await statusSummary(ws);
  assert.equal(lastLine().d, 1, 'a delta');
  assert.deepEqual(Object.keys(lastLine().waiting), ['t-many0007']);
  assertCachesMatch(dir, 'after a large change, then a small one');
});
