// The task summary's file is a log (lib/storage/summary-log.ts): a snapshot, then one delta per
// mutation. What any process reads from it must be the summary rebuilt from the task files.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  addTask,
  completeTask,
  createWorkstream,
  findWorkspace,
  nextTask,
  registerAgent,
  statusSummary,
  updateTask,
} from '../dist/lib/index.js';
import {
  buildSummary,
  loadSummary,
  readAllTaskFiles,
  tasksDirStamp,
  toQueueEntry,
} from '../dist/lib/storage/index.js';
import { forgetSummaryLog, readSummaryLog, rereadSummaryLog } from '../dist/lib/storage/summary-log.js';
import { LIB, nodeScript, tempWorkspace } from './helpers.js';

/** The parts of a summary that say something (dependency statuses only where a waiting task needs them). */
function meaning(summary) {
  const needed = new Set([...summary.waiting.values()].flatMap((e) => e.deps));
  const sorted = (map) => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return {
    stamp: summary.stamp,
    counts: sorted(summary.counts),
    claimed: sorted(summary.claimed),
    lost: sorted(summary.lost),
    waiting: sorted(summary.waiting),
    deps: sorted(summary.depStatus).filter(([id]) => needed.has(id)),
    top: summary.top,
    complete: summary.complete,
    bound: summary.bound,
  };
}

function rebuilt(ws) {
  const queue = new Map([...readAllTaskFiles(ws).values()].map((t) => [t.id, toQueueEntry(t)]));
  return buildSummary(queue, tasksDirStamp(ws));
}

const summaryLines = (dir) =>
  readFileSync(join(dir, '.orc', 'tasks.summary.json'), 'utf8')
    .trimEnd()
    .split('\n');

test('deltas from two processes, read by each: the summary equals one rebuilt from the files', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  await createWorkstream(ws, { name: 'docs' });
  await registerAgent(ws, { id: 'a1' });
  await registerAgent(ws, { id: 'a2' });
  const first = await addTask(ws, { workstream: 'build', title: 'first', priority: 1 });
  for (let i = 0; i < 12; i++)
    await addTask(ws, {
      workstream: i % 3 ? 'build' : 'docs',
      title: `task ${i}`,
      priority: i % 4,
      deps: i % 5 === 0 ? [first.id] : [],
    });
  // The other process: claims for a2, completes one of them, adds a task waiting on the first.
  const other = `
    const lib = await import(${JSON.stringify(LIB)});
    const ws = lib.findWorkspace({ dir: ${JSON.stringify(dir)} });
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await lib.nextTask(ws, { agent: 'a2', another: true }));
    if (got[0]) await lib.completeTask(ws, got[0].id, 'done by a2', { agent: 'a2' });
    await lib.addTask(ws, { workstream: 'docs', title: 'from the other process', deps: [${JSON.stringify(first.id)}] });
  `;
  for (let round = 0; round < 4; round++) {
    const mine = await nextTask(ws, { agent: 'a1', another: true });
    if (round === 1) await completeTask(ws, first.id, 'the first is done', { force: true });
    if (mine) await completeTask(ws, mine.id, 'done by a1', { agent: 'a1' });
    // A task that stays in the top list with new tags and priority: its entry there changes.
    const open = (await loadSummary(ws)).top[0];
    if (open) await updateTask(ws, open.id, { tags: [`round-${round}`], priority: open.priority });
    const child = await nodeScript(other);
    assert.equal(child.code, 0, child.stderr);
    // This process replays what the other appended since its own last write (no rebuild: the log alone).
    const replayed = readSummaryLog(ws);
    assert.ok(replayed, `round ${round}: the log gives a summary`);
    assert.deepEqual(meaning(replayed), meaning(rebuilt(ws)), `round ${round}, replayed`);
    // A process that knows nothing reads the last snapshot and the deltas after it.
    forgetSummaryLog();
    assert.deepEqual(meaning(readSummaryLog(ws) ?? {}), meaning(rebuilt(ws)), `round ${round}, from scratch`);
  }
  const kinds = summaryLines(dir).map((line) => (line.startsWith('{"d":') ? 'delta' : 'snapshot'));
  assert.ok(kinds.filter((k) => k === 'delta').length > 10, 'mutations appended deltas');
  const status = await statusSummary(ws);
  assert.ok(status.workstreams.length === 2);
});

test('a delta carries what changed, not the summary: its size does not grow with the live claims', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await createWorkstream(ws, { name: 'build' });
  await registerAgent(ws, { id: 'a1' });
  for (let i = 0; i < 150; i++) await addTask(ws, { workstream: 'build', title: `task ${i}` });
  const sizes = [];
  for (let i = 0; i < 120; i++) {
    await nextTask(ws, { agent: 'a1', another: true });
    const last = summaryLines(dir).at(-1);
    if (last.startsWith('{"d":')) sizes.push(Buffer.byteLength(last));
  }
  assert.ok(sizes.length > 100, 'most claims appended a delta');
  // Each delta names the top list's ids (shrinking here) and the one task claimed.
  assert.ok(
    sizes.at(-1) <= sizes[0],
    `the last delta (${sizes.at(-1)} B) is no larger than the first (${sizes[0]} B)`,
  );
  forgetSummaryLog();
  const read = readSummaryLog(ws);
  assert.deepEqual(meaning(read), meaning(rebuilt(ws)));
  assert.equal(read.claimed.size, 120);
  assert.equal((await loadSummary(ws)).claimed.size, 120);
});

test('a summary given back unchanged is reused while the file is as it was, read again once it moved on', async (t) => {
  const ws = findWorkspace({ dir: tempWorkspace(t) });
  await createWorkstream(ws, { name: 'build' });
  await addTask(ws, { workstream: 'build', title: 'one' });
  await loadSummary(ws);
  forgetSummaryLog();
  const lent = readSummaryLog(ws);
  assert.equal(rereadSummaryLog(ws, lent), lent, 'the file is as that read left it');
  await addTask(ws, { workstream: 'build', title: 'two' });
  forgetSummaryLog();
  const older = lent;
  const now = readSummaryLog(ws);
  assert.notEqual(rereadSummaryLog(ws, older), older, 'a summary of an older stamp is never given back');
  assert.equal(now.counts.get('build').open, 2);
  assert.equal(rereadSummaryLog(ws, undefined)?.counts.get('build').open, 2);
});
