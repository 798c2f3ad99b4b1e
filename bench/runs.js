// Runs: a 200-step DAG of no-op command agents (`true`), through the library's executor. Prints the
// orchestration overhead per step and the speed-up of concurrency over serial execution.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIB, fmt, tempDir } from './util.js';

const { createRun, executeRun, findWorkspace, initWorkspace, loadOrchestratorConfig, planFromFlow } =
  await import(LIB);

const STEPS = 200;
const LAYER = 20;

function dagFlow() {
  const lines = ['  - id: dag', '    steps:'];
  for (let i = 0; i < STEPS; i++) {
    const layer = Math.floor(i / LAYER);
    const deps =
      layer === 0 ? [] : [(layer - 1) * LAYER + (i % LAYER), (layer - 1) * LAYER + ((i + 1) % LAYER)];
    lines.push(
      `      - { id: s${i}, agent: noop, task: step ${i}, deps: [${deps.map((d) => `s${d}`).join(', ')}] }`,
    );
  }
  return lines.join('\n');
}

async function timeRun(concurrency) {
  const dir = tempDir();
  initWorkspace(dir);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: noop, name: noop, description: does nothing, command: ["true"] }\nflows:\n${dagFlow()}\n`,
  );
  const ws = findWorkspace({ dir });
  const config = loadOrchestratorConfig(ws);
  const run = await createRun(ws, {
    task: 'bench',
    plan: planFromFlow(config.flows[0], {}),
    config,
    concurrency,
  });
  const started = performance.now();
  const done = await executeRun(ws, run.id, { config, pollMs: 50 });
  const ms = performance.now() - started;
  if (done.status !== 'complete') throw new Error(`run ended ${done.status}`);
  return ms;
}

export async function run() {
  console.log(`## runs: a ${STEPS}-step DAG (${STEPS / LAYER} layers of ${LAYER}) of no-op command agents`);
  const spawnStarted = performance.now();
  for (let i = 0; i < 50; i++) spawnSync('true');
  const spawnMs = (performance.now() - spawnStarted) / 50;
  const serial = await timeRun(1);
  const parallel = await timeRun(8);
  console.log(`  spawning \`true\` alone: ${fmt(spawnMs, 1)} ms`);
  console.log(`  concurrency 1: ${fmt(serial)} ms in all, ${fmt(serial / STEPS, 1)} ms per step`);
  console.log(`  concurrency 8: ${fmt(parallel)} ms in all, ${fmt(parallel / STEPS, 1)} ms per step`);
  console.log(
    `  orchestration overhead per step (serial, less the spawn): ${fmt(serial / STEPS - spawnMs, 1)} ms`,
  );
  console.log(`  speed-up of concurrency 8 over serial: ${fmt(serial / parallel, 2)}x`);
}
