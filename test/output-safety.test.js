// Text from storage never reaches a terminal or an event stream with control characters in it, and
// free text has bounded sizes (issue 14).
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcJson, sleep, tempWorkspace } from './helpers.js';
import { TOKEN, startServe } from './http-helpers.js';
import { runWorkspace } from './run-helpers.js';

/** An event line as a merge could bring it: escapes and line breaks in every text field. */
const HOSTILE = {
  id: 'e-evil\ndata: {"forged":true}\n\nid: e-x',
  ts: '2026-01-01T00:00:00.000Z',
  actor: 'mallory\u001b[2J\u001b]0;pwned\u0007\nforged actor line',
  type: 'task.added\u001b[31m\r\nforged type line',
  subject: 't-evil\u009b2J\nforged subject line',
  data: { note: 'x\u001b[1;1H\u007fy' },
};

function hostileWorkspace(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend']);
  orcJson(dir, ['t', 'add', 'backend', 'An honest task']);
  appendFileSync(join(dir, 'events.jsonl'), `${JSON.stringify(HOSTILE)}\n`);
  return dir;
}

/**
 * No raw control character but the line breaks between printed lines and the tabs between the cells
 * of a table printed for a pipe (a tab inside a value is printed as a space or escaped), and no forged line.
 */
function assertClean(text, what) {
  const raw = [...text].find((ch) => ch !== '\n' && ch !== '\t' && /\p{Cc}/u.test(ch));
  assert.equal(raw, undefined, `${what} has a raw control character`);
  for (const line of text.split('\n'))
    assert.doesNotMatch(line, /^forged/, `${what} has a forged line: ${line}`);
}

test('merged event lines with escapes and line breaks print escaped in events, status and task lists', (t) => {
  const dir = hostileWorkspace(t);
  const events = orc(['--dir', dir, 'events']);
  assert.equal(events.code, 0, events.stderr);
  assertClean(events.stdout, 'orc events');
  assert.match(events.stdout, /mallory\\x1b\[2J\\x1b\]0;pwned\\x07\\nforged actor line/);
  assert.match(events.stdout, /t-evil\\x9b2J\\nforged subject line/);
  const status = orc(['--dir', dir, 'status']);
  assert.equal(status.code, 0, status.stderr);
  assertClean(status.stdout, 'orc status');
  assert.match(status.stdout, /mallory\\x1b/);
  const list = orc(['--dir', dir, 't', 'list']);
  assert.equal(list.code, 0, list.stderr);
  assertClean(list.stdout, 't list');
  // JSON stays JSON, with every control character escaped (DEL and C1 too, which JSON.stringify keeps).
  const json = orc(['--dir', dir, '--json', 'events']);
  assertClean(json.stdout, 'orc --json events');
  assert.deepEqual(JSON.parse(json.stdout).at(-1), HOSTILE);
});

