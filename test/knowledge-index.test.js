// The knowledge index through the library: retrieval quality, overlay = rebuild, chunking, corrupt cache.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { refreshIndex, searchIndex } from '../dist/lib/knowledge/knowledge-index.js';
import { chunkMarkdown } from '../dist/lib/shared/text-analysis.js';
import { knowledgePassages, searchKnowledge, workspaceAt } from '../dist/lib/index.js';
import { tempWorkspace } from './helpers.js';

const FIXTURES = new URL('./fixtures/retrieval/', import.meta.url).pathname;

function fixtureWorkspace(t) {
  const dir = tempWorkspace(t);
  cpSync(join(FIXTURES, 'docs'), join(dir, 'knowledge'), { recursive: true });
  return workspaceAt(dir);
}

test('offline retrieval: the answering document is in the top 3 for at least 18 of the 20 questions', async (t) => {
  const ws = fixtureWorkspace(t);
  const questions = JSON.parse(readFileSync(join(FIXTURES, 'questions.json'), 'utf8'));
  assert.equal(questions.length, 20);
  assert.equal(readdirSync(join(FIXTURES, 'docs')).length, 30);
  const misses = [];
  for (const { question, answer } of questions) {
    const { hits, mode } = await searchKnowledge(ws, question, { k: 3 });
    assert.equal(mode, 'lexical');
    if (!hits.some((h) => h.name === answer))
      misses.push(`${question} → ${hits.map((h) => h.name).join(', ')}`);
  }
  assert.ok(misses.length <= 2, `missed ${misses.length}:\n${misses.join('\n')}`);
});

const QUERIES = [
  'database connections pool',
  'release version tag',
  'flaky test quarantine retry',
  'quokka wombat',
  'time zone UTC storage',
  'secrets rotation vault',
  'constructor __proto__ toString',
];

function ranking(ws, state) {
  return QUERIES.map((q) =>
    searchIndex(ws, state, q, 20).map((h) => `${h.chunk.doc}#${h.chunk.from}:${h.score.toFixed(9)}`),
  );
}

test('an index updated change by change ranks exactly like one built from scratch', async (t) => {
  const ws = fixtureWorkspace(t);
  const scratchWs = workspaceAt(tempWorkspace(t));
  const first = await refreshIndex(ws);
  assert.equal(first.rebuilt, true);
  const k = (name) => join(ws.knowledgeDir, name);
  const steps = [
    () =>
      writeFileSync(
        k('flaky-tests.md'),
        `${readFileSync(k('flaky-tests.md'), 'utf8')}\n## Quokka\nquokka wombat retry\n`,
      ),
    () => rmSync(k('logging.md')),
    () =>
      writeFileSync(k('new-one.md'), '# New\n\nThe constructor of __proto__ calls toString on a wombat.\n'),
    () => writeFileSync(k('new-one.md'), '# New again\n\nA database pool for the wombat.\n'),
    () => writeFileSync(k('caching.md'), '# Caching\n\nCompletely rewritten: time zone UTC storage.\n'),
  ];
  for (const [i, step] of steps.entries()) {
    step();
    const updated = await refreshIndex(ws);
    assert.equal(updated.rebuilt, false, 'small changes go to the overlay');
    assert.ok(updated.state.overlay.length > 0 || updated.state.deleted.length > 0);
    rmSync(scratchWs.knowledgeDir, { recursive: true });
    cpSync(ws.knowledgeDir, scratchWs.knowledgeDir, { recursive: true });
    const scratch = await refreshIndex(scratchWs, { full: true });
    assert.deepEqual(ranking(ws, updated.state), ranking(scratchWs, scratch.state));
    if (i === 2)
      assert.equal(ranking(ws, updated.state)[6].length, 1, 'constructor, __proto__ are plain terms');
  }
});

test('many changes compact the overlay into a new base and remove the old one', async (t) => {
  const ws = workspaceAt(tempWorkspace(t));
  const section = (i, n) => `## Part ${n}\nsection ${n} of document ${i} about topic${i % 7}\n`;
  for (let i = 0; i < 120; i++)
    writeFileSync(
      join(ws.knowledgeDir, `d${i}.md`),
      `# D${i}\n${[1, 2, 3].map((n) => section(i, n)).join('')}`,
    );
  const { state } = await refreshIndex(ws);
  for (let i = 0; i < 80; i++)
    writeFileSync(join(ws.knowledgeDir, `d${i}.md`), `# D${i}\nrewritten ${i}\n${section(i, 4)}`);
  const next = await refreshIndex(ws);
  assert.equal(next.rebuilt, true);
  assert.notEqual(next.state.base, state.base);
  assert.ok(!existsSync(join(ws.localDir, 'knowledge', `base-${state.base}`)));
  assert.equal(next.state.overlay.length, 0);
  assert.equal((await searchKnowledge(ws, 'rewritten 5 part 4')).hits[0].name, 'd5');
});

