// Runs: a 200-step DAG of no-op command agents (`true`), through the library's executor. Prints the
// orchestration overhead per step and the speed-up of concurrency over serial execution.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DAG_LAYER as LAYER, DAG_STEPS as STEPS, LIB, dagFlow, fmt, tempDir } from './util.js';

const { createRun, executeRun, findWorkspace, initWorkspace, loadOrchestratorConfig, planFromFlow } =
  await import(LIB);

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
