import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcJson, snapshot, tempWorkspace } from './helpers.js';

function seeded(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build', 'Build things', '1']);
  const task = orcJson(dir, ['t', 'add', 'build', 'Ship v1', 'the first release', '1', '--tag', 'ts']);
  orcJson(dir, ['a', 'register', 'a1', 'worker', '--capabilities', 'ts,docs']);
  return { dir, task };
}

test('the agent protocol works end to end through the CLI', (t) => {
  const { dir, task } = seeded(t);
  const claimed = orcJson(dir, ['t', 'next', 'a1']);
  assert.equal(claimed.id, task.id);
  assert.equal(claimed.claim.agent, 'a1');
  const beat = orcJson(dir, ['a', 'heartbeat', 'a1']);
  assert.deepEqual(
    beat.renewed.map((r) => r.id),
    [task.id],
  );
  const done = orcJson(dir, ['t', 'complete', task.id, 'released v1', '--token', claimed.claim.token]);
  assert.deepEqual([done.status, done.result], ['done', 'released v1']);
  assert.equal(orcJson(dir, ['t', 'next', 'a1']), null, 'nothing left: JSON null, exit 0');
  const status = orcJson(dir, ['status']);
  assert.equal(status.workstreams[0].counts.done, 1);
  assert.equal(status.agents[0].state, 'live');
});

test('t next [ws] <agent> takes the workstream as an optional first argument', (t) => {
  const { dir } = seeded(t);
  orcJson(dir, ['ws', 'create', 'docs']);
  assert.equal(orcJson(dir, ['t', 'next', 'docs', 'a1']), null);
  assert.equal(orcJson(dir, ['t', 'next', 'build', 'a1']).workstream, 'build');
});

test('--json and --dir may follow the command; human output has no colour off a terminal', (t) => {
  const { dir } = seeded(t);
  const run = orc(['t', 'list', '--dir', dir, '--json']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.json().length, 1);
  const human = orc(['--dir', dir, 't', 'list'], { env: { NO_COLOR: '' } });
  assert.match(human.stdout, /Ship v1/);
  assert.ok(!human.stdout.includes('\u001b['), 'no ANSI escapes');
});

test('output piped into a reader that stops early ends quietly (no EPIPE trace)', async (t) => {
  const { dir } = seeded(t);
  // More than a pipe's 64 KB buffer, so the writer is still writing when `head` has gone.
  const { appendFileSync } = await import('node:fs');
  const line = (i) =>
    JSON.stringify({
      id: `e-filler${i}`,
      ts: new Date().toISOString(),
      actor: 'x',
      type: 'filler',
      subject: '',
      data: {},
    });
  appendFileSync(
    join(dir, 'events.jsonl'),
    `${Array.from({ length: 3000 }, (_, i) => line(i)).join('\n')}\n`,
  );
  const { BIN } = await import('./helpers.js');
  const { spawnSync } = await import('node:child_process');
  const run = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" --dir "${dir}" events | head -n 1`], {
    encoding: 'utf8',
  });
  assert.equal(run.stdout.trim().split('\n').length, 1);
  assert.doesNotMatch(run.stderr, /EPIPE|at /);
});

