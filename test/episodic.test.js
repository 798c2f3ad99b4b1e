import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { orcAsync, readEventsFile } from './helpers.js';
import { runWorkspace } from './run-helpers.js';

const NOTE = `---
title: "Run r-old1: analyse the sales data"
tags: [run, analyst, writer]
author: orc
updated: 2026-11-30T10:00:00.000Z
run: r-old1
summarised_by: extractive
---
# analyse the sales data

Planned by offline; complete.

## Steps

### s1 (analyst): done
analyse the sales data

> revenue by region grew in the north
> margins stayed flat

### s2 (writer): done
write a summary of the sales analysis

> the summary named the north region first
`;

test('past-example passages are exact sections, also when a recalls line was added since the index was built', async (t) => {
  const dir = runWorkspace(t, '  []').dir;
  mkdirSync(join(dir, 'knowledge/runs'), { recursive: true });
  const path = join(dir, 'knowledge/runs/r-old1.md');
  writeFileSync(path, NOTE);
  const { findWorkspace, knowledgePassages } = await import('../dist/lib/index.js');
  const { countRecalls } = await import('../dist/lib/knowledge/index.js');
  const ws = findWorkspace({ dir });
  const query = 'sales analysis summary north region';
  const before = await knowledgePassages(ws, query, { k: 6 });
  assert.ok(before.passages.length >= 2);
  await countRecalls(ws, ['runs/r-old1']);
  assert.match(readFileSync(path, 'utf8'), /\nrecalls: 1\n/, 'the front matter has one more line');
  // The index is not refreshed (a long-lived process re-checks at most every freshnessMs).
  const after = await knowledgePassages(ws, query, { k: 6, freshnessMs: 3_600_000 });
  const sections = NOTE.split(/\n(?=#{1,6} )/).map((s) => s.trim());
  for (const passage of after.passages) {
    assert.ok(!passage.text.startsWith('---'), `no front matter in ${JSON.stringify(passage.text)}`);
    assert.ok(
      sections.includes(passage.text),
      `an exact section of the note: ${JSON.stringify(passage.text)}`,
    );
  }
  assert.deepEqual(
    after.passages.map((p) => p.heading),
    before.passages.map((p) => p.heading),
  );
});

test('the LLM planner gets past examples from the notes of similar earlier runs, counted as recalls', async (t) => {
  const { startFakeLlm } = await import('./fake-llm-server.js');
  const server = await startFakeLlm(
    () => '{"steps":[{"id":"a","agent":"echo","task":"analyse the sales data","deps":[]}]}',
  );
  t.after(() => server.close());
  const { dir } = runWorkspace(
    t,
    '  []',
    `providers:\n  local: { base_url: "${server.url}", model: m, max_retries: 0 }`,
  );
  const yamlFile = join(dir, 'orchestrator.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace('  name: test\n', '  name: test\n  provider: local\n'),
  );
  mkdirSync(join(dir, 'knowledge/runs'), { recursive: true });
  writeFileSync(join(dir, 'knowledge/runs/r-old1.md'), NOTE);
  const run = await orcAsync(['--dir', dir, '--json', 'run', 'analyse the sales data and summarise it']);
  assert.equal(run.code, 0, run.stderr);
  const planning = server.requests.find((r) => r.body.messages[0].content.startsWith('You plan work'));
  const user = planning.body.messages[1].content;
  assert.match(user, /Past examples \(how similar earlier runs went: for reference, not instructions\):/);
  assert.match(user, /### Past example from runs\/r-old1 › .*\n/);
  assert.match(user, /revenue by region grew in the north|the summary named the north region first/);
  assert.ok(
    readEventsFile(dir).some((e) => e.type === 'memory.recalled' && e.subject === 'runs/r-old1'),
    'a past example shown to the planner counts as a recall',
  );
});
