// The task commands for people, through the real binary: flags, `t list`, `t show`, `t tree`, times.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { dependencyTree, narrowTasks } from '../dist/lib/board/index.js';
import { BIN, orc, orcJson, tempWorkspace } from './helpers.js';

function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'build']);
  return dir;
}

const ok = (dir, args) => {
  const run = orc(['--dir', dir, ...args]);
  assert.equal(run.code, 0, `orc ${args.join(' ')}: ${run.stderr}`);
  return run;
};

/** The rows of `t list` printed for a pipe (tab-separated, header first), as objects. */
function rows(dir, args = []) {
  const run = ok(dir, ['t', 'list', ...args]);
  const [head, ...lines] = run.stdout.replace(/\n$/, '').split('\n');
  if (head === 'no tasks match') return { rows: [], count: run.stderr.trim() };
  const names = head.split('\t');
  const out = lines.map((l) => Object.fromEntries(l.split('\t').map((v, i) => [names[i], v])));
  return { rows: out, count: run.stderr.trim() };
}

test('every field t add and t update take has a flag, the same on both', (t) => {
  const dir = board(t);
  const a = orcJson(dir, ['t', 'add', 'build', 'Design', '--priority', '2', '--description', 'the schema']);
  assert.deepEqual([a.priority, a.description], [2, 'the schema']);
  const b = orcJson(dir, ['t', 'add', '--ws', 'build', 'Build', '-p', '1', '--tag', 'api', '--tag', 'db']);
  assert.deepEqual([b.workstream, b.priority, b.tags], ['build', 1, ['api', 'db']]);
  const c = orcJson(dir, ['t', 'add', '-w', 'build', 'Docs', 'write them', '4']);
  assert.deepEqual([c.description, c.priority], ['write them', 4], 'positional forms stay, after --ws too');
  const u = orcJson(dir, [
    't',
    'update',
    b.id,
    '-p',
    '0',
    '--tag',
    'x',
    '--tag',
    'y',
    '--description',
    'new',
  ]);
  assert.deepEqual([u.priority, u.tags, u.description], [0, ['x', 'y'], 'new'], '--tag replaces the tags');
  assert.deepEqual(orcJson(dir, ['t', 'update', b.id, '--tags', 'p,q']).tags, ['p', 'q'], '--tags stays');
  // -d is the description on add and update alike; the workspace folder is --dir, with no short form.
  const d = orcJson(dir, ['t', 'add', 'build', 'Short', '-d', 'by -d', '-p', '5']);
  assert.deepEqual([d.description, d.priority], ['by -d', 5]);
  assert.equal(orcJson(dir, ['t', 'update', d.id, '-d', 'changed']).description, 'changed');
  assert.equal(orc(['-d', dir, 't', 'list']).code, 2, '-d is not --dir');
  // Workstreams take the same flags.
  const w = orcJson(dir, ['ws', 'create', 'manual', '-d', 'the manual', '-p', '1']);
  assert.deepEqual([w.description, w.priority], ['the manual', 1]);
  assert.equal(orcJson(dir, ['ws', 'create', 'ops', '2']).priority, 2, 'a bare number is the priority');
  const updated = orcJson(dir, ['ws', 'update', 'manual', '-d', 'guides', '-p', '4']);
  assert.deepEqual([updated.description, updated.priority], ['guides', 4]);
  assert.match(orc(['--dir', dir, 'ws', 'create', 'qa', 'x', '-d', 'y']).stderr, /description: given twice/);

  const twice = orc(['--dir', dir, 't', 'add', 'build', 'T', 'desc', '--description', 'other']);
  assert.equal(twice.code, 2);
  assert.match(twice.stderr, /description: given twice/);
  const none = orc(['--dir', dir, 't', 'add', '--ws', 'build']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /missing required argument 'title'/);
  const badWs = orc(['--dir', dir, 't', 'add', '--ws', '../x', 'T']);
  assert.match(badWs.stderr, /^orc: --ws "\.\.\/x" is not a valid name/, 'an error names the flag given');
  const badPriority = orc(['--dir', dir, 't', 'add', 'build', 'T', '--priority', 'soon']);
  assert.equal(badPriority.code, 2);
  assert.match(badPriority.stderr, /--priority/);

  orcJson(dir, ['a', 'register', 'ada']);
  orcJson(dir, ['ws', 'create', 'docs']);
  orcJson(dir, ['t', 'add', 'docs', 'Only docs', '-p', '0']);
  assert.equal(orcJson(dir, ['t', 'next', '--ws', 'build', 'ada']).workstream, 'build', 't next --ws');
});

