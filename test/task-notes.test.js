// Task notes: `orc t note`, shown by `t show` and in briefs, bounded, merged as a union.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { addTaskNote, findWorkspace, getTask } from '../dist/lib/index.js';
import { mergeTask, validateTask } from '../dist/lib/records/index.js';
import { orc, orcJson, readEventsFile, rejects, tempWorkspace } from './helpers.js';

function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'ada']);
  const task = orcJson(dir, ['t', 'add', 'build', 'Write the parser']);
  return { dir, task };
}

test('t note adds a note with an event each; t show and the brief show them', (t) => {
  const { dir, task } = board(t);
  orcJson(dir, ['t', 'next', 'ada']);
  const first = orcJson(dir, ['t', 'note', task.id, 'tokenizer done', '--agent', 'ada']);
  assert.deepEqual(
    first.notes.map((n) => [n.by, n.text]),
    [['ada', 'tokenizer done']],
  );
  assert.match(first.notes[0].id, /^n-/);
  const human = orc(['--dir', dir, 't', 'note', task.id.slice(0, 6), 'grammar half done\nnext: errors']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /noted on t-\w+ by tester \(2 note\(s\)\)/);
  const events = readEventsFile(dir).filter((e) => e.type === 'task.note');
  assert.deepEqual(
    events.map((e) => [e.subject, e.actor, e.data.text]),
    [
      [task.id, 'ada', 'tokenizer done'],
      [task.id, 'tester', 'grammar half done\nnext: errors'],
    ],
  );
  const show = orc(['--dir', dir, 't', 'show', task.id]);
  assert.match(show.stdout, /note .* by ada: tokenizer done\n/);
  assert.match(show.stdout, /note .* by tester: grammar half done\nnext: errors/);
  assert.equal(orcJson(dir, ['t', 'show', task.id]).notes.length, 2);
  const brief = orc(['--dir', dir, 'brief', task.id]).stdout;
  assert.match(brief, /## Progress notes\n- \S+ ada: tokenizer done\n- \S+ tester: grammar half done/);
  const stored = JSON.parse(readFileSync(join(dir, 'state', 'tasks', `${task.id}.json`), 'utf8'));
  assert.deepEqual(Object.keys(stored.notes[0]), ['id', 'at', 'by', 'text']);
});

test('notes are bounded like other texts and need some text', async (t) => {
  const { dir, task } = board(t);
  const ws = findWorkspace({ dir });
  await rejects(addTaskNote(ws, task.id, 'x'.repeat(20_001)), 'INVALID_INPUT', /note is 20,001 characters/);
  await rejects(addTaskNote(ws, task.id, '  '), 'INVALID_INPUT', /needs some text/);
  await rejects(addTaskNote(ws, task.id, 'a\u0007b'), 'INVALID_INPUT', /control characters/);
  await rejects(addTaskNote(ws, 't-nothere0000', 'x'), 'NOT_FOUND', /t-nothere0000/);
  await rejects(addTaskNote(ws, task.id, 'x', { agent: '../x' }), 'INVALID_INPUT', /not a valid name/);
  assert.equal(orc(['--dir', dir, 't', 'note', task.id, 'x'.repeat(20_001)]).code, 2);
  const ok = await addTaskNote(ws, task.id, 'x'.repeat(20_000), { agent: 'ada' });
  assert.equal(ok.notes[0].text.length, 20_000);
  assert.equal((await getTask(ws, task.id)).notes.length, 1);
});

test('old task files without notes stay valid; merges keep every note once, in time order', () => {
  const base = {
    v: 1,
    id: 't-000000000001',
    workstream: 'build',
    title: 'x',
    description: '',
    priority: 3,
    status: 'open',
    tags: [],
    deps: [],
    claim: null,
    attempts: 0,
    result: null,
    reason: null,
    createdBy: 't',
    createdAt: '2030-01-01T00:00:00.000Z',
    updatedAt: '2030-01-01T00:00:00.000Z',
  };
  assert.equal(validateTask(base, 'old.json').notes, undefined);
  const note = (id, at, text) => ({ id, at: `2030-01-01T00:00:0${at}.000Z`, by: 'ada', text });
  const shared = note('n-1', 1, 'both have it');
  const ours = { ...base, notes: [shared, note('n-3', 3, 'ours')], updatedAt: '2030-01-01T00:00:03.000Z' };
  const theirs = {
    ...base,
    notes: [shared, note('n-2', 2, 'theirs')],
    updatedAt: '2030-01-01T00:00:02.000Z',
  };
  const merged = mergeTask({ ...base, notes: [shared] }, ours, theirs);
  assert.deepEqual(
    merged.notes.map((n) => n.id),
    ['n-1', 'n-2', 'n-3'],
  );
  assert.deepEqual(mergeTask(base, base, base).notes, undefined, 'no notes: no notes key');
  assert.ok(validateTask(merged, 'merged.json'));
});
