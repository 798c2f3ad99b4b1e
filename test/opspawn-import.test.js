// `orc import`: an OpSpawn orchestrator's data folder (state.json, events.jsonl, knowledge/) into a
// workspace, through the binary: counts, the board, the log and the knowledge base afterwards; a second
// import skips everything; hostile entries are skipped with a reason and write nothing.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, orc, orcJson, snapshot, tempDir, tempWorkspace } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'opspawn');

/** The fixture copied, its lock taken just now (a lock in the fixture itself expired long ago). */
function liveFixture(t) {
  const dir = join(tempDir(t), 'opspawn');
  cpSync(FIXTURE, dir, { recursive: true });
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  state.locks.git.acquired_at = new Date().toISOString();
  state.locks.git.ttl_ms = 3_600_000;
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state, null, 2));
  return dir;
}

test('orc import brings over workstreams, tasks, agents, locks, events and knowledge, and says so', (t) => {
  const dir = tempWorkspace(t);
  const source = liveFixture(t);
  const report = orcJson(dir, ['import', source]);
  assert.deepEqual(report.imported, { workstream: 2, task: 3, agent: 1, lock: 1, event: 5, knowledge: 1 });
  assert.deepEqual(report.skipped, []);

  const tasks = orcJson(dir, ['t', 'list']);
  assert.deepEqual(tasks.map((task) => [task.id, task.workstream, task.status, task.priority]).sort(), [
    ['t-04b29b0b', 'product', 'open', 3],
    ['t-299833bc', 'revenue', 'done', 1],
    ['t-494af3c1', 'revenue', 'claimed', 3],
  ]);
  const done = tasks.find((task) => task.id === 't-299833bc');
  assert.equal(done.result, 'Done: integrated payments');
  assert.equal(done.createdAt, '2026-02-06T07:36:59.474Z');
  assert.equal(tasks.find((task) => task.status === 'claimed').claim.agent, 'agent-1');
  assert.deepEqual(
    orcJson(dir, ['ws', 'list']).map((w) => [w.name, w.priority]),
    [
      ['revenue', 1],
      ['product', 2],
    ],
  );
  const [agent] = orcJson(dir, ['a', 'list']);
  assert.deepEqual([agent.id, agent.role, agent.capabilities], ['agent-1', 'worker', ['research', 'code']]);
  assert.deepEqual(
    orcJson(dir, ['lock', 'list']).map((l) => [l.resource, l.owner]),
    [['git', 'agent-1']],
  );

  // The old lines are events like any other, with their time and actor, and none is called corrupt.
  const events = orc(['--dir', dir, 'events']);
  assert.equal(events.code, 0, events.stderr);
  assert.doesNotMatch(events.stderr, /corrupt/i);
  const completed = orcJson(dir, ['events', '--type', 'task_completed']);
  assert.equal(completed.length, 1);
  assert.deepEqual(
    [completed[0].ts, completed[0].actor, completed[0].subject],
    ['2026-02-06T07:41:39.063Z', 'agent-1', 't-299833bc'],
  );
  assert.equal(completed[0].data.result, 'Done: integrated payments');
  assert.equal(orcJson(dir, ['events', '--agent', 'agent-1']).length, 2);
  assert.equal(orcJson(dir, ['events', '--type', 'import.opspawn']).length, 1);

  assert.match(orcJson(dir, ['kb', 'read', 'api-design']).body, /Use REST for external, events for internal/);
  assert.match(orc(['--dir', dir, 'doctor']).stdout, /healthy/);
});

test('a second import of the same folder changes nothing and says everything is already there', (t) => {
  const dir = tempWorkspace(t);
  const source = liveFixture(t);
  orcJson(dir, ['import', source]);
  const before = snapshot(dir);
  const again = orcJson(dir, ['import', source]);
  assert.deepEqual(again.imported, { workstream: 0, task: 0, agent: 0, lock: 0, event: 0, knowledge: 0 });
  assert.equal(again.skipped.length, 13);
  assert.ok(again.skipped.every((s) => s.reason === 'already in the workspace'));
  assert.equal(snapshot(dir), before);
  const text = orc(['--dir', dir, 'import', source]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /imported .*: 0 workstreams, 0 tasks/);
  assert.match(text.stdout, /event: already in the workspace \(5\)/);
});

test('the fixture as it is: its long-expired lock is skipped with the reason, the rest imported', (t) => {
  const dir = tempWorkspace(t);
  const run = orc(['--dir', dir, 'import', FIXTURE]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /2 workstreams, 3 tasks, 1 agent, 0 locks, 5 events, 1 knowledge document/);
  assert.match(run.stdout, /lock: expired at 2026-02-06T07:43:00.000Z.*git/);
});

