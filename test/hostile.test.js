// A hostile or unlucky workspace, through the real binary: links that a merged branch can commit, a
// file where a folder should be, an editor that strips the last newline, damaged derived caches.
// Whatever orc refuses, it refuses naming the path, and it never touches anything outside.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { orc, orcJson, tempDir, tempWorkspace } from './helpers.js';

/** Contents, kinds, link targets and mtimes of a tree, never following a link: what "untouched" means. */
function fingerprint(dir, skip = []) {
  const hash = createHash('sha256');
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (skip.includes(rel)) continue;
      const stat = lstatSync(path);
      hash.update(`${rel} ${stat.mode} ${stat.mtimeMs}\n`);
      if (stat.isSymbolicLink()) hash.update(readlinkSync(path));
      else if (stat.isDirectory()) walk(path);
      else hash.update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/** A workspace with a workstream, an agent and a task, and a folder outside it holding a secret. */
function board(t) {
  const dir = tempWorkspace(t);
  orcJson(dir, ['ws', 'create', 'main']);
  orcJson(dir, ['a', 'register', 'ada']);
  const task = orcJson(dir, ['t', 'add', 'main', 'deploy the service']);
  const outside = tempDir(t, 'orc-outside-');
  writeFileSync(join(outside, 'secret.md'), '# Secret\n\ndeploy credentials live here\n');
  return { dir, task, outside };
}

function refused(dir, args, code, pattern) {
  const run = orc(['--dir', dir, ...args]);
  assert.equal(run.code, code, `orc ${args.join(' ')}: ${run.stderr}`);
  assert.match(run.stderr, pattern, `orc ${args.join(' ')}`);
  assert.doesNotMatch(run.stderr, /ENOTDIR|EISDIR|EEXIST|ELOOP|internal error/i);
  return run;
}

test('knowledge/ as a link: kb read, search, write, rm, list, reindex and briefs refuse; nothing outside is touched', (t) => {
  const { dir, task, outside } = board(t);
  rmSync(join(dir, 'knowledge'), { recursive: true });
  symlinkSync(outside, join(dir, 'knowledge'));
  const before = fingerprint(outside);
  const linked = /knowledge in the workspace is a symbolic link/;
  for (const args of [
    ['kb', 'read', 'secret'],
    ['kb', 'search', 'credentials'],
    ['kb', 'write', 'planted', 'text'],
    ['kb', 'write', 'secret', 'overwritten'],
    ['kb', 'rm', 'secret'],
    ['kb', 'list'],
    ['kb', 'reindex'],
    ['brief', task.id],
  ])
    refused(dir, args, 2, linked);
  // t next --brief refuses before it claims: a claim whose brief then failed would lose its token.
  refused(dir, ['t', 'next', 'ada', '--brief'], 2, linked);
  assert.equal(orcJson(dir, ['t', 'show', task.id]).status, 'open');
  assert.equal(fingerprint(outside), before);
});

test('events.jsonl as a link: every mutation is refused before it writes anything', (t) => {
  const { dir, task, outside } = board(t);
  renameSync(join(dir, 'events.jsonl'), join(outside, 'events.jsonl'));
  symlinkSync(join(outside, 'events.jsonl'), join(dir, 'events.jsonl'));
  const outsideBefore = fingerprint(outside);
  const stateBefore = fingerprint(join(dir, 'state'));
  const knowledgeBefore = fingerprint(join(dir, 'knowledge'));
  for (const args of [
    ['ws', 'create', 'other'],
    ['t', 'add', 'main', 'another'],
    ['t', 'next', 'ada'],
    ['t', 'claim', task.id, 'ada'],
    ['t', 'update', task.id, '--priority', '1'],
    ['t', 'cancel', task.id],
    ['a', 'register', 'bob'],
    ['lock', 'acquire', 'db', 'ada'],
    ['kb', 'write', 'note', 'text'],
    ['log', 'custom.note', '{}'],
  ])
    refused(dir, args, 2, /events\.jsonl in the workspace is a symbolic link/);
  // A heartbeat writes neither the log nor any record (presence is machine-local): it goes through.
  assert.equal(orc(['--dir', dir, 'a', 'heartbeat', 'ada']).code, 0);
  assert.equal(fingerprint(outside), outsideBefore);
  assert.equal(fingerprint(join(dir, 'state')), stateBefore);
  assert.equal(fingerprint(join(dir, 'knowledge')), knowledgeBefore);
});

test('a link among the task files, or state/tasks as a link, is refused naming it', (t) => {
  const { dir, task, outside } = board(t);
  const record = readFileSync(join(dir, 'state/tasks', `${task.id}.json`), 'utf8');
  writeFileSync(join(outside, 'planted.json'), record.replace(task.id, 't-000000000000'));
  symlinkSync(join(outside, 'planted.json'), join(dir, 'state/tasks/t-000000000000.json'));
  let before = fingerprint(outside);
  const linkedRecord = /state\/tasks\/t-000000000000\.json in the workspace is a symbolic link/;
  refused(dir, ['t', 'list'], 2, linkedRecord);
  refused(dir, ['t', 'next', 'ada'], 2, linkedRecord);
  refused(dir, ['t', 'show', 't-000000000000'], 2, linkedRecord);
  refused(dir, ['t', 'claim', 't-000000000000', 'ada'], 2, linkedRecord);
  assert.equal(fingerprint(outside), before);

  rmSync(join(dir, 'state/tasks/t-000000000000.json'));
  renameSync(join(dir, 'state/tasks'), join(outside, 'tasks'));
  symlinkSync(join(outside, 'tasks'), join(dir, 'state/tasks'));
  before = fingerprint(outside);
  const linkedFolder = /state\/tasks in the workspace is a symbolic link/;
  refused(dir, ['t', 'list'], 2, linkedFolder);
  refused(dir, ['t', 'show', task.id], 2, linkedFolder);
  refused(dir, ['t', 'add', 'main', 'planted'], 2, linkedFolder);
  refused(dir, ['t', 'next', 'ada'], 2, linkedFolder);
  assert.equal(fingerprint(outside), before);
});

test('a link inside knowledge/ is neither searched nor read nor written through', (t) => {
  const { dir, outside } = board(t);
  orcJson(dir, ['kb', 'write', 'runbook', '# Runbook\n\nhow to deploy the service\n']);
  symlinkSync(join(outside, 'secret.md'), join(dir, 'knowledge', 'leak.md'));
  symlinkSync(outside, join(dir, 'knowledge', 'shared'));
  const before = fingerprint(outside);
  const hits = orcJson(dir, ['kb', 'search', 'deploy credentials']).hits.map((h) => h.name);
  assert.deepEqual(hits, ['runbook']);
  assert.deepEqual(
    orcJson(dir, ['kb', 'list']).map((d) => d.name),
    ['runbook'],
  );
  refused(dir, ['kb', 'read', 'leak'], 2, /knowledge\/leak\.md in the workspace is a symbolic link/);
  refused(dir, ['kb', 'read', 'shared/secret'], 2, /knowledge\/shared in the workspace is a symbolic link/);
  refused(dir, ['kb', 'write', 'leak', 'x'], 2, /knowledge\/leak\.md in the workspace is a symbolic link/);
  refused(dir, ['kb', 'rm', 'shared/secret'], 2, /knowledge\/shared in the workspace is a symbolic link/);
  assert.equal(fingerprint(outside), before);
});

test('a file where a folder should be is named, with exit 6, never a raw ENOTDIR', (t) => {
  const { dir } = board(t);
  rmSync(join(dir, 'state/tasks'), { recursive: true });
  writeFileSync(join(dir, 'state/tasks'), 'not a folder\n');
  refused(dir, ['t', 'list'], 6, /state\/tasks in the workspace is not a folder/);
  refused(dir, ['t', 'add', 'main', 'x'], 6, /state\/tasks in the workspace is not a folder/);
  refused(dir, ['t', 'show', 't-0000'], 6, /state\/tasks in the workspace is not a folder/);
  rmSync(join(dir, 'knowledge'), { recursive: true });
  writeFileSync(join(dir, 'knowledge'), 'not a folder\n');
  refused(dir, ['kb', 'search', 'anything'], 6, /knowledge in the workspace is not a folder/);
  refused(dir, ['kb', 'write', 'note', 'text'], 6, /knowledge in the workspace is not a folder/);
  refused(dir, ['init', dir], 6, /knowledge in the workspace is not a folder/);
});

test('an agent cwd or a flow file that is a link to outside is refused when the config is loaded', (t) => {
  const { dir, outside } = board(t);
  mkdirSync(join(outside, 'work'));
  writeFileSync(join(outside, 'flow.yaml'), 'steps:\n  - { id: s, agent: tool, task: "touch planted" }\n');
  symlinkSync(join(outside, 'work'), join(dir, 'work'));
  symlinkSync(join(outside, 'flow.yaml'), join(dir, 'flow.yaml'));
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    'agents:\n  - { id: tool, command: [touch, planted], cwd: work }\nflows:\n  - { id: f, trigger: ".", file: flow.yaml }\n',
  );
  const before = fingerprint(outside);
  const check = refused(dir, ['config', 'check'], 2, /orchestrator\.yaml has 2 problems/);
  assert.match(
    check.stdout,
    /agents\[0\]\.cwd: must be a folder inside the workspace: work in the workspace is a symbolic link/,
  );
  assert.match(
    check.stdout,
    /flows\[0\]\.file: must be a file inside the workspace: flow\.yaml in the workspace is a symbolic link/,
  );
  refused(dir, ['run', 'do the thing'], 2, /agents\[0\]\.cwd: .*work in the workspace is a symbolic link/);
  // Spelled as a path that leaves the workspace, the same folders are refused too.
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: tool, command: [touch, planted], cwd: ${join(outside, 'work')} }\nflows:\n  - { id: f, file: ../${relative(join(dir, '..'), join(outside, 'flow.yaml'))} }\n`,
  );
  const spelled = refused(dir, ['config', 'check'], 2, /orchestrator\.yaml has 2 problems/);
  assert.match(
    spelled.stdout,
    /agents\[0\]\.cwd: must be a folder inside the workspace: .* is outside the workspace/,
  );
  assert.match(
    spelled.stdout,
    /flows\[0\]\.file: must be a file inside the workspace: .* is outside the workspace/,
  );
  assert.deepEqual(readdirSync(join(dir, 'state')).includes('runs'), false, 'no run was created');
  assert.equal(fingerprint(outside), before);
});

test('an events.jsonl whose last line lacks its newline loses no event', (t) => {
  const { dir } = board(t);
  const file = join(dir, 'events.jsonl');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.trimEnd()); // an editor that strips the final newline
  const last = JSON.parse(text.trimEnd().split('\n').at(-1));
  orcJson(dir, ['t', 'add', 'main', 'after the edit']);
  const events = orcJson(dir, ['events']);
  assert.equal(events.at(-2).id, last.id);
  assert.equal(events.at(-1).type, 'task.added');
  assert.match(JSON.stringify(events.at(-1)), /after the edit/);
  assert.equal(orc(['--dir', dir, 'events']).stderr, '', 'no corrupt line reported');
});

test('a garbled knowledge index is rebuilt on use; kb reindex rebuilds it and says so', (t) => {
  const { dir, task } = board(t);
  orcJson(dir, ['kb', 'write', 'runbook', '# Runbook\n\nhow to deploy the service safely\n']);
  orcJson(dir, ['kb', 'write', 'style', '# Style\n\ntabs or spaces\n']);
  const indexDir = join(dir, '.orc', 'knowledge');
  const garble = () => {
    const base = readdirSync(indexDir).find((name) => name.startsWith('base-'));
    for (const name of readdirSync(join(indexDir, base))) writeFileSync(join(indexDir, base, name), '{"gar');
  };
  assert.equal(orcJson(dir, ['kb', 'search', 'deploy']).hits[0].name, 'runbook'); // builds the index
  garble();
  assert.equal(orcJson(dir, ['kb', 'search', 'deploy']).hits[0].name, 'runbook');
  garble();
  assert.match(orcJson(dir, ['brief', task.id]).brief, /how to deploy the service safely/);
  garble();
  const next = orcJson(dir, ['t', 'next', 'ada', '--brief']);
  assert.equal(next.task.id, task.id);
  assert.match(next.brief, /how to deploy the service safely/);
  garble();
  const reindexed = orcJson(dir, ['kb', 'reindex']);
  assert.equal(reindexed.rebuilt, true);
  assert.match(reindexed.repaired, /\.orc\/knowledge\/base-.*\.json does not parse/);
  assert.deepEqual(orcJson(dir, ['kb', 'reindex']).repaired, undefined, 'healthy once rebuilt');
  writeFileSync(join(indexDir, 'index.json'), '{"format": 1, "docs": {"x": 1}}');
  const human = orc(['--dir', dir, 'kb', 'reindex']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /repaired .*index\.json is not an index/);
  assert.match(human.stdout, /2 document\(s\).*\(rebuilt\)/);
  rmSync(indexDir, { recursive: true });
  assert.equal(orcJson(dir, ['kb', 'search', 'tabs']).hits[0].name, 'style');
});

test('the task index deleted or cut short, even at a line boundary, is rebuilt', (t) => {
  const { dir } = board(t);
  for (const title of ['two', 'three', 'four', 'five']) orcJson(dir, ['t', 'add', 'main', title]);
  const index = join(dir, '.orc', 'tasks.index.jsonl');
  const queue = join(dir, '.orc', 'tasks.queue.tsv');
  rmSync(index, { force: true });
  rmSync(queue, { force: true });
  assert.equal(orcJson(dir, ['t', 'list']).length, 5); // rebuilt in one batch
  const lines = readFileSync(index, 'utf8').split('\n');
  writeFileSync(index, `${lines.slice(0, 3).join('\n')}\n`);
  assert.equal(orcJson(dir, ['t', 'list']).length, 5);
  truncateSync(index, 10);
  assert.equal(orcJson(dir, ['t', 'list']).length, 5);
  writeFileSync(index, '');
  assert.equal(orcJson(dir, ['t', 'list']).length, 5);
  assert.ok(orcJson(dir, ['t', 'next', 'ada'])); // builds the queue journal
  const queued = readFileSync(queue, 'utf8').split('\n');
  writeFileSync(queue, `${queued.slice(0, 2).join('\n')}\n`);
  assert.ok(orcJson(dir, ['t', 'next', 'ada', '--another']));
  rmSync(queue, { force: true }); // a write that found it cut short may have dropped it already
  assert.ok(orcJson(dir, ['t', 'next', 'ada', '--another']));
  assert.equal(orcJson(dir, ['t', 'list', '--status', 'claimed']).length, 3);
  assert.equal(orcJson(dir, ['t', 'list', '--status', 'open']).length, 2);
});
