// What a step costs the runner, counted (not timed): one critical section per step that ends at
// concurrency 1, and a step's process as the runner starts it (node's child_process): its output and
// stdin, a command that cannot start, one ended by a signal, one writing past the output limit.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempWorkspace } from './helpers.js';

const lib = await import('../dist/lib/index.js');
const runs = await import('../dist/lib/runs/index.js');
const { startAgentProcess } = await import('../dist/lib/runs/agent-process.js');

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

test('a step that cannot start, or is ended by a signal, fails naming why; the run fails', async (t) => {
  const missing = await runChain(chainWorkspace(t, argv('orc-no-such-command-xyz'), 2));
  assert.equal(missing.status, 'failed');
  assert.match(missing.steps[0].error, /^cannot start orc-no-such-command-xyz: .*ENOENT/);
  assert.equal(missing.steps[1].status, 'skipped');

  const killed = await runChain(
    chainWorkspace(t, argv(node, '-e', 'process.kill(process.pid, "SIGKILL")'), 1),
  );
  assert.equal(killed.status, 'failed');
  assert.equal(killed.steps[0].error, 'killed by SIGKILL');
});

test('an agent process gets its input on stdin, may leave it unread, and is ended past the output limit', async () => {
  const echo = startAgentProcess(node, ['-e', 'process.stdin.pipe(process.stdout)'], {
    input: 'brief\n',
    cwd: process.cwd(),
    env: {},
    maxBuffer: 1024,
  });
  const echoed = await echo.result;
  assert.equal(echoed.exitCode, 0);
  assert.equal(echoed.stdout, 'brief');
  assert.equal(echoed.failure, undefined);

  // An agent that never reads its input is not failed by the closed pipe.
  const deaf = await startAgentProcess(node, ['-e', '0'], {
    input: 'x'.repeat(1 << 20),
    cwd: process.cwd(),
    env: {},
    maxBuffer: 1024,
  }).result;
  assert.equal(deaf.exitCode, 0);

  const loud = await startAgentProcess(node, ['-e', 'for (;;) process.stdout.write("y".repeat(4096))'], {
    input: '',
    cwd: process.cwd(),
    env: {},
    maxBuffer: 64 * 1024,
  }).result;
  assert.equal(loud.exitCode, undefined);
  assert.match(loud.failure, /output went past 65536 characters/);
});
