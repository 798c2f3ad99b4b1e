import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { findWorkspace, initWorkspace } from '../dist/lib/index.js';
import { orc, snapshot, tempDir, tempWorkspace } from './helpers.js';

test('initWorkspace creates the layout, and re-running it changes nothing', (t) => {
  const dir = tempDir(t);
  const first = initWorkspace(dir);
  for (const path of [
    'knowledge',
    'state/tasks',
    'state/orc.json',
    'events.jsonl',
    'orchestrator.yaml',
    '.gitignore',
    '.gitattributes',
  ]) {
    assert.ok(existsSync(join(dir, path)), `${path} exists`);
  }
  assert.ok(first.changed.includes('orchestrator.yaml'));
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'state/orc.json'), 'utf8')), { format: 1 });
  assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\.orc\/$/m);
  const before = snapshot(dir);
  assert.deepEqual(initWorkspace(dir).changed, []);
  assert.equal(snapshot(dir), before);
});

test('init keeps what a user already had in .gitignore and orchestrator.yaml', (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, '.gitignore'), 'node_modules/');
  writeFileSync(join(dir, 'orchestrator.yaml'), 'version: 1\n# mine\n');
  initWorkspace(dir);
  const ignore = readFileSync(join(dir, '.gitignore'), 'utf8');
  assert.match(ignore, /^node_modules\/\n/);
  assert.match(ignore, /^\.orc\/$/m);
  assert.equal(readFileSync(join(dir, 'orchestrator.yaml'), 'utf8'), 'version: 1\n# mine\n');
});

test('init on an older .gitattributes adds only the rules it lacks, with their comment, never a comment twice', (t) => {
  const dir = tempDir(t);
  const older = [
    "# orc: state merges field by field with orc's driver (any orc command sets it up in a clone); the",
    "# event log merges by git's built-in union in any clone, by orc's driver where .git/info/attributes says",
    'state/**/*.json merge=orc',
    'events.jsonl merge=union',
    '',
  ].join('\n');
  writeFileSync(join(dir, '.gitattributes'), older);
  initWorkspace(dir);
  const text = readFileSync(join(dir, '.gitattributes'), 'utf8');
  assert.ok(text.startsWith(older), text);
  assert.match(text.slice(older.length), /^# orc: closed segments[^\n]*\nevents\/\*\.jsonl merge=union\n$/);
  initWorkspace(dir);
  assert.equal(readFileSync(join(dir, '.gitattributes'), 'utf8'), text, 'a second init changes nothing');
});

test('the workspace is found by --dir, then ORCHESTRATOR_DIR, then walking up', (t) => {
  const dir = tempWorkspace(t);
  const nested = join(dir, 'src', 'deep');
  mkdirSync(nested, { recursive: true });
  assert.equal(findWorkspace({ cwd: nested, env: {} }).root, dir);
  assert.equal(findWorkspace({ dir, env: {} }).root, dir);
  assert.equal(findWorkspace({ cwd: '/', env: { ORCHESTRATOR_DIR: dir } }).root, dir);
  assert.equal(orc(['ws', 'list'], { cwd: nested }).code, 0);
  assert.equal(orc(['ws', 'list'], { cwd: '/', env: { ORCHESTRATOR_DIR: dir } }).code, 0);
});

test('outside any workspace, commands say to run orc init (exit 5)', (t) => {
  const dir = tempDir(t);
  const run = orc(['t', 'list'], { cwd: dir });
  assert.equal(run.code, 5);
  assert.match(run.stderr, /run `orc init`/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  const missing = orc(['--dir', join(dir, 'nope'), 't', 'list']);
  assert.equal(missing.code, 5);
  assert.match(missing.stderr, /is not an orc workspace/);
});

test('a workspace of a newer format is refused, not rewritten', (t) => {
  const dir = tempWorkspace(t);
  writeFileSync(join(dir, 'state/orc.json'), '{"format": 99}\n');
  const run = orc(['--dir', dir, 'ws', 'create', 'x']);
  assert.equal(run.code, 6);
  assert.match(run.stderr, /newer than this orc/);
  assert.equal(readFileSync(join(dir, 'state/orc.json'), 'utf8'), '{"format": 99}\n');
});

test('init on a path that cannot be made fails with one line (exit 2), nothing left behind', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const cases = [[join(file, 'ws'), /a-file is not a folder: choose another path/]];
  // /proc refuses mkdir with ENOENT although the parent exists: Node's recursive mkdir loops on it.
  if (existsSync('/proc/self'))
    cases.push(['/proc/nope', /cannot create the folder \/proc\/nope \(ENOENT\)/]);
  for (const [path, message] of cases) {
    const run = orc(['init', path]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
  assert.equal(readFileSync(file, 'utf8'), 'x');
});