test('t list: open work first, done and cancelled hidden unless asked, a count line, ready or blocked', (t) => {
  const dir = board(t);
  const schema = orcJson(dir, ['t', 'add', 'build', 'Design the schema', '-p', '1']);
  const api = orcJson(dir, ['t', 'add', 'build', 'Build the API', '-p', '2', '--dep', schema.id]);
  const old = orcJson(dir, ['t', 'add', 'build', 'Old work', '-p', '0', '--description', 'a FROB']);
  const gone = orcJson(dir, ['t', 'add', 'build', 'Gone', '-p', '0']);
  orcJson(dir, ['a', 'register', 'ada']);
  orcJson(dir, ['t', 'claim', old.id, 'ada']);
  orcJson(dir, ['t', 'complete', old.id, 'shipped', '--agent', 'ada']);
  orcJson(dir, ['t', 'cancel', gone.id]);

  const shown = rows(dir);
  assert.deepEqual(
    shown.rows.map((r) => [r.id, r.status, r.deps]),
    [
      [schema.id, 'open', 'ready'],
      [api.id, 'open', 'blocked by 1'],
    ],
  );
  // On stderr for a pipe, so that the table's lines are all a script reads.
  assert.equal(shown.count, '2 of 4 tasks shown; --all for 2 done and cancelled');

  const all = rows(dir, ['--all']);
  assert.deepEqual(
    all.rows.map((r) => r.id),
    [schema.id, api.id, old.id, gone.id],
    'open work first, then finished, each most urgent first',
  );
  assert.equal(all.count, '4 of 4 tasks shown');
  assert.deepEqual(
    rows(dir, ['--status', 'done']).rows.map((r) => r.id),
    [old.id],
    'an explicit --status shows it',
  );
  assert.deepEqual(
    rows(dir, ['--all', '--search', 'frob']).rows.map((r) => r.id),
    [old.id],
    'search: the description, any case',
  );
  assert.deepEqual(
    rows(dir, ['--search', 'SCHEMA']).rows.map((r) => r.id),
    [schema.id],
  );
  const page = rows(dir, ['--limit', '1']);
  assert.deepEqual(
    page.rows.map((r) => r.id),
    [schema.id],
  );
  assert.equal(page.count, '1 of 4 tasks shown; --all for 2 done and cancelled, --limit for 1 more');
  const badLimit = orc(['--dir', dir, 't', 'list', '--limit', '0']);
  assert.equal(badLimit.code, 2);
  assert.match(badLimit.stderr, /--limit must be a whole number of at least 1, got "0"/);

  // --json lists every task the filters match, as before; --search and --limit apply.
  assert.equal(orcJson(dir, ['t', 'list']).length, 4);
  assert.deepEqual(
    orcJson(dir, ['t', 'list', '--search', 'frob']).map((x) => x.id),
    [old.id],
  );
  assert.equal(orcJson(dir, ['t', 'list', '--limit', '1']).length, 1);
  assert.deepEqual(
    orcJson(dir, ['t', 'list', '--limit', '1']).map((x) => x.id),
    [schema.id],
    'a limit takes open work first',
  );
});

test("t list hides runs' step tasks unless --runs or their workstream is asked for", (t) => {
  const dir = board(t);
  orcJson(dir, ['ws', 'create', 'run-abc123']);
  const mine = orcJson(dir, ['t', 'add', 'build', 'Mine']);
  const step = orcJson(dir, ['t', 'add', 'run-abc123', 's1: a step', '--tag', 'run']);
  const plain = rows(dir);
  assert.deepEqual(
    plain.rows.map((r) => r.id),
    [mine.id],
  );
  assert.equal(plain.count, '1 of 2 tasks shown; --runs for 1 run steps');
  assert.deepEqual(
    rows(dir, ['--runs'])
      .rows.map((r) => r.id)
      .sort(),
    [mine.id, step.id].sort(),
  );
  assert.deepEqual(
    rows(dir, ['--ws', 'run-abc123']).rows.map((r) => r.id),
    [step.id],
  );
});

test('t list at a terminal cuts titles to fit its width', { skip: !hasScript() && 'no script(1)' }, (t) => {
  const dir = board(t);
  orcJson(dir, ['t', 'add', 'build', `A long title ${'and more '.repeat(20)}`]);
  const run = spawnSync(
    'script',
    ['-qc', `stty cols 90; ${process.execPath} ${BIN} --dir ${dir} t list`, '/dev/null'],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', ORC_ACTOR: 'tester' },
    },
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.replace(/\r/g, '').replace(/\n$/, '').split('\n');
  const table = lines.filter((l) => /^[┌│└]/.test(l));
  assert.ok(table.length >= 3, run.stdout);
  for (const line of table) assert.equal([...line].length, 90, line);
  assert.match(run.stdout, /A long title and more .*…/);
  assert.match(lines.at(-1), /^1 of 1 tasks shown$/, 'the count line on stdout at a terminal');
});

function hasScript() {
  return spawnSync('script', ['-qc', 'true', '/dev/null']).status === 0;
}

