import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orc, orcAsync, orcJson, readEventsFile } from './helpers.js';
import { runWorkspace, waitForRun } from './run-helpers.js';

const FLOW = `  - id: two
    steps:
      - { id: gather, agent: echo, task: gather the facts }
      - { id: report, agent: counter, task: write the report, deps: [gather] }`;

test('offline, a completed run is distilled into knowledge/runs/<id>.md, extractively', (t) => {
  const { dir } = runWorkspace(t, FLOW);
  const run = orcJson(dir, ['run', '--flow', 'two', 'summarise the quarter']);
  const note = readFileSync(join(dir, 'knowledge/runs', `${run.id}.md`), 'utf8');
  assert.match(
    note,
    /^---\ntitle: "Run r-\w+: summarise the quarter"\ntags: \[run, echo, counter\]\nauthor: orc\n/,
  );
  assert.match(note, /summarised_by: extractive/);
  assert.match(note, /### gather \(echo\): done\ngather the facts\n\n> run=r-\w+ step=gather/);
  assert.match(note, /### report \(counter\): done/);
  assert.ok(readEventsFile(dir).some((e) => e.type === 'knowledge.consolidated' && e.subject === run.id));
  const failed = orc(['--dir', dir, 'run', 'resume', run.id]);
  assert.equal(failed.code, 4, 'nothing to resume; the note is written once');
});

test('a failed run is not consolidated; a run completed by an approval is', async (t) => {
  const { dir } = runWorkspace(
    t,
    `${FLOW}\n  - id: bad\n    steps:\n      - { id: x, agent: failer, task: break }\n  - id: gated\n    steps:\n      - { id: g, agent: echo, task: draft, gate: after }`,
  );
  orc(['--dir', dir, 'run', '--flow', 'bad', 'fail please']);
  const failedId = orcJson(dir, ['run', 'list'])[0].id;
  assert.equal(existsSync(join(dir, 'knowledge/runs', `${failedId}.md`)), false);
  const gated = orcJson(dir, ['run', '--flow', 'gated', 'draft it']);
  assert.equal(orc(['--dir', dir, 'approve', gated.id]).code, 0);
  await waitForRun(dir, gated.id, (r) => r.status === 'complete');
  assert.ok(existsSync(join(dir, 'knowledge/runs', `${gated.id}.md`)));
});

test('with a provider, the LLM distils the note; if it fails, the extractive summary is kept with a warning', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  let fail = false;
  const server = await startFakeLlm(() =>
    fail ? { status: 500 } : 'Worked: gather, then report. Reuse the gather step.',
  );
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    FLOW,
    `providers:\n  local: { base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n'),
  );
  const first = JSON.parse(
    (await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'two', 'with an llm'])).stdout,
  );
  const note = readFileSync(join(dir, 'knowledge/runs', `${first.id}.md`), 'utf8');
  assert.match(note, /summarised_by: llm/);
  assert.match(note, /Reuse the gather step\./);
  fail = true;
  const second = await orcAsync(['--dir', dir, '--json', 'run', '--flow', 'two', 'with a failing llm']);
  assert.equal(second.code, 0, 'the run itself succeeded');
  assert.match(
    second.stderr,
    /consolidation fell back to the extractive summary: provider local failed: HTTP 500/,
  );
  const id = JSON.parse(second.stdout).id;
  assert.match(readFileSync(join(dir, 'knowledge/runs', `${id}.md`), 'utf8'), /summarised_by: extractive/);
});

test('a note keeps the time of day in updated: a minute after the run it has the full recency score', async (t) => {
  const { dir } = runWorkspace(t, FLOW);
  const run = orcJson(dir, ['run', '--flow', 'two', 'summarise the quarter']);
  const note = readFileSync(join(dir, 'knowledge/runs', `${run.id}.md`), 'utf8');
  assert.match(note, new RegExp(`\\nupdated: ${run.endedAt.replace(/\./g, '\\.')}\\n`));
  const { findWorkspace, listMemories } = await import('../dist/lib/index.js');
  const now = new Date(Date.parse(run.endedAt) + 60_000);
  const [memory] = await listMemories(findWorkspace({ dir }), { now });
  assert.equal(memory.updated, run.endedAt);
  assert.ok(memory.relevance > 0.5999, `a minute old scores ${memory.relevance}`);
});

test('memory.budget: consolidation archives the least relevant notes past the budget, never deleting', (t) => {
  const { dir } = runWorkspace(t, FLOW);
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(yamlFile, `${readFileSync(yamlFile, 'utf8')}memory:\n  budget: 2\n`);
  mkdirSync(join(dir, 'knowledge/runs'), { recursive: true });
  for (const [name, updated] of [
    ['r-older', '2020-01-01T00:00:00.000Z'],
    ['r-newer', '2025-01-01T00:00:00.000Z'],
  ])
    writeFileSync(join(dir, 'knowledge/runs', `${name}.md`), `---\nupdated: ${updated}\n---\n# ${name}\n`);
  const run = orcJson(dir, ['run', '--flow', 'two', 'summarise the quarter']);
  assert.equal(run.status, 'complete');
  assert.deepEqual(readdirSync(join(dir, 'knowledge/runs')).sort(), [`${run.id}.md`, 'r-newer.md'].sort());
  assert.match(readFileSync(join(dir, 'knowledge/archive/runs/r-older.md'), 'utf8'), /# r-older/);
  const archived = readEventsFile(dir).filter((e) => e.type === 'memory.archived');
  assert.deepEqual(
    archived.map((e) => e.subject),
    ['runs/r-older'],
  );

  for (const [setting, problem] of [
    ['memory:\n  budget: lots\n', /memory\.budget/],
    ['memory:\n  budget: 0\n', /memory\.budget/],
    ['memory:\n  keep: 3\n', /memory\.keep: not a memory setting/],
    ['memory: 5\n', /memory: must be a mapping/],
  ]) {
    writeFileSync(yamlFile, readFileSync(yamlFile, 'utf8').replace(/memory:[\s\S]*$/, setting));
    const check = orc(['--dir', dir, 'config', 'check']);
    assert.notEqual(check.code, 0, setting);
    assert.match(check.stdout + check.stderr, problem);
  }
});
