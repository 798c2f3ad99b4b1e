import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOP_SIZE, buildSummary, compareKeys } from '../dist/lib/storage/task-summary.js';

// A seeded generator, so that a failure names the board that shows it.
function seeded(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function queueOf(size, random, order) {
  const entries = [];
  for (let i = 0; i < size; i++) {
    const status = random() < 0.7 ? 'open' : random() < 0.5 ? 'claimed' : 'done';
    entries.push({
      id: `t-${String(i).padStart(12, '0')}`,
      workstream: 'build',
      priority: Math.floor(random() * 4),
      status,
      tags: [],
      deps: [],
      // Few distinct times, so that ties fall to the id.
      createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(random() * 50))).toISOString(),
      claim: null,
      lost: [],
    });
  }
  if (order === 'worst first') entries.sort((a, b) => compareKeys(b, a));
  return new Map(entries.map((e) => [e.id, e]));
}

test('the most urgent open tasks are chosen in one pass exactly as sorting them all would', () => {
  for (const [size, order] of [
    [0, 'any'],
    [7, 'any'],
    [TOP_SIZE, 'any'],
    [TOP_SIZE + 1, 'any'],
    [400, 'worst first'],
    [5_000, 'any'],
    [5_000, 'worst first'],
  ]) {
    const queue = queueOf(size, seeded(size + order.length), order);
    const open = [...queue.values()].filter((e) => e.status === 'open').sort(compareKeys);
    const summary = buildSummary(queue, 'stamp');
    const label = `${size} tasks, ${order}`;
    assert.deepEqual(
      summary.top.map((e) => e.id),
      open.slice(0, TOP_SIZE).map((e) => e.id),
      label,
    );
    assert.equal(summary.complete, open.length <= TOP_SIZE, label);
    const bound = open[TOP_SIZE];
    assert.deepEqual(
      summary.bound,
      bound ? { priority: bound.priority, createdAt: bound.createdAt, id: bound.id } : null,
      label,
    );
  }
});
