import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findWorkspace, logEvent, readEvents } from '../dist/lib/index.js';
import { orc, orcJson, orcAsync, sleep, tempWorkspace } from './helpers.js';

test('every event line has an id, a timestamp, the actor, a type, the subject and data', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  const [event] = orcJson(dir, ['events']);
  assert.deepEqual(Object.keys(event), ['id', 'ts', 'actor', 'type', 'subject', 'data']);
  assert.deepEqual([event.type, event.subject, event.actor], ['workstream.created', 'build', 'tester']);
});

test('events filter by actor, type prefix, subject, since and last', async (t) => {
  const dir = tempWorkspace(t);
  const ws = findWorkspace({ dir });
  await logEvent(ws, { type: 'deploy.started', subject: 'api' }, { actor: 'a1' });
  await logEvent(ws, { type: 'deploy.finished', subject: 'api', data: { version: '2.0' } }, { actor: 'a1' });
  await logEvent(ws, { type: 'note', subject: 'web' }, { actor: 'a2' });
  assert.equal((await readEvents(ws, { actor: 'a1' })).events.length, 2);
  assert.equal((await readEvents(ws, { type: 'deploy.' })).events.length, 2);
  assert.equal(
    (await readEvents(ws, { type: 'deploy' })).events.length,
    0,
    'a type without a dot matches exactly',
  );
  assert.equal((await readEvents(ws, { subject: 'web' })).events.length, 1);
  assert.deepEqual(
    (await readEvents(ws, { last: 1 })).events.map((e) => e.type),
    ['note'],
  );
  assert.equal((await readEvents(ws, { since: Date.now() + 60_000 })).events.length, 0);
  assert.equal(orcJson(dir, ['events', '--since', '1h', '--agent', 'a1', '-n', '1'])[0].data.version, '2.0');
});

test('a corrupt line is reported with its number and skipped, not fatal', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  appendFileSync(join(dir, 'events.jsonl'), '{"torn": \n');
  orcJson(dir, ['ws', 'create', 'docs']);
  const run = orc(['--dir', dir, 'events']);
  assert.equal(run.code, 0);
  assert.match(run.stderr, /line 2 is not a valid event/);
  assert.match(run.stdout, /workstream.created build/);
  assert.match(run.stdout, /workstream.created docs/);
  assert.equal(orc(['--dir', dir, 'status']).code, 0);
});

test('orc log appends a custom event; bad data is refused', (t) => {
  const dir = tempWorkspace(t);
  const event = orcJson(dir, [
    'log',
    'deploy.finished',
    '{"version":"2.0"}',
    '--subject',
    'api',
    '--actor',
    'a1',
  ]);
  assert.deepEqual(
    [event.type, event.subject, event.actor, event.data],
    ['deploy.finished', 'api', 'a1', { version: '2.0' }],
  );
  const bad = orc(['--dir', dir, 'log', 'x', '{nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /is not JSON/);
});

test('events --follow streams new events as JSON lines', async (t) => {
  const dir = tempWorkspace(t);
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('./helpers.js');
  const child = spawn(process.execPath, [
    BIN,
    '--dir',
    dir,
    '--json',
    'events',
    '--follow',
    '--type',
    'workstream.',
  ]);
  t.after(() => child.kill());
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  await sleep(500);
  await orcAsync(['--dir', dir, 'ws', 'create', 'later']);
  await orcAsync(['--dir', dir, 'log', 'other.thing']);
  for (let i = 0; i < 40 && !out.includes('later'); i++) await sleep(100);
  const lines = out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((e) => [e.type, e.subject]),
    [['workstream.created', 'later']],
  );
});
