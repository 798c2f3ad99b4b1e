// The storage layer in process: what it confines, and the helpers derived caches and secrets rely on.
import assert from 'node:assert/strict';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  changeStamp,
  confine,
  confineExisting,
  createText,
  listTree,
  readText,
  removeTree,
  restrictMode,
} from '../dist/lib/storage/index.js';
import { tempDir } from './helpers.js';

function rooted(t) {
  const root = tempDir(t);
  const outside = tempDir(t, 'orc-outside-');
  writeFileSync(join(outside, 'secret.md'), 'secret\n');
  return { ws: { root }, root, outside };
}

test('listTree lists regular files only, never entering or naming a link', (t) => {
  const { ws, root, outside } = rooted(t);
  mkdirSync(join(root, 'kb', 'guides'), { recursive: true });
  writeFileSync(join(root, 'kb', 'a.md'), 'a');
  writeFileSync(join(root, 'kb', 'guides', 'b.md'), 'bb');
  writeFileSync(join(root, 'kb', '.hidden.md'), 'h');
  symlinkSync(join(outside, 'secret.md'), join(root, 'kb', 'leak.md'));
  symlinkSync(outside, join(root, 'kb', 'shared'));
  const files = listTree(ws, 'kb', (rel) => !rel.split('/').pop().startsWith('.'));
  assert.deepEqual(
    files.map((f) => [f.path, f.size]),
    [
      ['a.md', 1],
      ['guides/b.md', 2],
    ],
  );
  assert.deepEqual(
    listTree(ws, 'missing', () => true),
    [],
  );
  symlinkSync(outside, join(root, 'linked'));
  assert.throws(() => listTree(ws, 'linked', () => true), /linked in the workspace is a symbolic link/);
  removeTree(ws, 'kb');
  assert.deepEqual(
    listTree(ws, 'kb', () => true),
    [],
  );
  assert.ok(statSync(join(outside, 'secret.md')).isFile(), 'removing a tree never follows its links');
});

test('changeStamp moves with every change of a file or folder, and refuses a link', (t) => {
  const { ws, root, outside } = rooted(t);
  assert.equal(changeStamp(ws, 'dir'), undefined);
  mkdirSync(join(root, 'dir'));
  const empty = changeStamp(ws, 'dir');
  writeFileSync(join(root, 'dir', 'x'), '1');
  assert.notEqual(changeStamp(ws, 'dir'), empty);
  symlinkSync(outside, join(root, 'link'));
  assert.throws(() => changeStamp(ws, 'link'), /link in the workspace is a symbolic link/);
});

test('createText creates once, whoever comes second reads the first one', (t) => {
  const { ws, root } = rooted(t);
  assert.equal(createText(ws, '.orc/token', 'first\n', 0o600), true);
  assert.equal(createText(ws, '.orc/token', 'second\n', 0o600), false);
  assert.equal(readText(ws, '.orc/token'), 'first\n');
  assert.equal(statSync(join(root, '.orc/token')).mode & 0o777, 0o600);
  writeFileSync(join(root, 'copied'), 'x', { mode: 0o644 });
  restrictMode(ws, 'copied', 0o600);
  assert.equal(statSync(join(root, 'copied')).mode & 0o777, 0o600);
});

test('confineExisting goes by the real path: a link or a path out is refused, a missing one is undefined', (t) => {
  const { ws, root, outside } = rooted(t);
  mkdirSync(join(root, 'sub'));
  assert.equal(confineExisting(ws, 'sub'), join(root, 'sub'));
  assert.equal(confineExisting(ws, 'nothing'), undefined);
  symlinkSync(outside, join(root, 'out'));
  assert.throws(() => confineExisting(ws, 'out'), /out in the workspace is a symbolic link/);
  assert.throws(() => confineExisting(ws, outside), /is outside the workspace/);
  assert.throws(() => confineExisting(ws, 'sub/../../x'), /is outside the workspace/);
});

test('confine refuses a link anywhere below the root, dangling or pointing inside, and allows what is not there yet', (t) => {
  const { ws, root, outside } = rooted(t);
  mkdirSync(join(root, 'state', 'runs'), { recursive: true });
  writeFileSync(join(root, 'state', 'runs', 'r.json'), '{}');
  assert.equal(confine(ws, 'state/runs/r.json'), join(root, 'state', 'runs', 'r.json'));
  assert.equal(
    confine(ws, 'state/runs/new.json'),
    join(root, 'state', 'runs', 'new.json'),
    'a file not there yet',
  );
  assert.equal(confine(ws, 'state/none/deeper/x.json'), join(root, 'state', 'none', 'deeper', 'x.json'));
  symlinkSync(join(root, 'state', 'runs'), join(root, 'state', 'alias')); // a folder link that stays inside
  assert.throws(() => confine(ws, 'state/alias/r.json'), /state\/alias in the workspace is a symbolic link/);
  assert.throws(
    () => confine(ws, 'state/alias/missing.json'),
    /state\/alias in the workspace is a symbolic link/,
  );
  symlinkSync(join(outside, 'gone.json'), join(root, 'state', 'runs', 'dangling.json')); // a link to nothing
  assert.throws(
    () => confine(ws, 'state/runs/dangling.json'),
    /dangling.json in the workspace is a symbolic link/,
  );
  symlinkSync(join(outside, 'secret.md'), join(root, 'state', 'runs', 'to-secret.json'));
  assert.throws(
    () => confine(ws, 'state/runs/to-secret.json'),
    /to-secret.json in the workspace is a symbolic link/,
  );
  writeFileSync(join(root, 'state', 'file'), 'x');
  assert.throws(() => confine(ws, 'state/file/x.json'), /state\/file in the workspace is not a folder/);
  // The root itself may be reached through a link: what lies below it is judged from there.
  const via = join(tempDir(t, 'orc-via-'), 'ws');
  symlinkSync(root, via);
  assert.equal(confine({ root: via }, 'state/runs/r.json'), join(via, 'state', 'runs', 'r.json'));
  assert.throws(() => confine({ root: via }, 'state/alias/r.json'), /is a symbolic link/);
});
