// The knowledge base at many documents: the front matter read without the YAML parser means what the
// parser reads, a change re-indexes and re-embeds only what changed, and a hit's place is right
// whether or not its document changed since it was indexed.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { refreshIndex, searchIndex } from '../dist/lib/knowledge/index.js';
import { readMeta } from '../dist/lib/shared/index.js';
import { workspaceAt } from '../dist/lib/storage/index.js';
import { startFakeEmbeddings } from './fake-embeddings-server.js';
import { orcAsync, orcJson, tempWorkspace } from './helpers.js';

const YAML = createRequire(import.meta.url)('yaml');

/** What readMeta gives, computed by the YAML parser alone. */
function parsedMeta(frontMatter) {
  const doc = YAML.parseDocument(frontMatter);
  if (doc.errors.length > 0) return 'problem';
  let data;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof ReferenceError) return 'problem'; // an alias readMeta refuses too
    throw error;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'problem';
  const text = (v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  const tags = Array.isArray(data.tags)
    ? data.tags.map(String)
    : typeof data.tags === 'string'
      ? data.tags.split(',').map((t) => t.trim())
      : [];
  const recalls = Number(data.recalls);
  return {
    title: text(data.title),
    tags: tags.filter(Boolean),
    author: text(data.author),
    updated: text(data.updated),
    recalls: Number.isFinite(recalls) && recalls > 0 ? recalls : undefined,
  };
}

test('front matter: every mix of keys and values reads as the YAML parser reads it', () => {
  const values = [
    'API design',
    '1',
    '007',
    '1.5',
    '1e3',
    '0x1f',
    'true',
    'null',
    '~',
    'x: y',
    'x:y',
    'a #b',
    'a#b',
    "it's",
    '"q"',
    "'q'",
    '-x',
    'x-y',
    '[a, b]',
    '[a,b,]',
    '[]',
    '[1, 2.0]',
    '[a b, c]',
    '[x:y]',
    '{a: b}',
    '2026-12-02T03:10:22.903Z',
    '&a x',
    '*a',
    '!t x',
    '|',
    '>',
    '%',
    '@x',
    'a\tb',
    '.inf',
    '-1',
    'é',
    '日本',
    'a, b',
    '[a, [b]]',
    'True',
    'yes',
    '12345678901234567890',
    '',
    '[ a , b ]',
  ];
  const keys = ['title', 'tags', 'author', 'updated', 'recalls', 'other', 'true', 'a-b'];
  let seed = 7;
  const pick = (list) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return list[seed % list.length];
  };
  for (let i = 0; i < 3000; i++) {
    const lines = Array.from(
      { length: 1 + (i % 4) },
      () => `${pick(keys)}:${i % 7 ? ' ' : ''}${pick(values)}`,
    );
    const frontMatter = `${lines.join('\n')}\n`;
    const read = readMeta(frontMatter);
    const got = read.problem ? 'problem' : { recalls: undefined, ...read.meta };
    assert.deepEqual(got, parsedMeta(frontMatter), JSON.stringify(frontMatter));
  }
});

/** `count` documents as `kb write` leaves them, in three folders, each with a few sections. */
function writeDocs(dir, count) {
  for (let i = 0; i < count; i++) {
    const folder = join(dir, 'knowledge', ['guides', 'runbooks', 'notes'][i % 3]);
    mkdirSync(folder, { recursive: true });
    writeFileSync(
      join(folder, `doc-${i}.md`),
      `---\ntitle: Document ${i}\ntags: [topic${i % 5}, scale]\nauthor: tester\nupdated: 2026-01-01T00:00:00.000Z\n---\n# Document ${i}\n\nThe deploy pipeline step ${i} retries the queue worker.\n\n## Rollback ${i}\n\nRestore snapshot ${i} from the replica when the migration fails.\n`,
    );
  }
}

test('one document changed among many: only it is re-indexed and only its sections re-embedded', async (t) => {
  const server = await startFakeEmbeddings();
  t.after(server.close);
  const dir = tempWorkspace(t);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `version: 1\nproviders:\n  emb:\n    base_url: ${server.url}\n    api_key: sk-test\n    model: chat-model\n    max_retries: 0\nknowledge:\n  embeddings:\n    provider: emb\n    model: fake-embed\n    batch_size: 64\n`,
  );
  writeDocs(dir, 150);
  const reindex = async () => {
    const run = await orcAsync(['--dir', dir, '--json', 'kb', 'reindex']);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout);
  };
  const first = await reindex();
  assert.equal(first.documents, 150);
  assert.deepEqual(first.embeddings, { embedded: first.chunks, reused: 0, removed: 0 });
  const sent = server.inputs();
  assert.equal(sent, first.chunks);

  // Rewritten in place (same folder entry, new content): one document, its two sections.
  const changed = join(dir, 'knowledge', 'runbooks', 'doc-40.md');
  writeFileSync(changed, readFileSync(changed, 'utf8').replaceAll('replica', 'standby database'));
  const second = await reindex();
  assert.deepEqual(second.changed, ['runbooks/doc-40']);
  assert.equal(second.rebuilt, false);
  assert.equal(second.embeddings.embedded, 1, 'the section that changed, not the one that did not');
  assert.equal(server.inputs(), sent + 1);
  const lastInputs = server.requests.at(-1).body.input;
  assert.equal(lastInputs.length, 1);
  assert.match(lastInputs[0], /standby database/);
  const state = JSON.parse(readFileSync(join(dir, '.orc', 'knowledge', 'index.json'), 'utf8'));
  assert.deepEqual([...new Set(state.overlay.map((c) => c.doc))], ['runbooks/doc-40.md']);

  // The answer is the one a full rebuild gives.
  const query = ['kb', 'search', 'restore standby database snapshot 40', '-k', '3', '--mode', 'lexical'];
  const incremental = orcJson(dir, query);
  orcJson(dir, ['kb', 'reindex', '--full']);
  assert.deepEqual(orcJson(dir, query), incremental);
  assert.equal(incremental.hits[0].name, 'runbooks/doc-40');
});

test('a hit in a document changed since its index was read is placed by the chunk table', async (t) => {
  const dir = tempWorkspace(t);
  writeDocs(dir, 30);
  const ws = workspaceAt(dir);
  const { state } = await refreshIndex(ws, { full: true });
  const before = searchIndex(ws, state, 'rollback 12 snapshot', 5);
  assert.equal(before[0].chunk.doc, 'guides/doc-12.md');
  assert.equal(before[0].chunk.heading, 'Document 12 › Rollback 12');
  assert.ok(before[0].chunk.len > 0);
  // Lines added above the section: cutting the document now would place it elsewhere.
  const file = join(dir, 'knowledge', 'guides', 'doc-12.md');
  writeFileSync(file, readFileSync(file, 'utf8').replace('# Document 12\n', '# Document 12\n\nNew.\n\n'));
  const after = searchIndex(ws, state, 'rollback 12 snapshot', 5);
  assert.deepEqual(after, before);
});
