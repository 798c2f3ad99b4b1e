// The knowledge index checked by folder stamps: `kb list` notices documents added, removed, renamed
// or rewritten (by orc, by git, atomically by hand) without a stat of every document; a search also
// notices an edit in place; an unchanged base reads no document; an index of format 2 is migrated.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countKnowledgeDocumentsRead, refreshIndex } from '../dist/lib/knowledge/index.js';
import { searchKnowledge, workspaceAt } from '../dist/lib/index.js';
import { orcJson, tempWorkspace } from './helpers.js';

const doc = (title, body = 'Some text about the wombat.') =>
  `---\ntitle: ${title}\n---\n# ${title}\n\n${body}\n`;

function writeDocs(dir) {
  for (const folder of ['guides', 'notes']) mkdirSync(join(dir, 'knowledge', folder), { recursive: true });
  for (let i = 0; i < 6; i++)
    writeFileSync(join(dir, 'knowledge', i % 2 ? 'guides' : 'notes', `d${i}.md`), doc(`Doc ${i}`));
  writeFileSync(join(dir, 'knowledge', 'top.md'), doc('Top'));
}

/**
 * Moves the mtime of knowledge/ and its folders a minute back: their stamps are then settled (a
 * stamp is trusted only once its folder has not changed for a while), as if written long ago.
 */
function settleFolders(dir) {
  const past = new Date(Date.now() - 60_000);
  const visit = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true }))
      if (entry.isDirectory()) visit(join(path, entry.name));
    utimesSync(path, past, past);
  };
  visit(join(dir, 'knowledge'));
}

const names = (dir) => orcJson(dir, ['kb', 'list']).map((d) => d.name);
const titleOf = (dir, name) => orcJson(dir, ['kb', 'list']).find((d) => d.name === name)?.title;

test('kb list shows documents added, removed, renamed and rewritten, by orc or by hand', (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir);
  assert.deepEqual(names(dir), [
    'guides/d1',
    'guides/d3',
    'guides/d5',
    'notes/d0',
    'notes/d2',
    'notes/d4',
    'top',
  ]);
  settleFolders(dir);
  names(dir); // records the settled stamps

  // By hand: a new file, a removed one, a renamed one, a folder that came with a pull.
  writeFileSync(join(dir, 'knowledge', 'guides', 'new.md'), doc('New'));
  rmSync(join(dir, 'knowledge', 'notes', 'd0.md'));
  renameSync(join(dir, 'knowledge', 'top.md'), join(dir, 'knowledge', 'renamed.md'));
  mkdirSync(join(dir, 'knowledge', 'pulled', 'deep'), { recursive: true });
  writeFileSync(join(dir, 'knowledge', 'pulled', 'deep', 'p.md'), doc('Pulled'));
  assert.deepEqual(names(dir), [
    'guides/d1',
    'guides/d3',
    'guides/d5',
    'guides/new',
    'notes/d2',
    'notes/d4',
    'pulled/deep/p',
    'renamed',
  ]);
  settleFolders(dir);
  names(dir);

  // A whole folder removed; a document rewritten by orc and one replaced atomically by hand (as git
  // and most editors write), both in settled folders.
  rmSync(join(dir, 'knowledge', 'pulled'), { recursive: true });
  orcJson(dir, ['kb', 'write', 'notes/d2', '--title', 'Rewritten by orc', '# Rewritten\n\nBy orc.']);
  const tmp = join(dir, 'knowledge', 'guides', '.d1.md.tmp');
  writeFileSync(tmp, doc('Replaced by hand'));
  renameSync(tmp, join(dir, 'knowledge', 'guides', 'd1.md'));
  const listed = orcJson(dir, ['kb', 'list']);
  assert.deepEqual(
    listed.map((d) => [d.name, d.title]),
    [
      ['guides/d1', 'Replaced by hand'],
      ['guides/d3', 'Doc 3'],
      ['guides/d5', 'Doc 5'],
      ['guides/new', 'New'],
      ['notes/d2', 'Rewritten by orc'],
      ['notes/d4', 'Doc 4'],
      ['renamed', 'Top'],
    ],
  );
});