test('t show lists what the task blocks as well as what blocks it; times are relative, --absolute ISO', (t) => {
  const dir = board(t);
  const schema = orcJson(dir, ['t', 'add', 'build', 'Design the schema']);
  const api = orcJson(dir, ['t', 'add', 'build', 'Build the API', '--dep', schema.id]);
  const docs = orcJson(dir, ['t', 'add', 'build', 'Write docs', '--dep', api.id]);
  const show = ok(dir, ['t', 'show', api.id]).stdout;
  assert.match(show, new RegExp(`depends on: ${schema.id} "Design the schema" \\(open\\)`));
  assert.match(show, new RegExp(`blocks: ${docs.id} "Write docs" \\(open\\)`));
  assert.match(show, /^ {2}\d+s ago +task\.added +tester$/m, 'history: relative times');
  const absolute = ok(dir, ['t', 'show', api.id, '--absolute']).stdout;
  assert.match(absolute, /^ {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z +task\.added/m);
  assert.deepEqual(orcJson(dir, ['t', 'show', api.id]).id, api.id, '--json: the task, as before');
  // Dependents as the files say now: one that dropped the dependency is gone, one written by hand shows.
  orcJson(dir, ['t', 'update', docs.id, '--remove-dep', api.id]);
  const byHand = orcJson(dir, ['t', 'add', 'build', 'Review']);
  const file = join(dir, 'state', 'tasks', `${byHand.id}.json`);
  // Written as git and most editors write: a new file renamed over the old one.
  writeFileSync(`${file}.new`, readFileSync(file, 'utf8').replace('"deps": []', `"deps": ["${api.id}"]`));
  renameSync(`${file}.new`, file);
  const after = ok(dir, ['t', 'show', api.id]).stdout;
  assert.doesNotMatch(after, new RegExp(docs.id));
  assert.match(after, new RegExp(`blocks: ${byHand.id} "Review" \\(open\\)`));
});

test('t tree draws the dependency tree with each status', (t) => {
  const dir = board(t);
  const a = orcJson(dir, ['t', 'add', 'build', 'A']);
  const b = orcJson(dir, ['t', 'add', 'build', 'B', '--dep', a.id]);
  const c = orcJson(dir, ['t', 'add', 'build', 'C', '--dep', b.id, '--dep', a.id]);
  orcJson(dir, ['a', 'register', 'ada']);
  orcJson(dir, ['t', 'claim', a.id, 'ada']);
  orcJson(dir, ['t', 'complete', a.id, '--agent', 'ada']);
  assert.deepEqual(ok(dir, ['t', 'tree', c.id]).stdout.split('\n').slice(0, -1), [
    `${c.id} open C`,
    `  └ ${b.id} open B`,
    `    └ ${a.id} done A`,
    `  └ ${a.id} done A`,
  ]);
  assert.deepEqual(
    orcJson(dir, ['t', 'tree', c.id]).map((n) => [n.id, n.depth, n.status]),
    [
      [c.id, 0, 'open'],
      [b.id, 1, 'open'],
      [a.id, 2, 'done'],
      [a.id, 1, 'done'],
    ],
  );
});

test('dependencyTree stops at a cycle (records can arrive by merges) and marks a missing task', () => {
  const byId = new Map([
    ['a', { deps: ['b'] }],
    ['b', { deps: ['a', 'gone'] }],
  ]);
  assert.deepEqual(
    dependencyTree('a', byId).map((n) => [n.id, n.depth, n.cycle, n.task === undefined]),
    [
      ['a', 0, false, false],
      ['b', 1, false, false],
      ['a', 2, true, false],
      ['gone', 2, false, true],
    ],
  );
});

test('narrowTasks counts what each reason hid, and refuses a limit that is not a whole number', () => {
  const task = (status, workstream = 'w', tags = []) => ({ status, workstream, tags });
  const tasks = [task('done'), task('open', 'run-x', ['run']), task('open'), task('claimed'), task('open')];
  const { tasks: kept, hidden } = narrowTasks(tasks, { hideFinished: true, hideRuns: true, limit: 1 });
  assert.deepEqual(kept, [tasks[2]]);
  assert.deepEqual(hidden, { finished: 1, runs: 1, limit: 2 });
  assert.throws(() => narrowTasks(tasks, { limit: 1.5 }), /limit must be a whole number/);
});

test('status lists the 20 claims soonest to expire and counts the rest; --json lists every one', async (t) => {
  const dir = board(t);
  const { addTask, findWorkspace, nextTask, registerAgent } = await import('../dist/lib/index.js');
  const ws = findWorkspace({ dir });
  await registerAgent(ws, { id: 'a1' });
  for (let i = 0; i < 23; i++) await addTask(ws, { workstream: 'build', title: `task ${i}` });
  // Leases of 1 to 23 minutes, the last claimed expiring first.
  for (let i = 0; i < 23; i++) await nextTask(ws, { agent: 'a1', another: true, ttlMs: (23 - i) * 60_000 });
  const lines = ok(dir, ['status']).stdout.split('\n');
  const held = lines.filter((l) => l.startsWith('  a1 holds '));
  assert.equal(held.length, 20);
  assert.match(
    held[0],
    /"task 22" lease ends in [0-9]+s|"task 22" lease ends in 1m/,
    'soonest to expire first',
  );
  assert.ok(lines.includes('  … and 3 more claims: orc t list --status claimed'), lines.join('\n'));
  const json = orcJson(dir, ['status']);
  assert.deepEqual([json.claims.length, json.claimCount], [23, 23]);
  assert.deepEqual(
    json.claims.slice(0, 20).map((c) => c.title),
    held.map((l) => JSON.parse(l.match(/(".*") lease/)[1])),
  );
});
