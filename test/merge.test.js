import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeEventLines, mergeList, mergeTask } from '../dist/lib/records/index.js';
import { mergeOwnedRecord, splitConflict } from '../dist/lib/records/merge.js';
import { recordKindOfPath } from '../dist/lib/storage/record-kinds.js';

const base = {
  v: 1,
  id: 't-000000000001',
  workstream: 'build',
  title: 'base',
  description: '',
  priority: 3,
  status: 'open',
  tags: ['a'],
  deps: [],
  claim: null,
  attempts: 0,
  result: null,
  reason: null,
  createdBy: 'x',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const claim = (agent, at) => ({
  agent,
  token: `tok-${agent}`,
  claimedAt: at,
  expiresAt: '2026-01-02T00:00:00.000Z',
});
const edit = (changes, at) => ({ ...base, ...changes, updatedAt: at });

test('mergeTask: the earlier of two claims wins and the other is recorded as lost', () => {
  const ours = edit(
    { status: 'claimed', claim: claim('late', '2026-01-01T02:00:00.000Z'), attempts: 1 },
    '2026-01-01T02:00:00.000Z',
  );
  const theirs = edit(
    { status: 'claimed', claim: claim('early', '2026-01-01T01:00:00.000Z'), attempts: 1 },
    '2026-01-01T01:00:00.000Z',
  );
  for (const merged of [mergeTask(base, ours, theirs), mergeTask(base, theirs, ours)]) {
    assert.equal(merged.claim.agent, 'early');
    assert.deepEqual(merged.lost, [
      { agent: 'late', token: 'tok-late', claimedAt: '2026-01-01T02:00:00.000Z', lostTo: 'early' },
    ]);
  }
});

test('mergeTask: finished beats open, and a claim overridden by completion is lost', () => {
  const ours = edit({ status: 'done', result: 'r' }, '2026-01-01T01:00:00.000Z');
  const theirs = edit(
    { status: 'claimed', claim: claim('b', '2026-01-01T02:00:00.000Z') },
    '2026-01-01T02:00:00.000Z',
  );
  const merged = mergeTask(base, ours, theirs);
  assert.deepEqual([merged.status, merged.claim, merged.result], ['done', null, 'r']);
  assert.deepEqual(
    merged.lost.map((l) => [l.agent, l.lostTo]),
    [['b', 'done']],
  );
});

test('mergeTask: a holder finishing its own claim on one side is not a lost claim', () => {
  const held = edit(
    { status: 'claimed', claim: claim('a', '2026-01-01T01:00:00.000Z') },
    '2026-01-01T01:00:00.000Z',
  );
  const done = { ...held, status: 'done', claim: null, updatedAt: '2026-01-01T03:00:00.000Z' };
  const renewed = {
    ...held,
    claim: { ...held.claim, expiresAt: '2026-01-03T00:00:00.000Z' },
    updatedAt: '2026-01-01T02:00:00.000Z',
  };
  const merged = mergeTask(held, done, renewed);
  assert.equal(merged.status, 'done');
  assert.equal(merged.lost, undefined);
});

test('mergeTask: text fields take the later edit; one-sided edits both survive; tags merge as sets', () => {
  const ours = edit({ title: 'ours', priority: 1, tags: ['a', 'x'] }, '2026-01-01T01:00:00.000Z');
  const theirs = edit(
    { title: 'theirs (later)', description: 'only theirs', tags: ['y'] },
    '2026-01-01T02:00:00.000Z',
  );
  const merged = mergeTask(base, ours, theirs);
  assert.deepEqual(
    [merged.title, merged.priority, merged.description, merged.tags],
    ['theirs (later)', 1, 'only theirs', ['x', 'y']],
  );
  assert.deepEqual(Object.keys(merged), Object.keys(base), 'stored key order');
});

test('mergeList keeps additions from both sides and drops removals from either', () => {
  assert.deepEqual(mergeList(['a', 'b'], ['a', 'b', 'c'], ['b', 'd']), ['b', 'c', 'd']);
});

test('mergeEventLines: union, each id once, in timestamp order; marker lines dropped; junk kept last', () => {
  const e = (id, ts) => JSON.stringify({ id, ts, actor: 'x', type: 't', subject: '', data: {} });
  const ours = [e('e-1', '2026-01-01T00:00:01Z'), e('e-3', '2026-01-01T00:00:03Z')].join('\n');
  const theirs = [
    e('e-1', '2026-01-01T00:00:01Z'),
    e('e-2', '2026-01-01T00:00:02Z'),
    '<<<<<<< HEAD',
    'junk',
  ].join('\n');
  const merged = mergeEventLines(ours, theirs);
  assert.deepEqual(
    merged.text
      .trim()
      .split('\n')
      .map((line) => (line.startsWith('{') ? JSON.parse(line).id : line)),
    ['e-1', 'e-2', 'e-3', 'junk'],
  );
  assert.equal(merged.duplicates, 1);
  assert.equal(merged.eventText.includes('junk'), false);
});

test('splitConflict separates the two sides of conflict markers (diff3 style too)', () => {
  const text = 'same\n<<<<<<< HEAD\nours\n||||||| base\nold\n=======\ntheirs\n>>>>>>> side\nend\n';
  assert.deepEqual(splitConflict(text), { ours: 'same\nours\nend\n', theirs: 'same\ntheirs\nend\n' });
  assert.equal(splitConflict('no markers\n'), undefined);
});

test('runs and cycles merge whole: the later version wins; paths pick their rule', () => {
  const older = { id: 'r-1', updatedAt: '2026-01-01T00:00:01.000Z', steps: [{ id: 's', status: 'running' }] };
  const newer = { id: 'r-1', updatedAt: '2026-01-01T00:00:02.000Z', steps: [{ id: 's', status: 'done' }] };
  assert.equal(mergeOwnedRecord(older, newer), newer);
  assert.equal(mergeOwnedRecord(newer, older), newer);
  assert.deepEqual(
    [
      'events.jsonl',
      'state/tasks/t-1.json',
      'sub/dir/state/runs/r-1.json',
      'state/cycles/c-1.json',
      'state/agents/a.json',
      'state/policies/p-1.json',
      'state/orc.json',
      'state/tasks/notes.json',
    ].map((path) => recordKindOfPath(path)?.name),
    [undefined, 'task', 'run', 'cycle', 'agent', 'policy', undefined, undefined],
  );
});