test('a corrupt event line with escapes is reported escaped', (t) => {
  const dir = hostileWorkspace(t);
  appendFileSync(join(dir, 'events.jsonl'), 'not json \u001b[2J\u0007\n');
  const events = orc(['--dir', dir, 'events']);
  assert.equal(events.code, 0, events.stderr);
  assertClean(events.stderr, 'the corrupt-line warning');
  assert.match(events.stderr, /not json \\x1b\[2J\\x07/);
});

test('events --follow prints a merged hostile event as one escaped line', async (t) => {
  const dir = hostileWorkspace(t);
  const { spawn } = await import('node:child_process');
  const { BIN, ROOT } = await import('./helpers.js');
  const child = spawn(process.execPath, [BIN, '--dir', dir, 'events', '--follow', '--type', 'task.'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester' },
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 10_000;
  while (!out.includes('mallory') && Date.now() < deadline) await sleep(20);
  child.kill('SIGTERM');
  await exited;
  assertClean(out, 'events --follow');
  assert.match(out, /mallory\\x1b/);
});

test('the event stream sends a hostile merged event as exactly one frame', async (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend']);
  const { url } = await startServe(t, dir);
  const res = await fetch(`${url}/api/events/stream?token=${TOKEN}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  await sleep(300);
  appendFileSync(join(dir, 'events.jsonl'), `${JSON.stringify(HOSTILE)}\n`);
  orcJson(dir, ['t', 'add', 'backend', 'After the hostile one']);
  const deadline = Date.now() + 10_000;
  while (!text.includes('After the hostile one') && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), sleep(Math.max(0, deadline - Date.now()))]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  await reader.cancel();
  const frames = text
    .split('\n\n')
    .filter((f) => f.includes('data:'))
    .map((f) => f.split('\n'));
  assert.equal(frames.length, 2, text);
  for (const lines of frames) {
    for (const line of lines) assert.match(line, /^(id|data): /, `a line outside a field: ${line}`);
    assert.equal(lines.filter((l) => l.startsWith('data: ')).length, 1);
  }
  assert.deepEqual(JSON.parse(frames[0].find((l) => l.startsWith('data: ')).slice(6)), HOSTILE);
  assert.equal(
    frames[0].some((l) => l.startsWith('id: ')),
    false,
    'an id with a line break is left out',
  );
  assert.doesNotMatch(text, /^data: \{"forged"/m);
});

test('control characters typed in an actor, event type or subject are refused with exit 2', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend']);
  const before = readFileSync(join(dir, 'events.jsonl'), 'utf8');
  const cases = [
    [['log', 'a\nb']],
    [['log', 'deploy.done', '--subject', 'x\ny']],
    [['log', 'deploy.done', '--subject', 'x\u001b[2J']],
    [['--actor', 'x\u001b', 'log', 'deploy.done']],
    [['--actor', 'a'.repeat(101), 'log', 'deploy.done'], undefined, /100/],
    [['log', 'deploy.done'], { ORC_ACTOR: 'evil\nforged' }, /ORC_ACTOR/],
    [['t', 'add', 'backend', 'ok'], { ORC_ACTOR: 'evil\u001b[2J' }, /ORC_ACTOR/],
  ];
  for (const [args, env, message] of cases) {
    const run = orc(['--dir', dir, ...args], { env });
    assert.equal(run.code, 2, `${JSON.stringify(args)}: ${run.stderr}`);
    if (message) assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
  assert.equal(readFileSync(join(dir, 'events.jsonl'), 'utf8'), before, 'nothing was recorded');
});

test('results, reasons, notes and event data have the same 20,000-character limit as descriptions', (t) => {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'backend']);
  orcJson(dir, ['agent', 'register', 'a1']);
  const big = 'x'.repeat(20_001);
  const task = orcJson(dir, ['t', 'add', 'backend', 'Big result']);
  orcJson(dir, ['t', 'claim', task.id, 'a1']);
  const refused = [
    [['t', 'complete', task.id, big, '--agent', 'a1'], /result is 20,001 characters: the limit is 20,000/],
    [['t', 'fail', task.id, big, '--agent', 'a1'], /reason is 20,001 characters: the limit is 20,000/],
    [['t', 'add', 'backend', 'Big description', big], /description is 20,001 characters/],
    [['t', 'add', 'backend', 'y'.repeat(201)], /title/],
    [
      ['log', 'deploy.done', JSON.stringify({ big })],
      /event data is \d+ characters as JSON: the limit is 20,000/,
    ],
  ];
  for (const [args, message] of refused) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, 2, `${args[0]} ${args[1]}: ${run.stderr}`);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
  const done = orcJson(dir, ['t', 'complete', task.id, 'x'.repeat(20_000), '--agent', 'a1']);
  assert.equal(done.result.length, 20_000, 'the limit itself is accepted');
});

test('a gate note over 20,000 characters is refused and the gate still waits', (t) => {
  const { dir } = runWorkspace(
    t,
    `  - id: gated
    steps:
      - { id: draft, agent: echo, task: write a draft, gate: after }`,
  );
  const run = orcJson(dir, ['run', '--flow', 'gated', 'ship']);
  assert.equal(run.status, 'waiting_approval');
  const big = 'n'.repeat(20_001);
  for (const args of [
    ['approve', run.id, 'draft', '--note', big],
    ['reject', run.id, 'draft', '--reason', big],
  ]) {
    const refused = orc(['--dir', dir, ...args]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /(--note|--reason) is 20,001 characters: the limit is 20,000/);
  }
  assert.equal(orcJson(dir, ['run', 'status', run.id]).steps[0].status, 'waiting_approval');
});

test('an error message quoting a value with an escape sequence prints it escaped', () => {
  const run = orc(['--dir', '/nonexistent-\u001b[2Jx', 'status']);
  assert.equal(run.code, 5, run.stderr);
  assert.match(run.stderr, /nonexistent-\\x1b\[2Jx/);
  assert.equal(run.stderr.includes('\u001b'), false);
});
