// `t list` served from the task index's order file (lib/storage/task-order.ts) prints what the full
// path prints: the same bytes for people and for --json, across statuses, deps, run steps, filters,
// limits, changes merged from the journal's tail, and changes made behind orc's back.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  cancelTask,
  claimTask,
  completeTask,
  createWorkstream,
  failTask,
  findWorkspace,
  listTasks,
  registerAgent,
} from '../dist/lib/index.js';
import { orc, tempWorkspace } from './helpers.js';

const orderFile = (dir) => join(dir, '.orc', 'tasks.order.tsv');
const taskFile = (dir, id) => join(dir, 'state/tasks', `${id}.json`);

/** A board with every status, deps done and not, tags, a claim, and run steps (open and finished). */
async function mixedBoard(t) {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  for (const name of ['build', 'docs', 'run-r1', 'run-r2']) await createWorkstream(ws, { name });
  await registerAgent(ws, { id: 'ada' });
  const add = (workstream, title, priority, more = {}) =>
    addTask(ws, { workstream, title, priority, ...more });
  const schema = await add('build', 'Design the schema', 1);
  const api = await add('build', 'Build the API', 2, { deps: [schema.id], tags: ['x'] });
  const done = await add('build', 'Old work', 0);
  const later = await add('docs', 'Write the guide', 3, { deps: [done.id], tags: ['x', 'y'] });
  const failed = await add('docs', 'Flaky', 1);
  const gone = await add('build', 'Gone', 0);
  const held = await add('build', 'Held', 4);
  const step = await add('run-r1', 'step one', 2, { tags: ['run'] });
  const notStep = await add('run-r1', 'by hand', 2);
  const oldStep = await add('run-r2', 'old step', 1, { tags: ['run'] });
  for (const [task, end] of [
    [done, 'done'],
    [failed, 'failed'],
    [oldStep, 'done'],
  ]) {
    const claimed = await claimTask(ws, task.id, 'ada');
    const holder = { agent: 'ada', token: claimed.claim.token };
    if (end === 'done') await completeTask(ws, task.id, 'shipped', holder);
    else await failTask(ws, task.id, 'it broke', holder);
  }
  await cancelTask(ws, gone.id);
  await claimTask(ws, held.id, 'ada');
  for (let i = 0; i < 6; i++) await add('build', `filler ${i}`, 3 + (i % 3));
  return { dir, ws, ids: { schema, api, done, later, failed, gone, held, step, notStep, oldStep } };
}

const HUMAN = [
  [],
  ['--all'],
  ['--runs', '--limit', '4'],
  ['--limit', '3', '--all'],
  ['--status', 'done'],
  ['--ws', 'run-r1'],
  ['--agent', 'ada'],
  ['docs', '--tag', 'x'],
];
const JSON_ARGS = [['--json'], ['--json', '--limit', '3'], ['--json', '--status', 'done', '--tag', 'x']];
// Fewer, for the later rounds: the default view, a page, and --json.
const SOME = [[], ['--runs', '--limit', '4'], ['--all'], ['--json'], ['--json', '--limit', '3']];

function list(dir, args) {
  const run = orc(['--dir', dir, 't', 'list', ...args], { env: { NO_COLOR: '1' } });
  assert.equal(run.code, 0, `t list ${args.join(' ')}: ${run.stderr}`);
  return { stdout: run.stdout, stderr: run.stderr };
}

/** Each listing, served from the order file, equals the full path's (an empty --search takes it). */
function assertSameAsFull(dir, variants, label) {
  for (const args of variants) {
    const fast = list(dir, args);
    const full = list(dir, [...args, '--search', '']);
    assert.deepEqual(fast, full, `${label}: t list ${args.join(' ')}`);
  }
}

test('t list from the order file prints the bytes the full path prints, for people and for --json', async (t) => {
  const { dir, ws, ids } = await mixedBoard(t);
  list(dir, ['--limit', '1']); // builds the order file
  assert.ok(readFileSync(orderFile(dir), 'utf8').startsWith('orc-order\t2\t'));
  assertSameAsFull(dir, [...HUMAN, ...JSON_ARGS], 'built');
  const shown = list(dir, ['--limit', '2']);
  assert.deepEqual(
    shown.stdout
      .split('\n')
      .slice(1, 3)
      .map((l) => l.split('\t')[0]),
    [ids.schema.id, ids.api.id],
    'open work first, most urgent first',
  );
  assert.match(
    shown.stderr,
    /^2 of 16 tasks shown; --all for 3 done and cancelled, --runs for 1 run steps, --limit for 10 more/,
  );

  // Served from the order file indeed: a title changed there only (same length) shows.
  const built = readFileSync(orderFile(dir), 'utf8');
  writeFileSync(orderFile(dir), built.replace('Design the schema', 'Design the SCHEMA'));
  assert.match(list(dir, []).stdout, /Design the SCHEMA/);
  writeFileSync(orderFile(dir), built);

  // Written after the order file was built: merged in from the full journal's tail.
  const late = await addTask(ws, {
    workstream: 'build',
    title: 'Urgent late',
    priority: 0,
    deps: [ids.done.id],
  });
  await cancelTask(ws, ids.schema.id);
  await claimTask(ws, ids.step.id, 'ada');
  assertSameAsFull(dir, SOME, 'merged');
  assert.equal(readFileSync(orderFile(dir), 'utf8'), built, 'merged, not built again');
  assert.equal(list(dir, ['--limit', '1']).stdout.split('\n')[1].split('\t')[0], late.id);
});

test('listTasks from the order file equals the full path for every filter and narrowing', async (t) => {
  const { ws } = await mixedBoard(t);
  const queries = [
    {},
    { hideFinished: true },
    { hideRuns: true, limit: 4 },
    { limit: 2 },
    { status: 'claimed' },
    { workstream: 'run-r1', hideFinished: true },
    { agent: 'ada' },
    { tag: 'x', limit: 1 },
  ];
  for (const query of queries)
    assert.deepEqual(
      await listTasks(ws, query),
      await listTasks(ws, { ...query, search: '' }),
      JSON.stringify(query),
    );
});

test('t list after changes behind orc (a file edited, one removed) and with the order file damaged', async (t) => {
  const { dir, ids } = await mixedBoard(t);
  list(dir, ['--limit', '1']);
  const edited = JSON.parse(readFileSync(taskFile(dir, ids.later.id), 'utf8'));
  writeFileSync(
    taskFile(dir, ids.later.id),
    `${JSON.stringify({ ...edited, priority: 0, title: 'Edited' }, null, 2)}\n`,
  );
  rmSync(taskFile(dir, ids.api.id));
  const first = list(dir, []); // the full path, which brings the journal up to date
  assert.match(first.stdout, /Edited/);
  assert.doesNotMatch(first.stdout, /Build the API/);
  assert.deepEqual(list(dir, []), first, 'then served from the order file, the same');
  assertSameAsFull(dir, SOME, 'after an outside change');

  truncateSync(orderFile(dir), 200); // cut short: seen, built again
  assertSameAsFull(dir, [[], ['--json', '--limit', '2']], 'rebuilt after damage');
  rmSync(orderFile(dir));
  assertSameAsFull(dir, [['--json']], 'rebuilt when missing');
});