test('an edit in place: kb list trusts the unchanged folder, a search sees the edit, then kb list too', (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir);
  names(dir);
  settleFolders(dir);
  names(dir);
  const file = join(dir, 'knowledge', 'guides', 'd3.md');
  writeFileSync(file, doc('Edited in place', 'The quokka moved in.')); // same inode: the folder is unchanged
  assert.equal(
    titleOf(dir, 'guides/d3'),
    'Doc 3',
    'kb list reads no document of a folder whose stamp is the same',
  );
  assert.equal(orcJson(dir, ['kb', 'search', 'quokka']).hits[0]?.name, 'guides/d3');
  assert.equal(titleOf(dir, 'guides/d3'), 'Edited in place');
  // And a change in its folder makes kb list check the folder's documents again.
  writeFileSync(file, doc('Edited again'));
  writeFileSync(join(dir, 'knowledge', 'guides', 'another.md'), doc('Another'));
  assert.equal(titleOf(dir, 'guides/d3'), 'Edited again');
});

test('a refresh of an unchanged knowledge base reads no document; a change reads only it', async (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir);
  const ws = workspaceAt(dir);
  assert.equal((await refreshIndex(ws)).rebuilt, true);
  settleFolders(dir);
  for (const check of ['folders', 'files', 'folders']) {
    const before = countKnowledgeDocumentsRead();
    const result = await refreshIndex(ws, { check });
    assert.deepEqual(
      [result.changed, result.removed, countKnowledgeDocumentsRead() - before],
      [[], [], 0],
      check,
    );
  }
  const file = join(dir, 'knowledge', 'notes', 'd4.md');
  writeFileSync(file, doc('Doc 4, longer now'));
  const before = countKnowledgeDocumentsRead();
  const result = await refreshIndex(ws);
  assert.deepEqual([result.changed, countKnowledgeDocumentsRead() - before], [['notes/d4.md'], 1]);
  // Stored again with that document last (its folder's documents no longer together): still nothing read.
  settleFolders(dir);
  for (const check of ['files', 'folders', 'files']) {
    const again = countKnowledgeDocumentsRead();
    const next = await refreshIndex(ws, { check });
    assert.deepEqual([next.changed, next.removed, countKnowledgeDocumentsRead() - again], [[], [], 0], check);
  }
  const hits = (await searchKnowledge(ws, 'longer wombat')).hits.map((h) => h.name);
  assert.equal(hits[0], 'notes/d4');
});

test('an index of format 2 (one object per document) is read, and written anew as format 3', (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir);
  const listed = orcJson(dir, ['kb', 'list']);
  const file = join(dir, '.orc', 'knowledge', 'index.json');
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(stored.format, 3);
  const c = stored.docs;
  const docs = {};
  c.file.forEach((name, i) => {
    docs[name] = {
      hash: c.hash[i],
      title: c.title[i],
      tags: c.tags[i],
      ...(c.author[i] === null ? {} : { author: c.author[i] }),
      ...(c.updated[i] === null ? {} : { updated: c.updated[i] }),
      chunks: c.chunks[i],
      mtimeMs: c.mtimeMs[i],
      size: c.size[i],
      ...(c.base[3 * i] === -1 ? {} : { base: c.base.slice(3 * i, 3 * i + 3) }),
    };
  });
  writeFileSync(file, JSON.stringify({ ...stored, format: 2, docs }));
  assert.deepEqual(orcJson(dir, ['kb', 'list']), listed);
  const migrated = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(migrated.format, 3);
  assert.equal(migrated.base, stored.base, 'migrated, not rebuilt');
  assert.deepEqual(migrated.docs, stored.docs);
  assert.equal(orcJson(dir, ['kb', 'search', 'wombat']).hits.length, 5);
});

test('a hit placed lazily in a damaged index: the search runs again and the index is rebuilt', async (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir);
  writeFileSync(
    join(dir, 'knowledge', 'notes', 'd2.md'),
    doc('Doc 2', 'The quokka sleeps.\n\n## Later\n\nMore quokka.'),
  );
  const ws = workspaceAt(dir);
  const first = await searchKnowledge(ws, 'quokka', { freshnessMs: 60_000 });
  assert.equal(first.hits[0].name, 'notes/d2');
  // Changed since this process checked the files (so its hits are placed by the chunk table), and the
  // chunk table garbled: the placing fails, the search is asked again and the index rebuilt.
  writeFileSync(join(dir, 'knowledge', 'notes', 'd2.md'), doc('Doc 2', 'Lines above.\n\nThe quokka sleeps.'));
  const { base } = JSON.parse(readFileSync(join(dir, '.orc', 'knowledge', 'index.json'), 'utf8'));
  writeFileSync(join(dir, '.orc', 'knowledge', `base-${base}`, 'chunks.json'), '[garbled');
  const again = await searchKnowledge(ws, 'quokka', { freshnessMs: 60_000 });
  assert.equal(again.hits[0].name, 'notes/d2');
  assert.notEqual(JSON.parse(readFileSync(join(dir, '.orc', 'knowledge', 'index.json'), 'utf8')).base, base);
});
