// Workspaces with an orchestrator.yaml of command agents (small node scripts) for run tests.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, orcJson, sleep, tempWorkspace } from './helpers.js';

export const AGENTS = join(ROOT, 'test', 'fixtures', 'agents');

const argv = (...parts) => `[${parts.map((p) => JSON.stringify(p)).join(', ')}]`;

/** A workspace whose orchestrator.yaml has the given flows (YAML text) and the standard agents. */
export function runWorkspace(t, flows, extraAgents = '') {
  const dir = tempWorkspace(t);
  const counts = join(dir, 'counts.txt');
  const node = process.execPath;
  writeFileSync(
    join(dir, 'orchestrator.yaml'),
    `version: 1
orchestrator:
  name: test
concurrency: 4
agents:
  - id: echo
    name: Echo
    description: repeats its brief
    capabilities: [echo]
    command: ${argv(node, join(AGENTS, 'echo.js'))}
  - id: failer
    name: Failer
    description: always fails
    capabilities: [fail]
    command: ${argv(node, join(AGENTS, 'fail.js'))}
  - id: hanger
    name: Hanger
    description: hangs past its timeout
    capabilities: [hang]
    command: ${argv(node, join(AGENTS, 'hang.js'), join(dir, 'grandchild.pid'))}
    timeout: 1s
  - id: sleeper
    name: Sleeper
    description: counts its runs and takes a second
    capabilities: [sleep]
    command: ${argv(node, join(AGENTS, 'count.js'), counts, '1000')}
  - id: counter
    name: Counter
    description: counts its runs
    capabilities: [count]
    command: ${argv(node, join(AGENTS, 'count.js'), counts, '0')}
  - id: slow
    name: Slow
    description: counts its runs and takes three seconds
    capabilities: [slow]
    command: ${argv(node, join(AGENTS, 'count.js'), counts, '3000')}
  - id: crasher
    name: Crasher
    description: crashes
    capabilities: [crash]
    command: ${argv(node, join(AGENTS, 'crash.js'))}
  - id: big
    name: Big
    description: prints a lot
    capabilities: [big]
    command: ${argv(node, join(AGENTS, 'big.js'))}
${extraAgents}
flows:
${flows}
`,
  );
  return { dir, counts };
}

/** How many times each step ran, from the counter agents' file. */
export function executions(counts) {
  const tally = {};
  if (!existsSync(counts)) return tally;
  for (const step of readFileSync(counts, 'utf8').split('\n').filter(Boolean))
    tally[step] = (tally[step] ?? 0) + 1;
  return tally;
}

/** Polls `orc run status` until `predicate(run)` holds. */
export async function waitForRun(dir, id, predicate, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = orcJson(dir, ['run', 'status', id]);
    if (predicate(run)) return run;
    if (Date.now() > deadline)
      throw new Error(
        `run ${id} did not reach the state in time: ${JSON.stringify(run.steps.map((s) => [s.id, s.status]))}`,
      );
    await sleep(150);
  }
}

export const stepStatus = (run) => Object.fromEntries(run.steps.map((s) => [s.id, s.status]));
