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
