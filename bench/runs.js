// Runs: a 200-step DAG of no-op command agents (`true`), through the library's executor. Prints the
// orchestration overhead per step and the speed-up of concurrency over serial execution.
import { spawnSync } from 'node:child_process';
import { DAG_LAYER as LAYER, DAG_STEPS as STEPS, dagWorkspace, timeDagRun } from './dag.js';
import { fmt } from './util.js';

const timeRun = (concurrency) => timeDagRun(dagWorkspace('["true"]'), concurrency);

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