test('a corrupt or foreign index is rebuilt, never an error', async (t) => {
  const ws = fixtureWorkspace(t);
  await refreshIndex(ws);
  writeFileSync(join(ws.localDir, 'knowledge', 'index.json'), '{"format": 1, "docs": ');
  assert.equal((await searchKnowledge(ws, 'flaky tests quarantine')).hits[0].name, 'flaky-tests');
  writeFileSync(join(ws.localDir, 'knowledge', 'index.json'), '{"format": 99}');
  assert.equal((await searchKnowledge(ws, 'flaky tests quarantine')).hits[0].name, 'flaky-tests');
});

test('chunks follow headings, never inside code fences, with the heading path', () => {
  const body =
    '# Title\n\nintro\n\n## One\none text\n```\n# not a heading\n```\n### Deep\ndeep text\n## Two\ntwo\n';
  const chunks = chunkMarkdown(body, 'Doc', 5);
  assert.deepEqual(
    chunks.map((c) => [c.heading, c.from, c.to]),
    [
      ['Title', 5, 8],
      ['Title › One', 9, 13],
      ['Title › One › Deep', 14, 15],
      ['Title › Two', 16, 18],
    ],
  );
  assert.match(chunks[1].text, /# not a heading/);
});

test('passages for briefs: whole sections, several per document, best first', async (t) => {
  const ws = fixtureWorkspace(t);
  const { passages } = await knowledgePassages(ws, 'flaky test retries quarantine', { k: 3 });
  assert.equal(passages.length, 3);
  assert.ok(passages.every((p) => p.name === 'flaky-tests'));
  assert.match(passages[0].text, /^## (Quarantine|Retries)/);
  assert.ok(passages[0].score >= passages[1].score);
});

test('stored document columns are accepted only whole and of their types (a damaged index.json is rebuilt)', async () => {
  const { areDocColumns, encodeDocs } = await import('../dist/lib/knowledge/knowledge-index-docs.js');
  const doc = (extra = {}) => ({
    hash: 'h',
    title: 'T',
    tags: ['a'],
    chunks: 1,
    mtimeMs: 1.5,
    size: 10,
    ...extra,
  });
  const valid = () =>
    encodeDocs({
      'a.md': doc({ base: [0, 1, 10], author: 'ada', recalls: 2 }),
      'b/C.MD': doc({ updated: '2026-01-01', problem: 'p' }),
    });
  assert.equal(areDocColumns(valid()), true);
  const damaged = {
    'a file not ending in .md': (c) => (c.file[0] = '__proto__'),
    'a column shorter': (c) => c.title.pop(),
    'a tag not text': (c) => (c.tags[1] = [3]),
    'tags not a list': (c) => (c.tags[0] = 'a'),
    'a negative size': (c) => (c.size[0] = -1),
    'an mtime as text': (c) => (c.mtimeMs[1] = '1'),
    'recalls below zero': (c) => (c.recalls[0] = -1),
    'an author neither text nor null': (c) => (c.author[1] = 0),
    'a base range half missing': (c) => (c.base[3] = 0),
    'a base range of fractions': (c) => (c.base[1] = 0.5),
    'a base column too short': (c) => c.base.pop(),
    'no file column': (c) => delete c.file,
  };
  for (const [what, damage] of Object.entries(damaged)) {
    const columns = valid();
    damage(columns);
    assert.equal(areDocColumns(columns), false, what);
  }
  assert.equal(areDocColumns([]), false);
  assert.equal(areDocColumns(null), false);
});

test('a damaged term shard is rebuilt on use, never an error: a section past the base, an odd list, a negative count', async (t) => {
  const ws = fixtureWorkspace(t);
  const query = 'flaky tests quarantine';
  const { state } = await refreshIndex(ws);
  const base = join(ws.localDir, 'knowledge', `base-${state.base}`);
  // The shard that holds the query's most telling term, found by what it lists.
  const shards = readdirSync(base).filter((name) => name.startsWith('terms-'));
  const holding = shards.find((name) =>
    Object.hasOwn(JSON.parse(readFileSync(join(base, name), 'utf8')), 'quarantin'),
  );
  assert.ok(holding, 'a shard lists the stem of "quarantine"');
  const damages = [
    (list) => [state.baseChunks, 1, ...list.slice(2)],
    (list) => [...list, 0],
    (list) => [list[0], -1, ...list.slice(2)],
  ];
  for (const damage of damages) {
    await refreshIndex(ws, { full: true });
    const { state: now } = await refreshIndex(ws);
    const dir = join(ws.localDir, 'knowledge', `base-${now.base}`);
    const shard = JSON.parse(readFileSync(join(dir, holding), 'utf8'));
    shard.quarantin = damage(shard.quarantin);
    writeFileSync(join(dir, holding), JSON.stringify(shard));
    assert.equal((await searchKnowledge(ws, query)).hits[0].name, 'flaky-tests', String(damage));
    const { state: after } = await refreshIndex(ws);
    assert.notEqual(after.base, now.base, `the damage was found and the base rebuilt: ${damage}`);
  }
});
