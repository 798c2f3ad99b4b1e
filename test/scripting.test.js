// Output for scripts and agents' shells: one field, tab-separated tables, the agent from the session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { orc, orcJson, tempWorkspace } from './helpers.js';

function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  orcJson(dir, ['a', 'register', 'ada']);
  return dir;
}

test('--id-only and --field print one field: of a result, or of each item of a list', (t) => {
  const dir = board(t);
  const add = orc(['--dir', dir, 't', 'add', 'build', 'Ship v1', '--id-only']);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^t-[0-9a-z]+\n$/);
  const id = add.stdout.trim();
  orc(['--dir', dir, 't', 'add', 'build', 'Write docs']);
  const titles = orc(['--dir', dir, 't', 'list', '--field', 'title']);
  assert.deepEqual(titles.stdout.trim().split('\n').sort(), ['Ship v1', 'Write docs']);
  orc(['--dir', dir, 't', 'claim', id, 'ada']);
  assert.equal(orc(['--dir', dir, 't', 'show', id, '--field', 'claim.agent']).stdout, 'ada\n');
  assert.equal(orc(['--dir', dir, 't', 'show', id, '--field', 'tags']).stdout, '[]\n', 'not text: JSON');
});

test('tables are tab-separated lines when stdout is not a terminal', (t) => {
  const dir = board(t);
  orc(['--dir', dir, 't', 'add', 'build', 'Ship\tv1']);
  const out = orc(['--dir', dir, 't', 'list']).stdout.replace(/\n$/, '').split('\n');
  assert.deepEqual(out[0].split('\t'), ['id', 'ws', 'pri', 'status', 'title', 'agent', 'deps']);
  const row = out[1].split('\t');
  assert.equal(row.length, 7);
  assert.deepEqual(row.slice(1, 5), ['build', '3', 'open', 'Ship v1'], 'a tab in a cell becomes a space');
  assert.doesNotMatch(out.join('\n'), /[┌│─]/);
});

test('t next without an agent acts for $ORC_AGENT, and says how to name one when nothing does', (t) => {
  const dir = board(t);
  orc(['--dir', dir, 't', 'add', 'build', 'Ship v1']);
  const env = { ORC_AGENT: 'ada', CODEX_THREAD_ID: '' };
  const claimed = orcJson(dir, ['t', 'next'], { env });
  assert.equal(claimed.claim.agent, 'ada');
  const nobody = orc(['--dir', dir, 't', 'next'], { env: { ORC_AGENT: '', CODEX_THREAD_ID: '' } });
  assert.equal(nobody.code, 2);
  assert.match(nobody.stderr, /^orc: agent: say which agent \(nobody: set ORC_AGENT or pass --agent\)\n$/);
});

test('t add with a bare number where the description goes takes it as the priority', (t) => {
  const dir = board(t);
  const task = orcJson(dir, ['t', 'add', 'build', 'Seed data', '2']);
  assert.deepEqual([task.priority, task.description], [2, '']);
  const described = orcJson(dir, ['t', 'add', 'build', 'Seed data', 'fill the tables', '1']);
  assert.deepEqual([described.priority, described.description], [1, 'fill the tables']);
});
