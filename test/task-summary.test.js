import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOP_SIZE, buildSummary, compareKeys } from '../dist/lib/storage/task-summary.js';
import {
  DELETED,
  END,
  QUEUE_MAGIC,
  endsAt,
  intentLine,
  lastQueueLines,
  parseQueue,
  parseQueueStamps,
  queueLine,
  searchedJournal,
} from '../dist/lib/storage/task-journals.js';

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

test('the queue journal searched by id finds each task by its own line, never by another task naming it', () => {
  const stamp = '1:2:3';
  const task = (id, deps = [], title = id) => ({
    id,
    workstream: 'build',
    priority: 1,
    status: 'open',
    tags: [],
    deps,
    createdAt: '2026-01-01T00:00:00.000Z',
    claim: null,
    title,
  });
  const a = 't-aaaa';
  const c = 't-cccc';
  const text = [
    `${QUEUE_MAGIC}\t4\t${stamp}`,
    queueLine(task(a), stamp, 'f-a1'),
    queueLine(task(c), stamp, 'f-c1'),
    `${END}\t${stamp}`,
    `${DELETED}\t${c}`,
    `${END}\t2:2:2`,
    intentLine([a, c]).trimEnd(),
    queueLine(task('t-bbbb', ['t-x', a]), '3:3:3', 'f-b'), // names a as its last dependency
    queueLine(task(c), '3:3:3', 'f-c2'), // c added back
    `${END}\t3:3:3`,
    '',
  ].join('\n');
  const journal = searchedJournal(Buffer.from(text));
  assert.equal(endsAt(journal, '3:3:3'), true);
  assert.equal(endsAt(journal, '2:2:2'), false);
  const found = lastQueueLines(journal, [a, c, 't-dddd']);
  assert.equal(found.get(a).file, 'f-a1');
  assert.equal(found.get(a).entry.id, a);
  assert.equal(found.get(c).file, 'f-c2');
  assert.equal(found.get('t-dddd'), undefined);
  const removed = searchedJournal(Buffer.from(`${text}${DELETED}\t${a}\n${END}\t4:4:4\n`));
  assert.equal(lastQueueLines(removed, [a]).get(a), undefined, 'a removal after its line');
  const cut = searchedJournal(Buffer.from(text.replace('f-a1', 'f-a1\textra')));
  assert.equal(lastQueueLines(cut, [a]).get(a), null, 'a line that is not whole');
  // The parsers read an intent line as part of its batch: one left alone at the end is a batch cut short.
  assert.equal(parseQueue(text).torn, false);
  assert.equal(parseQueue(`${text}${intentLine([a])}`).torn, true);
  assert.equal(parseQueueStamps(`${text}${intentLine([a])}`), undefined);
});
