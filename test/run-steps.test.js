// What a step costs the runner, counted (not timed): one critical section per step that ends at
// concurrency 1 (its end and the next step's start recorded together).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempWorkspace } from './helpers.js';

const lib = await import('../dist/lib/index.js');
const runs = await import('../dist/lib/runs/index.js');

const node = process.execPath;
const argv = (...parts) => `[${parts.map((p) => JSON.stringify(p)).join(', ')}]`;

/** A workspace whose flow `chain` is `steps` steps of `command`, each on the one before. */
function chainWorkspace(t, command, steps) {
  const dir = tempWorkspace(t);
  const lines = Array.from(
    { length: steps },
    (_, i) => `      - { id: s${i}, agent: a, task: step ${i}${i ? `, deps: [s${i - 1}]` : ''} }`,
  );
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: a, name: a, description: a step, command: ${command} }\nflows:\n  - id: chain\n    steps:\n${lines.join('\n')}\n`,
  );
  return dir;
}

async function runChain(dir, concurrency = 1) {
  const ws = lib.findWorkspace({ dir });
  const config = lib.loadOrchestratorConfig(ws);
  const run = await lib.createRun(ws, {
    task: 'count',
    plan: lib.planFromFlow(config.flows[0], {}),
    config,
    concurrency,
  });
  return lib.executeRun(ws, run.id, { config, pollMs: 20, knowledgeFor: async () => '' });
}

test('at concurrency 1 a step costs one critical section: its end and the next start, together', async (t) => {
  const steps = 6;
  const dir = chainWorkspace(t, argv(node, '-e', 'process.stdout.write("ok\\n")'), steps);
  const before = runs.RunTracker.movesMade;
  const done = await runChain(dir);
  assert.equal(done.status, 'complete');
  assert.deepEqual(
    done.steps.map((s) => s.output),
    Array(steps).fill('ok'),
    'the output, its final newline stripped',
  );
  assert.equal(runs.RunTracker.movesMade - before, steps + 1, 'the first start, then one per step');
});