test('a hostile folder is skipped entry by entry with reasons and writes nothing', (t) => {
  const dir = tempWorkspace(t);
  const source = tempDir(t);
  const esc = '\u001b[2J';
  writeFileSync(
    join(source, 'state.json'),
    JSON.stringify({
      workstreams: {
        '../evil': {
          description: 'traversal',
          priority: 1,
          tasks: [{ id: 'aaaa1111', title: 'x', status: 'pending' }],
        },
        good: {
          priority: 99,
          tasks: [],
        },
        fine: {
          priority: 1,
          tasks: [
            { id: '../../etc', title: 'bad id', status: 'pending' },
            { id: 'bbbb2222', title: `clear${esc}`, status: 'pending' },
            { id: 'cccc3333', title: 'odd status', status: 'exploded' },
            { id: 'dddd4444', title: 'claimed by nobody valid', status: 'in_progress', assigned_to: 'a/b' },
            'not a task',
          ],
        },
      },
      agents: { 'agent/../x': { type: 'worker' }, ok: { type: `role${esc}` } },
      locks: { [`git${esc}`]: { agent: 'x', acquired_at: new Date().toISOString(), ttl_ms: 60000 } },
    }),
  );
  writeFileSync(
    join(source, 'events.jsonl'),
    [
      'not json',
      JSON.stringify({ ts: 'yesterday', agent: 'a', action: 'x' }),
      JSON.stringify({ ts: '2026-02-06T07:36:50.539Z', agent: `a${esc}`, action: 'x' }),
      JSON.stringify({ ts: '2026-02-06T07:36:50.539Z', agent: 'a', action: 'rm -rf /' }),
      '[1,2]',
    ].join('\n'),
  );
  mkdirSync(join(source, 'knowledge'));
  writeFileSync(join(source, 'knowledge', 'binary.md'), 'a\u0000b');
  writeFileSync(join(source, 'knowledge', ' spaced .md'), 'text');
  symlinkSync('/etc/passwd', join(source, 'knowledge', 'link.md'));
  // Every entry is hostile; `fine` is there already, so its tasks are judged one by one: nothing passes.
  orcJson(dir, ['ws', 'create', 'fine']);
  const before = snapshot(dir);
  const report = orcJson(dir, ['import', source]);
  assert.deepEqual(report.imported, { workstream: 0, task: 0, agent: 0, lock: 0, event: 0, knowledge: 0 });
  assert.equal(snapshot(dir), before, 'nothing written, not even an event');
  const reasons = Object.fromEntries(report.skipped.map((s) => [`${s.kind} ${s.id}`, s.reason]));
  assert.match(reasons['workstream ../evil'], /not a valid name/);
  assert.match(reasons['task aaaa1111'], /its workstream "..\/evil" was skipped/);
  assert.match(reasons['workstream good'], /priority "99" must be a whole number/);
  assert.match(reasons['task ../../etc'], /task id/);
  assert.match(reasons['task bbbb2222'], /title/);
  assert.match(reasons['task cccc3333'], /status "exploded"/);
  assert.match(reasons['task dddd4444'], /assigned_to/);
  assert.match(reasons['agent agent/../x'], /not a valid name/);
  assert.match(reasons['agent ok'], /control characters/);
  assert.ok(report.skipped.some((s) => s.kind === 'lock' && /1 to 200 printable/.test(s.reason)));
  for (const line of [1, 2, 3, 4, 5]) assert.ok(reasons[`event events.jsonl line ${line}`], `line ${line}`);
  assert.match(reasons['knowledge binary'], /control characters/);
  assert.match(reasons['knowledge knowledge/link.md'], /symbolic link/);
  assert.ok(reasons['knowledge  spaced '], JSON.stringify(report.skipped));
  assert.ok(report.skipped.every((s) => !s.id.includes('\u001b') || s.kind !== 'event'));
});

test('a folder that is not an OpSpawn folder is refused', (t) => {
  const dir = tempWorkspace(t);
  const empty = tempDir(t);
  const run = orc(['--dir', dir, '--json', 'import', empty]);
  assert.equal(run.code, 3, run.stderr);
  assert.match(JSON.parse(run.stderr).error.message, /holds no state.json/);
  writeFileSync(join(empty, 'state.json'), '{ not json');
  const bad = orc(['--dir', dir, 'import', empty]);
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /is not JSON/);
});

test('in an OpSpawn folder made a workspace, its old log lines are converted where they are, not called corrupt', (t) => {
  const dir = join(tempDir(t), 'opspawn');
  cpSync(FIXTURE, dir, { recursive: true });
  assert.equal(orc(['init', dir]).code, 0);
  // Before the import orc's log is the OpSpawn log: five lines that are not orc events.
  assert.match(orc(['--dir', dir, 'doctor']).stdout, /5 line\(s\) that are not events/);
  const report = orcJson(dir, ['import', dir]);
  assert.equal(report.imported.event, 5);
  assert.deepEqual(
    report.skipped.map((s) => [s.kind, s.reason]),
    [
      ['lock', 'expired at 2026-02-06T07:43:00.000Z: nothing to carry over'],
      ['knowledge', 'already in the workspace'],
    ],
  );
  const lines = readFileSync(join(dir, 'events.jsonl'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 6, 'the five converted in place and the import event');
  assert.equal(JSON.parse(lines[0]).type, 'workstream_created');
  const events = orc(['--dir', dir, 'events']);
  assert.doesNotMatch(events.stderr, /not a valid event/);
  assert.match(orc(['--dir', dir, 'doctor']).stdout, /healthy/);
  const again = orcJson(dir, ['import', dir]);
  assert.equal(again.imported.event, 0);
  assert.ok(
    again.skipped.every((s) => s.kind !== 'event'),
    JSON.stringify(again.skipped),
  );
});