test('--help and --version exit 0; an unknown command exits 2 with one line', () => {
  assert.equal(orc(['--help']).code, 0);
  assert.match(orc(['t', '--help']).stdout, /next/);
  assert.match(orc(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
  const bad = orc(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command/);
  const json = orc(['--json', 't', 'add']);
  assert.equal(json.code, 2);
  assert.deepEqual(Object.keys(JSON.parse(json.stderr).error), ['code', 'message']);
});

// Each case: argv after `--dir <dir>`, expected exit code, expected message. State must not change.
const BAD_INPUT = [
  [['t', 'add', 'build', ''], 2, /title must not be empty/],
  [['t', 'add', 'build', 'x', '', 'urgent'], 2, /priority must be a whole number, not the string "urgent"/],
  [['t', 'add', 'build', 'x', '', '-1'], 2, /priority/],
  [['t', 'add', 'nope', 'x'], 3, /workstream "nope" not found/],
  [['t', 'add', 'build', 'x', '--dep', 't-zzzzzzzzzzzz'], 3, /task "t-zzzzzzzzzzzz" not found/],
  [['t', 'add', 'build'], 2, /missing required argument 'title'/],
  [['t', 'show', 't-zzzzzzzzzzzz'], 3, /not found/],
  [['t', 'show', '../../etc/passwd'], 2, /not a task id/],
  [['t', 'claim', 'TASK', 'ghost'], 3, /not registered/],
  [['t', 'claim', 'TASK', 'a1', '--ttl', 'forever'], 2, /not a duration/],
  [['t', 'complete', 'TASK', 'r', '--agent', 'a2'], 8, /held by a1/],
  [['t', 'list', '--status', 'weird'], 2, /--status must be one of open.*"weird"/],
  [['t', 'update', 'TASK'], 2, /nothing to update/],
  [['t', 'update', 'TASK', '--dep', 'TASK'], 2, /itself/],
  [['ws', 'create', 'build'], 4, /already exists/],
  [['ws', 'create', '../evil'], 2, /not a valid name/],
  [['ws', 'create', 'x', '', '99'], 2, /priority/],
  [['a', 'register', 'bad/id'], 2, /not a valid name/],
  [['a', 'heartbeat', 'ghost'], 3, /not registered/],
  [['lock', 'acquire', 'db', 'a2'], 4, /held by a1/],
  [['lock', 'release', 'db', 'a2'], 4, /only its owner/],
  [['lock', 'release', 'nothing', 'a1'], 3, /not held/],
  [['events', '--since', 'yesterday-ish'], 2, /neither a date nor a duration/],
  [['events', '--last', 'many'], 2, /whole number/],
];

test('bad input: a one-line error, a documented exit code, no stack trace, nothing stored changes', (t) => {
  const { dir, task } = seeded(t);
  orcJson(dir, ['a', 'register', 'a2']);
  orcJson(dir, ['t', 'claim', task.id, 'a1']);
  orcJson(dir, ['lock', 'acquire', 'db', 'a1']);
  const before = snapshot(dir);
  for (const [args, code, message] of BAD_INPUT) {
    const argv = args.map((a) => (a === 'TASK' ? task.id : a));
    const run = orc(['--dir', dir, ...argv]);
    const label = `orc ${argv.join(' ')}`;
    assert.equal(run.code, code, `${label}: exit ${run.code}, stderr ${run.stderr}`);
    assert.match(run.stderr, message, label);
    assert.equal(run.stderr.trim().split('\n').length, 1, `${label}: one line`);
    assert.doesNotMatch(run.stderr, /\n\s+at /, `${label}: no stack`);
    assert.equal(run.stdout, '', `${label}: nothing on stdout`);
    const json = orc(['--dir', dir, '--json', ...argv]);
    assert.equal(json.code, code, `${label} --json`);
    assert.equal(JSON.parse(json.stderr).error.message.length > 0, true);
  }
  assert.equal(snapshot(dir), before, 'no bad input changed the workspace');
});

// Options a command parses before it writes anything: each is refused with exit 2 and one line, and
// the workspace (state files, events.jsonl, knowledge/) is byte for byte what it was.
const BAD_OPTIONS = [
  [['t', 'next', 'a1', '--brief', '--budget', 'abc'], /--budget must be a whole number/],
  [['t', 'next', 'build', 'a1', '--brief', '--budget', ''], /--budget must be a whole number/],
  [['t', 'next', 'a1', '--budget', '10'], /--budget must be at least 500, not 10/],
  [['t', 'next', 'a1', '--ttl', '0'], /--ttl "0" must be greater than zero/],
  [['t', 'claim', 'TASK', 'a1', '--ttl', '1e3'], /--ttl "1e3" is not a duration/],
  [['brief', 'TASK', '--budget', '1e3'], /--budget must be a whole number/],
  [['cycle', 'plan', '--per', 'abc'], /--per must be a whole number/],
  [['cycle', 'plan', '--per', '0'], /--per must be a whole number from 1/],
  [['cycle', 'brief', 'a1', '--budget', 'lots'], /--budget must be a whole number/],
  [['memory', 'prune', '--budget', ''], /--budget must be a whole number ≥ 0, not ""/],
  [['memory', 'prune', '--budget', '-1'], /--budget must be a whole number/],
  [['memory', 'prune', '--budget', '0x1'], /--budget must be a whole number/],
  [['log', 'deploy.done', 'null'], /event data "null" must be a JSON object/],
  [['log', 'deploy.done', '[1]'], /must be a JSON object/],
  [['log', 'deploy.done', '{oops'], /is not JSON/],
  [['--actor', '', 't', 'add', 'build', 'x'], /--actor "" must be one line/],
  [['--actor', 'two\nlines', 'a', 'register', 'a3'], /--actor .* must be one line/],
  [['sync', '--retries', 'many'], /--retries must be a whole number from 0 to 50/],
  [['sync', '--retries', ''], /--retries must be a whole number/],
  [['sync', '-m', ' '], /--message must not be empty/],
  [['run', 'ship it', '--concurrency', 'abc'], /--concurrency must be a whole number/],
  [['run', 'ship it', '--concurrency', '0'], /--concurrency must be at least 1, not 0/],
  [['run', 'list', '--status', 'weird'], /--status must be one of running.*"weird"/],
  [['t', 'list', '--status', 'weird'], /--status must be one of open.*"weird"/],
  [
    ['kb', 'search', 'x', '--mode', 'bogus'],
    /--mode must be one of lexical, semantic, hybrid, not the string "bogus"/,
  ],
  [['lock', 'acquire', 'db', 'a1', '--wait', 'soon'], /--wait "soon" is not a duration/],
  [['a', 'heartbeat', 'a1', '--ttl', '-5m'], /--ttl "-5m" is not a duration/],
  [
    ['policy', 'add', '--agent', 'x', '--gate', 'sideways', '--reason', 'r'],
    /--gate "sideways" must be before or after/,
  ],
  [['serve', '--port', ''], /--port must be a whole number from 0 to 65535/],
  [['worker', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 256/],
  [['events', '--last', ''], /--last must be a whole number/],
];

test('every option is validated before anything is written: exit 2, one line, nothing stored changes', (t) => {
  const { dir, task } = seeded(t);
  mkdirSync(join(dir, 'knowledge/runs'), { recursive: true });
  writeFileSync(join(dir, 'knowledge/runs/r-note.md'), '---\nupdated: 2020-01-01\n---\n# a memory\n');
  for (const [args, message] of BAD_OPTIONS) {
    const argv = args.map((a) => (a === 'TASK' ? task.id : a));
    const label = `orc ${argv.join(' ')}`;
    for (const json of [false, true]) {
      const before = snapshot(dir);
      const run = orc(['--dir', dir, ...(json ? ['--json'] : []), ...argv]);
      assert.equal(run.code, 2, `${label}: exit ${run.code}, stderr ${run.stderr}`);
      assert.equal(run.stdout, '', `${label}: nothing on stdout`);
      assert.equal(run.stderr.trim().split('\n').length, 1, `${label}: one line`);
      assert.match(json ? JSON.parse(run.stderr).error.message : run.stderr, message, label);
      assert.equal(snapshot(dir), before, `${label}: nothing stored changed`);
    }
  }
  assert.equal(orcJson(dir, ['t', 'show', task.id]).status, 'open', 'the task was never claimed');
});

test('a corrupt state file is named, never overwritten, and fails every reader with exit 6', (t) => {
  const { dir, task } = seeded(t);
  const path = join(dir, 'state/tasks', `${task.id}.json`);
  writeFileSync(path, '{"v": 1, "id": ');
  const before = snapshot(dir);
  for (const args of [['t', 'list'], ['t', 'show', task.id], ['t', 'next', 'a1'], ['status']]) {
    const run = orc(['--dir', dir, ...args]);
    assert.equal(run.code, 6, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, new RegExp(`state/tasks/${task.id}\\.json is not valid JSON`));
  }
  writeFileSync(path, '{"v": 1, "id": "t-000000000000"}\n');
  const wrong = orc(['--dir', dir, 't', 'list']);
  assert.equal(wrong.code, 6);
  assert.match(wrong.stderr, /is not a valid task: .*workstream: is missing; title: is missing/);
  assert.notEqual(snapshot(dir), before);
});

test('a malformed orchestrator.yaml is reported with its line', (t) => {
  const { dir } = seeded(t);
  writeFileSync(join(dir, 'orchestrator.yaml'), 'board:\n  claim_ttl: [\n');
  const run = orc(['--dir', dir, 't', 'next', 'a1']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /orchestrator.yaml does not parse/);
  writeFileSync(join(dir, 'orchestrator.yaml'), 'board:\n  claim_ttl: soon\n');
  assert.match(orc(['--dir', dir, 't', 'next', 'a1']).stderr, /board.claim_ttl "soon" is not a duration/);
});
