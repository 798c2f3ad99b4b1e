import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cycleSkips, planCycle } from '../dist/lib/board/cycles.js';
import { orc, orcJson, readEventsFile, tempWorkspace } from './helpers.js';

function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'api', '', '1']);
  orcJson(dir, ['ws', 'create', 'docs', '', '2']);
  orcJson(dir, ['a', 'register', 'ada', 'dev', '--capabilities', 'db,api']);
  orcJson(dir, ['a', 'register', 'bob', 'writer', '--capabilities', 'writing']);
  return dir;
}

test('cycle plan: parallel unless a resource is shared or locked; each free agent fits one task', (t) => {
  const dir = board(t);
  const migrate = orcJson(dir, [
    't',
    'add',
    'api',
    'migrate orders',
    '',
    '1',
    '--tag',
    'db',
    '--tag',
    'res:database',
  ]);
  const reindex = orcJson(dir, ['t', 'add', 'api', 'reindex orders', '', '2', '--tag', 'res:database']);
  const guide = orcJson(dir, ['t', 'add', 'docs', 'write the guide', '', '1', '--tag', 'writing']);
  const deploy = orcJson(dir, ['t', 'add', 'docs', 'publish', '', '2', '--tag', 'res:website']);
  orcJson(dir, ['t', 'add', 'docs', 'after the guide', '', '0', '--dep', guide.id]);
  orcJson(dir, ['lock', 'acquire', 'website', 'someone']);
  const plan = orcJson(dir, ['cycle', 'plan']);
  assert.match(plan.cycle, /^c-/);
  const api = plan.workstreams.find((w) => w.name === 'api');
  assert.deepEqual(
    api.parallel.map((x) => [x.id, x.agent]),
    [[migrate.id, 'ada']],
  );
  assert.deepEqual(
    api.serial.map((x) => [x.id, x.waitsFor]),
    [[reindex.id, 'resource database is used by a more urgent task']],
  );
  const docs = plan.workstreams.find((w) => w.name === 'docs');
  assert.deepEqual(
    docs.parallel.map((x) => [x.id, x.agent]),
    [[guide.id, 'bob']],
  );
  assert.deepEqual(
    docs.serial.map((x) => [x.id, x.waitsFor]),
    [[deploy.id, 'resource website is locked']],
  );
  assert.deepEqual(plan.freeAgents.sort(), ['ada', 'bob']);
});

test('planCycle is pure: an agent holding a claim is not free', () => {
  const now = Date.now();
  const task = (id, extra = {}) => ({
    v: 1,
    id,
    workstream: 'w',
    title: id,
    description: '',
    priority: 3,
    status: 'open',
    tags: [],
    deps: [],
    claim: null,
    attempts: 0,
    result: null,
    reason: null,
    createdBy: 'x',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  });
  const tasks = new Map([
    ['t-a', task('t-a')],
    [
      't-b',
      task('t-b', {
        status: 'claimed',
        claim: {
          agent: 'busy',
          token: 'x',
          claimedAt: '2026-01-01T00:00:00.000Z',
          expiresAt: new Date(now + 60_000).toISOString(),
        },
      }),
    ],
  ]);
  const streams = [{ name: 'w', status: 'active', priority: 1 }];
  const agents = [
    { id: 'busy', state: 'live', capabilities: [] },
    { id: 'idle', state: 'live', capabilities: [] },
    { id: 'gone', state: 'stale', capabilities: [] },
  ];
  const plan = planCycle(tasks, streams, agents, new Set(), 5, now);
  assert.deepEqual(plan.freeAgents, ['idle']);
  assert.equal(plan.workstreams[0].parallel[0].agent, 'idle');
});

test('cycle collect reports what finished since the cycle started, and what is in hand', (t) => {
  const dir = board(t);
  const before = orcJson(dir, ['t', 'add', 'api', 'before the cycle']);
  orcJson(dir, ['t', 'complete', before.id, 'old news']);
  orcJson(dir, ['t', 'add', 'api', 'one', '', '1']);
  orcJson(dir, ['t', 'add', 'api', 'two', '', '2']);
  orcJson(dir, ['t', 'add', 'api', 'three', '', '3']);
  orcJson(dir, ['cycle', 'plan']);
  const first = orcJson(dir, ['t', 'next', 'ada']);
  orcJson(dir, ['t', 'complete', first.id, 'shipped', '--agent', 'ada']);
  const second = orcJson(dir, ['t', 'next', 'ada']);
  orcJson(dir, ['t', 'fail', second.id, 'tests red', '--agent', 'ada']);
  const third = orcJson(dir, ['t', 'next', 'bob']);
  const results = orcJson(dir, ['cycle', 'collect']);
  assert.deepEqual(
    results.completed.map((r) => [r.title, r.agent, r.result]),
    [['one', 'ada', 'shipped']],
  );
  assert.deepEqual(
    results.failed.map((r) => [r.title, r.reason]),
    [['two', 'tests red']],
  );
  assert.deepEqual(
    results.claimed.map((r) => [r.task, r.agent]),
    [[third.id, 'bob']],
  );
  assert.equal(orcJson(dir, ['cycle', 'collect', '--since', '1h']).completed.length, 2);
  assert.equal(orc(['--dir', dir, 'cycle', 'collect', '--since', 'whenever']).code, 2);
});

