// The run benchmarks' workload (bench/runs.js, bench/workers.js): a DAG of DAG_STEPS steps of one
// command agent `noop`, in layers of DAG_LAYER, each step on two of the layer before.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LIB, tempDir } from './util.js';

const { createRun, executeRun, findWorkspace, initWorkspace, loadOrchestratorConfig, planFromFlow } =
  await import(LIB);

export const DAG_STEPS = 200;
export const DAG_LAYER = 20;

/**
 * A flow `id` of `steps` steps run by the agent `noop`, in layers of `layer`, each step on two steps of
 * the layer before.
 */
export function layeredFlow(id, steps, layer) {
  const lines = [`  - id: ${id}`, '    steps:'];
  for (let i = 0; i < steps; i++) {
    const at = Math.floor(i / layer);
    const before = (at - 1) * layer;
    const deps = at === 0 ? [] : [before + (i % layer), before + ((i + 1) % layer)];
    lines.push(
      `      - { id: s${i}, agent: noop, task: step ${i}, deps: [${deps.map((d) => `s${d}`).join(', ')}] }`,
    );
  }
  return lines.join('\n');
}

/** A temp workspace whose `noop` agent runs `command` (a YAML argv); `moreYaml` is appended. */
export function dagWorkspace(command, moreYaml = '') {
  const dir = tempDir();
  initWorkspace(dir);
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `agents:\n  - { id: noop, name: noop, description: does nothing, command: ${command} }\nflows:\n${layeredFlow('dag', DAG_STEPS, DAG_LAYER)}\n${moreYaml}`,
  );
  return dir;
}

/** Runs the DAG of a dagWorkspace through the library's executor; resolves with its wall time in ms. */
export async function timeDagRun(dir, concurrency) {
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