test('cycle brief never takes a task the plan gave to another agent, nor one it held back for a resource', (t) => {
  const dir = board(t);
  const migrate = orcJson(dir, [
    't',
    'add',
    'api',
    'migrate orders',
    '',
    '1',
    '--tag',
    'db',
    '--tag',
    'res:database',
  ]);
  const reindex = orcJson(dir, ['t', 'add', 'api', 'reindex orders', '', '2', '--tag', 'res:database']);
  const guide = orcJson(dir, ['t', 'add', 'docs', 'write the guide', '', '3', '--tag', 'writing']);
  const plan = orcJson(dir, ['cycle', 'plan']);
  assert.deepEqual(
    plan.workstreams.flatMap((w) => w.parallel.map((x) => [x.id, x.agent])),
    [
      [migrate.id, 'ada'],
      [guide.id, 'bob'],
    ],
  );
  const bob = orcJson(dir, ['cycle', 'brief', 'bob']);
  assert.equal(bob.task.id, guide.id, "bob gets the task the plan gave him, though ada's is more urgent");
  orcJson(dir, ['t', 'complete', guide.id, 'written', '--agent', 'bob']);
  const again = orcJson(dir, ['cycle', 'brief', 'bob']);
  assert.equal(again.task?.id ?? null, null, "not ada's task, nor the one held back behind it");
  const ada = orcJson(dir, ['cycle', 'brief', 'ada']);
  assert.equal(ada.task.id, migrate.id);
  const adaAgain = orcJson(dir, ['cycle', 'brief', 'ada']);
  assert.notEqual(adaAgain.task?.id, reindex.id, 'held back: it shares res:database with a more urgent task');
  assert.equal(orcJson(dir, ['t', 'show', reindex.id]).status, 'open');
});

test('cycle brief <workstream> reads the plan of that workstream and claims nothing', (t) => {
  const dir = board(t);
  const migrate = orcJson(dir, [
    't',
    'add',
    'api',
    'migrate orders',
    '',
    '1',
    '--tag',
    'db',
    '--tag',
    'res:database',
  ]);
  const reindex = orcJson(dir, ['t', 'add', 'api', 'reindex orders', '', '2', '--tag', 'res:database']);
  orcJson(dir, ['cycle', 'plan']);
  const before = readEventsFile(dir).length;
  const text = orc(['--dir', dir, 'cycle', 'brief', 'api']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^# Workstream api/);
  assert.match(text.stdout, new RegExp(`- ${migrate.id} migrate orders \\(open\\): for ada`));
  assert.match(
    text.stdout,
    new RegExp(
      `- ${reindex.id} reindex orders \\(open\\): held back, resource database is used by a more urgent task`,
    ),
  );
  const json = orcJson(dir, ['cycle', 'brief', 'api']);
  assert.equal(json.workstream, 'api');
  assert.match(json.brief, /## Planned this cycle/);
  assert.equal(readEventsFile(dir).length, before, 'nothing claimed, nothing recorded');
  assert.equal(orcJson(dir, ['t', 'show', migrate.id]).status, 'open');
});

test('cycleSkips is pure: planned for others, held back, and tasks needing a resource another agent holds', () => {
  const task = (id, tags = [], status = 'open') => [id, { id, tags, status }];
  const tasks = new Map([
    task('t-a', ['res:db']),
    task('t-b', ['res:db']),
    task('t-c'),
    task('t-d', ['res:db']),
    task('t-e', ['res:web'], 'done'),
    task('t-f', ['res:web']),
  ]);
  const cycle = {
    v: 1,
    id: 'c-1',
    startedAt: '2026-01-01T00:00:00.000Z',
    startedBy: 'x',
    assignments: [
      { task: 't-a', agent: 'ada' },
      { task: 't-b', agent: null, waitsFor: 'resource db is used by a more urgent task' },
      { task: 't-c', agent: 'bob' },
      { task: 't-e', agent: 'ada' },
    ],
  };
  assert.deepEqual([...cycleSkips(cycle, tasks, 'bob')].sort(), ['t-a', 't-b', 't-d', 't-e']);
  assert.deepEqual([...cycleSkips(cycle, tasks, 'ada')].sort(), ['t-b', 't-c']);
});
